"""Tests that guard the architecture (issue 12 item 6; ``docs/architecture.md``).

* ``theory/`` has no import cycles, counting the imports written inside functions (the import graph
  is read from the source with :mod:`ast`, relative imports resolved to modules, an import of a
  package counted as an import of its ``__init__``);
* ``theory`` never imports ``validation`` (the pure layer does not know the layer above it);
* the public names of ``theory`` and ``validation`` (their ``__all__``) and their kinds are pinned,
  so that a rename or a removal fails here (add, never rename);
* tests reach through the public surface: no test imports a private name (``from theory.x import _y``)
  except the few listed below with their reasons.
"""

from __future__ import annotations

import ast
import inspect
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ the import graph
def _modules(package: str, root: Path = ROOT) -> dict:
    """Dotted module name -> file, for every module of ``package`` (a package's name is its __init__)."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: dict) -> list:
    """``(imported module, line)`` for every import in the file, at any depth (inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []

    def resolve(level: int, module: str | None) -> str:
        base = package.split(".")[: len(package.split(".")) - level + 1]
        return ".".join(base + ([module] if module else []))

    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and ast.unparse(node.func) in ("importlib.import_module", "import_module")):
            # a lazy import by name: importlib.import_module(".symbolic", __name__) counts as an import
            text = node.args[0].value
            level = len(text) - len(text.lstrip("."))
            found.append((resolve(level, text.lstrip(".") or None) if level else text, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = resolve(node.level, node.module)
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                # `from pkg import mod` imports the module; `from mod import name` imports mod
                found.append((sub if sub in known else base, node.lineno))
    return found


def import_graph(package: str = "theory", root: Path = ROOT) -> tuple:
    known = _modules(package, root)
    graph, where = {}, {}
    for name, path in known.items():
        edges = set()
        for target, line in _imports(name, path, known):
            # a module inside the package (the longest known prefix of the imported name)
            parts = target.split(".")
            while parts and ".".join(parts) not in known:
                parts.pop()
            dest = ".".join(parts)
            if parts and dest != name and target.split(".")[0] == package:
                edges.add(dest)
                where.setdefault((name, dest), line)
        graph[name] = sorted(edges)
    return graph, where


def strongly_connected(graph: dict) -> list:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def one_cycle(graph: dict, comp: list, where: dict) -> str:
    """A readable cycle inside the component: ``a -> b (line) -> ... -> a``."""
    members = set(comp)
    start = comp[0]
    path, seen = [start], {start}
    while True:
        nxt = next(w for w in graph[path[-1]] if w in members)
        if nxt in seen:
            cyc = path[path.index(nxt):] + [nxt]
            return " -> ".join(f"{a} (line {where[(a, b)]})" for a, b in zip(cyc, cyc[1:])) + f" -> {nxt}"
        path.append(nxt)
        seen.add(nxt)


# Cycles that exist today and are being broken by their owners (each entry: the modules and why it is
# tolerated for now). The test fails on any other cycle, and on an entry that no longer exists (remove it).
KNOWN_CYCLES: dict = {}  # frozenset of modules -> why it is tolerated; none today


def test_the_graph_reader_sees_every_kind_of_import(tmp_path):
    # the reader is what the cycle test stands on: a small package with each kind of import
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import a\n")
    (pkg / "a.py").write_text("import numpy\nfrom .sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import g\n    return g\n")
    (pkg / "c.py").write_text("import importlib\nimport pkg.sub\n"
                               "def h():\n    return importlib.import_module('.a', __package__)\n")
    graph, where = import_graph("pkg", tmp_path)
    assert graph == {"pkg": ["pkg.a"], "pkg.a": ["pkg.sub.b"], "pkg.sub": [], "pkg.sub.b": ["pkg.c"],
                     "pkg.c": ["pkg.a", "pkg.sub"]}
    assert where[("pkg.sub.b", "pkg.c")] == 2  # the import inside the function
    assert strongly_connected(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    # and on theory itself: the lazy theory.symbolic of theory.__getattr__ is an edge
    assert "theory.symbolic" in import_graph()[0]["theory"]


def test_no_import_cycles_in_theory():
    graph, where = import_graph()
    comps = strongly_connected(graph)
    unknown = [c for c in comps if not any(set(c) <= known for known in KNOWN_CYCLES)]
    assert not unknown, "import cycles in theory/ (imports inside functions count):\n" + "\n".join(
        one_cycle(graph, c, where) for c in unknown)
    stale = [sorted(k) for k in KNOWN_CYCLES if not any(set(c) & k and set(c) <= k for c in comps)]
    assert not stale, f"these cycles are gone: remove them from KNOWN_CYCLES in {Path(__file__).name}: {stale}"


# The layers, bottom to top (docs/architecture.md): a module may import its own layer and the layers below.
# theory.risk and method selection (ridge/limiting_error.py) sit above the regimes they read; the rest of
# theory/ridge (GE system, solvers, spectra) below them.
LAYERS = (
    ("foundation", ("theory._checks", "theory._result", "theory._applicability")),
    ("hermite", ("theory.hermite",)),
    ("model", ("theory.model",)),
    ("spikes, ridge, multi_index", ("theory.spikes", "theory.ridge", "theory.multi_index", "theory.mixtures")),
    ("regimes", ("theory.regimes",)),
    ("risk", ("theory.ridge.limiting_error",)),
    ("public surface", ("theory", "theory.symbolic", "theory.conventions", "theory.marchenko_pastur",
                        "theory.solvers")),
)

# Imports that go up a layer today, each with its reason; the test fails on any other, and on an entry
# that is gone (remove it).
KNOWN_UPWARD = {
    ("theory.model.onestep", "theory.multi_index.targets"):
        "OneStep.from_dandi's default target is Dandi et al.'s two-index target, a MultiIndexTarget (lazy import)",
    ("theory.model.statistics", "theory.multi_index.tensors"):
        "the step's statistics of a multi-index target need its Hermite tensors C_0, C_1",
    ("theory.multi_index.floors", "theory.ridge.limiting_error"):
        "random_features_error is theory.risk(method='rf') of the target's linear part",
}


def layer_of(module: str) -> int:
    best, found = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, found = len(p), i
    if found is None:
        raise AssertionError(f"{module} is in no layer of LAYERS: add it (and to docs/architecture.md)")
    return found


def test_modules_import_only_their_layer_and_below():
    graph, where = import_graph()
    up = {(a, b) for a, bs in graph.items() for b in bs if layer_of(b) > layer_of(a)}
    unknown = sorted(up - set(KNOWN_UPWARD))
    assert not unknown, "imports that go up a layer (docs/architecture.md):\n" + "\n".join(
        f"{a} (line {where[(a, b)]}) -> {b}: {LAYERS[layer_of(a)][0]} imports {LAYERS[layer_of(b)][0]}"
        for a, b in unknown)
    stale = sorted(set(KNOWN_UPWARD) - up)
    assert not stale, f"these upward imports are gone: remove them from KNOWN_UPWARD: {stale}"


def test_strongly_connected_finds_a_cycle():
    g = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
    assert strongly_connected(g) == [["a", "b", "c"]]
    assert one_cycle(g, ["a", "b", "c"], {(x, y): 1 for x in g for y in g[x]}).endswith("-> a")
    assert strongly_connected({"a": ["b"], "b": []}) == []


def test_theory_never_imports_validation():
    known = _modules("theory")
    bad = [f"{name} line {line}: {target}" for name, path in known.items()
           for target, line in _imports(name, path, known) if target.split(".")[0] == "validation"]
    assert not bad, "theory/ must not import validation/:\n" + "\n".join(bad)


# ------------------------------------------------------------------ the public surface
def _kind(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return type(obj).__name__


C, F, M = "class", "function", "module"
PUBLIC = {
    "theory": {
        "Activation": C, "AlignmentLaw": C, "DualKernel": C, "ErrorFloor": C, "ErrorTable": C,
        "GaussianMoments": C, "HermiteResult": C, "HermiteTensors": C, "LeapIndex": C, "MultiIndexTarget": C,
        "NeuronPrediction": C, "NotApplicable": C, "OneStep": C, "RiskResult": C, "SRFParameters": C,
        "SpecialisationLaw": C, "Spike": C, "SpikeDegrees": C, "SpikeSpectrum": C, "Staircase": C, "Subspace": C,
        "activation": F, "alignment_law": F, "available_activations": F, "check_expression": F, "conventions": M,
        "derivative_coefficients": F, "derivative_second_moment": F, "dual_kernel": F, "error_floor": F,
        "error_table": F, "feature_spikes": F, "gaussian_moments": F, "gaussian_smoothing": F,
        "hermite_coefficients": F, "hermite_tensor": F, "hermite_tensors": F, "kernel_error": F, "leap_index": F,
        "learnable_subspace": F, "learned_overlap": F, "linear_kernel_error": F, "marchenko_pastur": M,
        "mu_star": F, "numeric_function": F, "parse_expression": F, "predict_neurons": F,
        "random_features_error": F, "risk": F, "scaled_coefficients": F, "second_moment": F, "select_method": F,
        "solvers": M, "specialisation_law": F, "spike_degrees": F, "srf_parameters": F, "staircase": F,
        "symbolic": M, "weight_spike": F,
        "StepStatistics": C, "regimes": M, "register_regime": F, "step_statistics": F,
        "DenseCovariance": C, "GaussianMixture": C, "SpikedCovariance": C, "mixtures": M,
        "TwoStepCount": C, "TwoStepSpikes": C, "WeightOutlier": C, "two_step_outlier_count": F,
        "two_step_spikes": F,
        "TwoStepFeatureSpikes": C, "two_step_effective_setup": F, "two_step_feature_spikes": F,
    },
    "validation": {
        "Comparison": C, "Estimate": C, "SimulationResult": C, "as_seed_sequence": F, "compare": F,
        "estimate": F, "simulate": F,
    },
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_names_and_kinds_are_pinned(package):
    import importlib

    mod = importlib.import_module(package)
    exported = set(mod.__all__)
    missing = sorted(set(PUBLIC[package]) - exported)
    assert not missing, f"{package}.__all__ lost {missing}: the public surface is add-only (keep an alias)"
    changed = {n: (_kind(getattr(mod, n)), k) for n, k in PUBLIC[package].items() if _kind(getattr(mod, n)) != k}
    assert not changed, f"{package}: these public names changed kind (now, pinned): {changed}"
    for name in exported:  # every exported name exists
        assert hasattr(mod, name), f"{package}.__all__ names {name!r}, which does not exist"


def test_theory_module_paths_are_not_shadowed():
    # `theory.risk` is the function and the ridge code lives in theory.ridge; the stable module paths import
    import importlib

    import theory

    assert callable(theory.risk) and not isinstance(theory.risk, types.ModuleType)
    for path in ("theory.symbolic", "theory.conventions", "theory.marchenko_pastur", "theory.solvers",
                 "theory.hermite", "theory.model", "theory.spikes", "theory.ridge", "theory.multi_index"):
        assert isinstance(importlib.import_module(path), types.ModuleType), path


# ------------------------------------------------------------------ tests use the public surface
# (test file, module, private name) -> why the test needs it. Keep this short: prefer testing through
# the public functions, so that the next refactor does not have to rewrite the tests.
PRIVATE_ALLOWED = {
    ("test_results.py", "theory._result", "Result"):
        "the base class of every result: the test enumerates its subclasses to check all of them",
    ("test_edge_compare.py", "theory._applicability", "NotApplicable"):
        "also public as theory.NotApplicable; the module path is imported directly",
    ("test_compare_core.py", "validation.compare", "_check_groups"): "unit test of compare's group check",
    ("test_compare_core.py", "validation.compare", "_tolerances"): "unit test of compare's tolerance table",
    ("test_reproduce.py", "validation.reproduce", "_MODULES"):
        "the figures plugged from validation/reproductions are shrunk to test sizes like the four papers' tables",
    ("test_feature_spectrum.py", "theory.spikes.feature_spectrum", "_Bulk"):
        "the finite-size bulk solver is checked against an independent Stieltjes transform",
    ("test_feature_spectrum.py", "theory.spikes.feature_spectrum", "_Model"): "idem (the model it solves)",
    ("test_feature_spectrum.py", "theory.spikes.feature_spectrum", "_build_model"): "idem",
    ("test_feature_spectrum.py", "theory.spikes.feature_spectrum", "_solve_model"): "idem",
    ("test_feature_spectrum.py", "theory.spikes.feature_spectrum", "_column_spread"):
        "the norm-spread term is checked against simulation on its own",
    ("test_feature_spectrum.py", "theory.spikes.feature_spectrum", "_norm_spread"): "idem",
    ("test_feature_spectrum.py", "theory.spikes.predictions", "_step_stats"):
        "moves to theory.model.statistics (issue 12 item 2); then the public statistics replace it",
    ("test_closed_forms_fast.py", "theory.hermite.activations", "_FAST_ENTRY"):
        "the test swaps registry entries to prove the fast path never calls the mpmath closed form",
    ("test_closed_forms_fast.py", "theory.hermite.activations", "_REGISTRY"): "idem",
    ("test_closed_forms_fast.py", "theory.hermite.activations", "_build"): "idem (its cache is cleared around the swap)",
    ("test_simulate_topk.py", "validation.simulate", "_stream"): "the streamed batches are checked against one draw",
    ("test_spikes.py", "theory.spikes.predictions", "_finite_edge"):
        "the finite-size bulk edge of the weights against its closed form",
    ("test_mut_compare.py", "validation.compare", "_tolerances"):
        "mutation tests (issue 13 item 6): the default tolerance against synthetic trials with a known mean",
    **{("test_mut_regimes.py", "theory.regimes._common", name):
       "mutation tests (issue 13 item 6): the regime helpers' boundaries and values against exact references"
       for name in ("check_risk_setup", "scaled_series_coefficients", "step_exponent", "check_degrees")},
}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(path: Path) -> list:
    """``(module, name, line)`` for every private name of theory/validation that a test file imports or reads."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("theory", "validation"):
            parts = node.module.split(".")
            for alias in node.names:
                if _private(alias.name):
                    out.append((node.module, alias.name, node.lineno))
                elif any(_private(p) for p in parts):
                    out.append((node.module, alias.name, node.lineno))
                else:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("theory", "validation"):
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.asname and alias.name or alias.name.split(".")[0]
    for node in ast.walk(tree):  # module.attribute chains: theory.hermite.engine._resolve, fs._build_model
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain, root = [], node.value
            while isinstance(root, ast.Attribute):
                chain.append(root.attr)
                root = root.value
            if isinstance(root, ast.Name) and root.id in aliases:
                module = ".".join([aliases[root.id]] + chain[::-1])
                out.append((module, node.attr, node.lineno))
    return out


def test_tests_use_the_public_surface():
    bad = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for module, name, line in private_uses(path):
            if (path.name, module, name) not in PRIVATE_ALLOWED:
                bad.append(f"{path.name}:{line}: {module}.{name}")
    assert not bad, ("tests reach into private names; test through the public surface or add the name to "
                     "PRIVATE_ALLOWED with the reason:\n" + "\n".join(bad))


def test_private_use_reader(tmp_path):
    f = tmp_path / "t.py"
    f.write_text("import theory\nimport theory.hermite.engine as eng\nfrom theory.hermite import engine\n"
                 "from theory.x import _y, z\nfrom validation._m import w\n"
                 "a = theory.hermite.engine._resolve\nb = eng._resolve\nc = engine._h\nd = theory.risk\n")
    found = {(m, n) for m, n, _ in private_uses(f)}
    assert found == {("theory.x", "_y"), ("validation._m", "w"), ("theory.hermite.engine", "_resolve"),
                     ("theory.hermite.engine", "_h")}


def test_public_names_are_listed_once():
    """Each public name appears once in theory.__all__ and validation.__all__ (a duplicate hid a typo before)."""
    import collections

    import theory
    import validation

    for mod in (theory, validation):
        dup = [k for k, v in collections.Counter(mod.__all__).items() if v > 1]
        assert dup == [], f"{mod.__name__}.__all__ lists {dup} more than once"

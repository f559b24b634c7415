"""Sphinx configuration of the onegrad documentation site.

Build (from the repository root)::

    pip install ".[docs]" && python -m sphinx -W --keep-going -n -b html docs docs/_build/html

The Markdown pages are read by MyST (``$...$`` and ``$$...$$`` maths, ``amsmath`` environments,
heading anchors so that ``page.md#section`` links resolve). The API reference (``api.md``) is
generated from the public surface, ``theory.__all__`` and ``validation.__all__``, at build time: the
page holds two placeholders that :func:`_api_source` replaces by autosummary tables and autodoc
entries, so a name added to ``__all__`` appears without editing the page, and nothing is written into
the source tree during a build.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

project = "onegrad"
author = "onegrad developers"
copyright = "onegrad developers, BSD-3-Clause"  # noqa: A001 (Sphinx's name)

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
# validation/data/ holds inputs of the page generators (a text fragment without a title, JSON lines).
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "validation/data"]
# Some pages show JSON records with "..." placeholders; Pygments then falls back to relaxed lexing.
suppress_warnings = ["misc.highlighting_failure"]

# MyST: the existing Markdown pages use $...$ maths and link to sections as page.md#slug.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 4
myst_dmath_double_inline = True

# API reference: numpydoc renders the docstrings; members are listed by the generated page itself.
autosummary_generate = False
autodoc_default_options = {"members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Cross-references are checked (-n): every internal link and :func:/:class: role must resolve.
nitpicky = True
nitpick_ignore_regex = [
    # Types of numpy, mpmath, sympy... are not part of this site (no intersphinx: the build is offline).
    (r"py:.*", r"(numpy|np|mpmath|sympy|scipy|concurrent|dask|matplotlib)\..*"),
]
# Docstrings also name internal modules and helpers (``theory.ridge.solvers.fixed_point``, ``Row``)
# that the site does not document. Such a reference is accepted (rendered as code, without a link)
# only if it names something that exists in the code: see :func:`_resolve_in_code`. A stale name,
# e.g. a module that was moved, still fails the build.

html_theme = "alabaster"
html_title = "onegrad"
html_static_path: list[str] = []
html_theme_options = {"description": "One gradient step: theory and simulation", "page_width": "1100px"}

PACKAGES = ("theory", "validation")


def _public_names(package: str) -> list[str]:
    """``package.__all__`` without duplicates, in its order."""
    mod = importlib.import_module(package)
    seen: dict[str, None] = {}
    for name in getattr(mod, "__all__", ()):
        seen.setdefault(name, None)
    return list(seen)


def _api_block(package: str) -> str:
    """Autosummary table and autodoc entries for the public surface of ``package`` (reST)."""
    mod = importlib.import_module(package)
    names = _public_names(package)
    lines = ["```{eval-rst}", f".. currentmodule:: {package}", "", ".. autosummary::", "   :nosignatures:", ""]
    lines += [f"   {name}" for name in names]
    lines.append("")
    for name in names:
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            directive = "automodule"
            target = obj.__name__
        elif inspect.isclass(obj):
            directive = "autoclass"
            target = f"{package}.{name}"
        else:
            directive = "autofunction"
            target = f"{package}.{name}"
        lines.append(f".. {directive}:: {target}")
        if directive == "automodule":
            # the module is public under its short name (theory.conventions), defined elsewhere
            lines.insert(len(lines) - 1, f".. py:module:: {package}.{name}")
            lines.insert(len(lines) - 1, "")
            lines.append("   :no-index:")
            lines.append("   :members:")
        lines.append("")
    lines.append("```")
    return "\n".join(lines)


def _api_source(app, docname, source):
    """Replace ``<!-- api:theory -->`` and ``<!-- api:validation -->`` in ``api.md``."""
    if docname != "api":
        return
    text = source[0]
    for package in PACKAGES:
        text = text.replace(f"<!-- api:{package} -->", _api_block(package))
    source[0] = text


def _lookup(path: str):
    """The object named by the dotted ``path`` (a module, then attributes), or ``None``."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj
    return None


def _resolve_in_code(app, env, node, contnode):
    """Accept a Python cross-reference to an undocumented object that exists in the code.

    The target is looked up as written, then relative to the current module and class (as Sphinx
    does for ``:func:`name``` inside a docstring). Found: the reference becomes plain code text.
    Not found: ``None``, so that ``-n`` reports it.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~.")
    module = node.get("py:module") or ""
    klass = node.get("py:class") or ""
    candidates = [target]
    if module:
        candidates += [f"{module}.{klass}.{target}" if klass else None, f"{module}.{target}"]
        # numpydoc docstrings of re-exported objects: also try the defining package's parent
        candidates.append(f"{module.rsplit('.', 1)[0]}.{target}")
    for path in filter(None, candidates):
        if _lookup(path) is not None:
            return contnode
    if "." not in target:
        # a bare name inside a re-exported docstring: the module that defines the documented object
        # is not known here, so accept a name that some module of the two packages defines
        for name, mod in list(sys.modules.items()):
            if name.split(".")[0] in PACKAGES and mod is not None and hasattr(mod, target):
                return contnode
    return None


def setup(app):
    app.connect("source-read", _api_source)
    app.connect("missing-reference", _resolve_in_code)
    return {"parallel_read_safe": True}

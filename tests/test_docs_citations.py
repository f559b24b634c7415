"""Every citation of a repository file resolves: no dead ends for a reader of the code or the docs.

Two checks over the tracked files (``git ls-files``; a plain walk of the tree when this is not a git
checkout):

* **citations** in ``*.py``, ``*.md``, ``*.toml`` and ``*.json`` files: a path such as
  ``docs/theory/risk.md#spiked-random-features`` or ``theory/ridge/srf.py`` must name a file that
  exists (from the repository root, or from the citing file's folder), and an anchor on a Markdown
  file must be one of its headings. A citation of the private notes or of the design file, which do
  not ship with the project, always fails: cite a ``docs/`` page or a paper instead;
* **Markdown links** in ``docs/`` and ``README.md``: every relative link and image must point to an
  existing file, and its anchor, if any, to a heading of that file.

Anchors follow MyST's GitHub-style heading slugs (``docs/conf.py`` sets ``myst_heading_anchors``):
lower case, spaces to hyphens, punctuation dropped, inline maths left out.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SELF = Path(__file__).resolve()
CITING_SUFFIXES = (".py", ".md", ".toml", ".json")
SKIP_DIRS = {".git", "_build", "__pycache__", ".pytest_cache", ".hypothesis", "onegrad-output", "runs"}

# Files of the project's private workspace: never shipped, so never citable. The patterns are built
# from pieces so that this file does not cite them itself.
_PRIVATE = re.compile(
    r"(?<![\w/.-])(?:(?:\.\./)+shared/[\w./-]*|(?:shared/)?" + "notes" + r"/[\w./-]*|" + "DESIGN" + r"\.md"
    r"|" + "notes" + r"'? §)"
)
# Citations of repository files: a top-level folder of the project, a path, a known extension.
_CITATION = re.compile(
    r"(?<![\w/.-])((?:docs|theory|validation|tests|scripts|benchmarks)/[\w./-]*?"
    r"\.(?:md|py|json|jsonl|toml|png))(#[\w-]+)?(?![\w/])"
)
# Markdown links and images: [text](target) and ![alt](target)
_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^(```|~~~)")


@functools.lru_cache(maxsize=1)
def tracked_files() -> tuple[Path, ...]:
    """Tracked files of the repository (``git ls-files``), or every file of a plain source tree."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60)
        names = [n for n in out.stdout.decode().split("\0") if n]
        if names:
            return tuple(ROOT / n for n in names if (ROOT / n).is_file())
    except (OSError, subprocess.SubprocessError):
        pass
    files = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        files += [Path(folder) / n for n in names]
    return tuple(files)


def slugify(title: str) -> str:
    """MyST's GitHub-style slug of a Markdown heading (maths is not part of the title)."""
    title = re.sub(r"\$\$?[^$]*\$\$?", "", title)               # inline maths
    title = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", title)     # links keep their text
    title = title.replace("`", "")
    return re.sub(r"[^\w\u4e00-\u9fff\- ]", "", title.lower().replace(" ", "-"))


@functools.lru_cache(maxsize=None)
def anchors(path: Path) -> frozenset[str]:
    """Heading slugs of a Markdown file (with MyST's ``-1``, ``-2`` suffixes for repeats)."""
    seen: dict[str, int] = {}
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if in_fence or not m:
            continue
        slug = slugify(m.group(2))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        if n:
            seen[f"{slug}-{n}"] = 1
    explicit = re.findall(r"^\(([\w-]+)\)=\s*$", path.read_text(encoding="utf-8"), flags=re.M)
    return frozenset(seen) | frozenset(explicit)


def _resolve(target: str, citing: Path) -> Path | None:
    """The existing file that ``target`` names, from the repository root or the citing folder."""
    for base in (ROOT, citing.parent):
        candidate = (base / target).resolve()
        if candidate.is_file():
            return candidate
    return None


def _check_anchor(path: Path, anchor: str | None) -> str | None:
    if not anchor or path.suffix != ".md":
        return None
    if anchor.lstrip("#") not in anchors(path):
        return f"no heading with anchor {anchor} in {path.relative_to(ROOT)}"
    return None


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def citation_problems(path: Path, text: str) -> list[str]:
    """Dead citations in one file, as ``file:line: message`` strings."""
    problems = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for m in _PRIVATE.finditer(line):
            problems.append(f"{_rel(path)}:{lineno}: cites {m.group(0)!r}, which does not ship with the "
                            "project; cite a docs/ page (docs/theory/...) or a paper (arXiv id)")
        for m in _CITATION.finditer(line):
            target, anchor = m.group(1), m.group(2)
            if any(re.fullmatch(r"[A-Z][A-Z_]+", Path(part).stem) for part in target.split("/")):
                continue  # a template such as docs/gallery/data/NAME.json
            found = _resolve(target, path)
            if found is None:
                problems.append(f"{_rel(path)}:{lineno}: cites {target!r}, which does not exist")
                continue
            bad = _check_anchor(found, anchor)
            if bad:
                problems.append(f"{_rel(path)}:{lineno}: {bad}")
    return problems


def link_problems(path: Path, text: str) -> list[str]:
    """Broken relative links and images in one Markdown file."""
    problems = []
    in_fence = False
    for lineno, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line = re.sub(r"`[^`]*`", "", line)  # code spans are not links
        for m in _LINK.finditer(line):
            target = m.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.I):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            if not file_part:
                dest = path
            else:
                dest = (path.parent / file_part).resolve()
                if not dest.exists():
                    problems.append(f"{_rel(path)}:{lineno}: link to {target!r}: no such file")
                    continue
            bad = _check_anchor(dest, "#" + anchor if anchor else None) if dest.is_file() else None
            if bad:
                problems.append(f"{_rel(path)}:{lineno}: link to {target!r}: {bad}")
    return problems


def _citing_files():
    return [p for p in tracked_files() if p.suffix in CITING_SUFFIXES and p != SELF]


def _markdown_files():
    return [p for p in tracked_files() if p.suffix == ".md" and (p.is_relative_to(ROOT / "docs") or p == ROOT / "README.md")]


def test_the_scan_sees_the_project():
    files = {_rel(p) for p in _citing_files()}
    assert "README.md" in files and "docs/theory/risk.md" in files and "theory/__init__.py" in files


def test_no_dead_citation():
    problems = []
    for path in _citing_files():
        problems += citation_problems(path, path.read_text(encoding="utf-8", errors="replace"))
    assert not problems, f"{len(problems)} dead citations:\n" + "\n".join(problems[:60])


def test_no_broken_markdown_link():
    problems = []
    for path in _markdown_files():
        problems += link_problems(path, path.read_text(encoding="utf-8"))
    assert not problems, f"{len(problems)} broken links:\n" + "\n".join(problems[:60])


# The checker itself must catch what it is for (on synthetic text, so these cannot pass vacuously).
@pytest.mark.parametrize(
    "text, n_problems",
    [
        ("see docs/theory/risk.md#spiked-random-features", 0),
        ("see docs/theory/risk.md#no-such-section", 1),
        ("see docs/theory/no_such_page.md", 1),
        ("formula from " + "notes" + "/risk.md §3.5", 1),
        ("see ../shared/" + "DESIGN" + ".md §1", 1),
        ("as in the " + "notes" + " §4", 1),
        ("theory/ridge/srf.py and theory/no_such_module.py", 1),
        ("stored as docs/gallery/data/NAME.json", 0),
    ],
)
def test_citation_checker_catches_dead_citations(text, n_problems):
    assert len(citation_problems(ROOT / "theory" / "__init__.py", text)) == n_problems


@pytest.mark.parametrize(
    "text, n_problems",
    [
        ("[ok](theory/risk.md#marchenko-pastur) and [paper](https://arxiv.org/abs/2402.04980)", 0),
        ("[gone](theory/missing.md)", 1),
        ("[bad anchor](theory/risk.md#nowhere)", 1),
        ("[figure](gallery/cui2024.png) `[not a link](nowhere.md)`", 0),
    ],
)
def test_link_checker_catches_broken_links(text, n_problems):
    assert len(link_problems(ROOT / "docs" / "index.md", text)) == n_problems


def test_slugs_follow_myst():
    assert slugify("Spiked random features") == "spiked-random-features"
    assert slugify("Pitfalls (each one met in practice)") == "pitfalls-each-one-met-in-practice"
    assert slugify("2. The learned direction $\\beta=X^\\top r/n$ [derived]") == "2-the-learned-direction--derived"
    assert slugify("`onegrad compare`") == "onegrad-compare"

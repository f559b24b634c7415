"""``onegrad reproduce NAME [--data FILE] [--scale quick|gallery] [--seed S] [--out DIR] [--json]``.

Draws a paper's main figure (ba2022, moniri2024, cui2024, dandi2024): theory computed now, simulated
points from ``--data`` (stored figure data, e.g. ``docs/gallery/data/NAME.json``) or from a new
simulation at ``--scale`` (default quick, about a minute). Writes ``DIR/NAME.png`` and ``DIR/NAME.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ._checks import check_output_dir

__all__ = ["register", "run"]


def register(sub) -> None:
    from ..reproduce import PAPERS

    p = sub.add_parser("reproduce", help="a paper's main figure: theory live, simulation from data or run now")
    p.add_argument("name", help=" | ".join(PAPERS))
    p.add_argument("--data", default=None, help="stored figure data (JSON); default: simulate now")
    p.add_argument("--scale", default="quick", help="quick | gallery: sizes of a new simulation (default quick)")
    p.add_argument("--seed", type=int, default=0, help="root seed of a new simulation (default 0)")
    p.add_argument("--out", default="onegrad-output", help="output directory (default onegrad-output/)")
    p.add_argument("--no-plot", action="store_true", help="do not write the figure")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from theory._checks import check_choice
    from theory._result import to_jsonable

    from ..cli import emit, status
    from ..reproduce import PAPERS, SCALES, reproduce

    args.name = args.name.replace("-", "_") if args.name.replace("-", "_") in PAPERS else args.name  # moniri-hassani2026
    check_choice(args.name, PAPERS, "NAME")
    check_choice(args.scale, SCALES, "--scale")
    if args.data is not None and not Path(args.data).is_file():
        raise ValueError(f"--data: {args.data!r} is not a readable file")
    out = check_output_dir(args.out, "--out")  # before the work
    if args.data is None:
        status("reproduce", f"simulating the points of {args.name} at scale {args.scale!r} "
                            f"({'about a minute' if args.scale == 'quick' else 'several minutes'})...")
    res = reproduce(args.name, data=args.data, out=None if args.no_plot else out, scale=args.scale, seed=args.seed,
                    progress=True)
    data = res.to_dict()
    (out / f"{args.name}.json").write_text(json.dumps(to_jsonable(data), indent=2) + "\n")
    written = [str(out / f"{args.name}.json")] + ([res.figure] if res.figure else [])
    emit(data, as_json=args.json, text=res.table() + "\n# wrote " + ", ".join(written))
    return 0

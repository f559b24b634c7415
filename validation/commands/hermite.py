r"""``onegrad hermite NAME|EXPR --kmax K [--basis B] [--exact] [--latex] [--dps D] [--json]``.

``--exact`` prints the exact coefficients and the truncated expansion
:math:`\sum_{k\le K} (\mu_k/k!)\,He_k(z)` (sympy, :func:`theory.symbolic.expansion`); ``--latex``
prints that expansion's LaTeX. An expression in ``z`` is read by :func:`theory.parse_expression`.
"""

from __future__ import annotations

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("hermite", help="Hermite coefficients of a named activation or target")
    p.add_argument("name", help="registry name (relu, tanh, erf, ...) or an expression in z, e.g. 'z**3 + relu(z)'")
    p.add_argument("--kmax", type=int, default=10, help="highest degree (default 10)")
    p.add_argument("--basis", default="plain", help="plain | orthonormal | series (default plain)")
    p.add_argument("--shift", type=float, default=0.0, help="argument shift")
    p.add_argument("--scale", type=float, default=1.0, help="argument scale")
    p.add_argument("--exact", action="store_true", help="exact values and the truncated expansion with sympy")
    p.add_argument("--latex", action="store_true", help="print the LaTeX of the exact expansion (implies --exact)")
    p.add_argument("--dps", type=int, default=None, help="mpmath precision in decimal digits")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    import theory
    from ..cli import emit, status

    from theory.hermite.guards import check_work

    act = theory.activation(args.name, shift=args.shift, scale=args.scale)
    args.exact = args.exact or args.latex
    if not args.exact:  # the engine's caps on kmax and dps (with the reason), before saying what we do
        check_work(getattr(act, "closed_form", None) is not None, args.kmax, args.dps)
    if (args.exact and args.kmax >= 20) or (args.dps or 0) >= 100:  # these can take from seconds to minutes
        how = "exactly with sympy" if args.exact else f"with mpmath at {args.dps} digits"
        status("hermite", f"computing the coefficients of {act.name} up to degree {args.kmax} {how}...")
    if args.exact:
        from theory import symbolic

        vals = symbolic.hermite_coefficients(act, args.kmax, basis=args.basis)
        expansion = symbolic.expansion(act, args.kmax)
        data = {"name": act.name, "basis": args.basis, "method": "sympy", "values": [str(v) for v in vals],
                "expansion": str(expansion), "latex": symbolic.latex(act, args.kmax)}
        text = "\n".join([f"# exact Hermite coefficients of {act.name} in basis {args.basis!r} (sympy)", "   k  value"]
                         + [f"{k:4d}  {v}" for k, v in enumerate(data["values"])]
                         + [f"# f(z) ~ sum_(k<={args.kmax}) mu_k/k! He_k(z) = {data['expansion']}"])
        emit(data, as_json=args.json, text=data["latex"] if args.latex else text)
        return 0
    res = theory.hermite_coefficients(act, args.kmax, basis=args.basis, dps=args.dps)
    data = {"name": act.name, **res.to_dict()}
    from ..tables import hermite_lines

    emit(data, as_json=args.json, text="\n".join(hermite_lines(act.name, res, args.dps)))
    return 0

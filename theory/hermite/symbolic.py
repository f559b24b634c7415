r"""Exact Hermite coefficients with sympy (``docs/theory/hermite.md#exact-expansions``).

:func:`hermite_coefficients` returns :math:`E[f(z)He_k(z)]` (or the orthonormal / series versions)
as exact sympy expressions, **without symbolic integration** (which is slow and can hang):

* polynomials: expand and map :math:`z^m\mapsto E z^m = (m-1)!!` (even :math:`m`), 0 (odd);
* piecewise polynomials (``Max``, ``Min``, ``Abs``, ``Heaviside``, ``sign``, ``Piecewise`` with
  conditions on :math:`z`): truncated Gaussian moments
  :math:`T_m(a,b)=\int_a^bz^m\varphi = (m-1)T_{m-2} + a^{m-1}\varphi(a) - b^{m-1}\varphi(b)`,
  :math:`T_0 = \Phi(b)-\Phi(a)`, :math:`T_1 = \varphi(a)-\varphi(b)`;
* polynomial times :math:`e^{az+b}` (and :math:`\sin`, :math:`\cos`, rewritten as complex
  exponentials): the Cameron-Martin shift :math:`E[p(z)e^{az}] = e^{a^2/2}E[p(z+a)]`;
* polynomial times :math:`\mathrm{erf}(az+b)`: the polynomial's own Hermite expansion against the
  coefficients of erf, :math:`\nu_0 = \mathrm{erf}(b/\sqrt{1+2a^2})` and, for :math:`j\ge1`,
  :math:`\nu_j = \frac{2a}{\sqrt\pi}E[He_{j-1}(z)e^{-(az+b)^2}]`, a Gaussian integral (completing
  the square).

Anything else (``tanh``, the sigmoid, softplus, products of two non-polynomial factors) is refused
at once with a ``ValueError`` naming the supported classes: use the numeric engine
(:func:`theory.hermite_coefficients`, with ``dps`` for many digits) there.
"""

from __future__ import annotations

import sympy as sp

import re

from .._checks import check_choice, check_integer
from .expressions import parse_expression

__all__ = ["hermite_coefficients", "expansion", "latex", "He", "SUPPORTED"]

BASES = ("plain", "orthonormal", "series")
SUPPORTED = (
    "polynomials; piecewise polynomials (Max, Min, Abs, Heaviside, sign, Piecewise in z); "
    "a polynomial times exp, sin or cos of a linear function of z; a polynomial times erf of a "
    "linear function of z; and sums of these"
)

Z = sp.Symbol("z")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Largest ``kmax`` of the exact path: sympy's cost grows fast with it (z^3 e^z: 0.9 s at k = 30,
#: 5 s at k = 60, measured); the numeric engine goes to 2000 (closed forms) or 400 (quadrature).
MAX_KMAX = 100
#: Lower caps for the slower classes, so that every exact request answers within seconds (measured here):
#: a polynomial times exp/sin/cos (z^3 e^z: 5 s at k = 60) and a polynomial times erf (gelu: 2.6 s at
#: k = 24, 15 s at k = 40, growing like k^2.5).
MAX_KMAX_EXP_TRIG = 60
MAX_KMAX_ERF = 24
_ZR = sp.Symbol("z", real=True)


class He(sp.Function):
    r"""Unevaluated probabilists' Hermite polynomial :math:`He_k(z)` (``He(k, z).doit()`` expands it)."""

    nargs = 2

    def doit(self, **hints):
        k, x = self.args
        return sp.hermite_prob(k, x.doit(**hints) if hints.get("deep", True) else x)

    def _latex(self, printer):
        k, x = self.args
        return r"\mathrm{He}_{%s}\left(%s\right)" % (printer._print(k), printer._print(x))

    def _sympystr(self, printer):
        k, x = self.args
        return "He_%s(%s)" % (printer._print(k), printer._print(x))


class _Unsupported(ValueError):
    pass


def _unsupported(expr, why=""):
    return _Unsupported(
        f"no exact Hermite coefficients for {sp.sstr(expr.subs(_ZR, Z))}{': ' + why if why else ''}; "
        f"supported: {SUPPORTED}. Use theory.hermite_coefficients(f, kmax, dps=50) for numbers."
    )


# ----------------------------------------------------------------------------- input
def _as_expression(expr):
    """sympy expression in the real symbol ``z`` from an expression, a registry name or an Activation."""
    from .activations import Activation, activation

    if isinstance(expr, str):
        if _IDENTIFIER.match(expr.strip()) and expr.strip() != "z":  # a registry name (unknown: suggestions)
            expr = activation(expr.strip())
        else:  # text: the whitelisted parser, never sympify (docs/security.md)
            expr = parse_expression(expr, ("z",), name="expr")
    if isinstance(expr, Activation):
        if expr.sympy_expr is None:
            raise ValueError(f"activation {expr.name!r} has no sympy expression (sympy_expr); supported: {SUPPORTED}")
        expr = expr.sympy_expr(Z)
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        expr = sp.Integer(expr) if float(expr).is_integer() else sp.Float(expr)
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"expr must be a sympy expression in z; got {type(expr).__name__}")
    free = expr.free_symbols
    var = Z if Z in free else (next(iter(free)) if len(free) == 1 else None)
    if var is None and free:
        raise ValueError(f"expr must depend on the symbol z; got free symbols {sorted(map(str, free))}")
    return expr.subs(var, _ZR) if var is not None else expr


def _piecewise_forms(expr):
    """Max, Min, Abs, sign, Heaviside -> Piecewise (with the real symbol)."""
    expr = expr.replace(sp.Abs, lambda a: sp.Piecewise((a, a >= 0), (-a, True)))
    expr = expr.replace(sp.sign, lambda a: sp.Piecewise((1, a > 0), (-1, a < 0), (0, True)))
    expr = expr.replace(sp.Heaviside, lambda a, h0=sp.S.Half: sp.Piecewise((0, a < 0), (1, a > 0), (h0, True)))
    expr = expr.replace(sp.Max, lambda *a: sp.Max(*a).rewrite(sp.Piecewise))
    expr = expr.replace(sp.Min, lambda *a: sp.Min(*a).rewrite(sp.Piecewise))
    return expr


# ----------------------------------------------------------------------------- Gaussian moments
def _moment(m: int):
    """:math:`E z^m` for :math:`z\\sim N(0,1)`: :math:`(m-1)!!` for even m, else 0."""
    return sp.factorial2(m - 1) if m % 2 == 0 else sp.S.Zero


def _expect_poly(poly_expr, var=_ZR):
    """:math:`E[q(z)]` of a polynomial by the moment map (no integration)."""
    p = sp.Poly(sp.expand(poly_expr), var)
    return sp.Add(*[c * _moment(m) for (m,), c in p.terms()])


def _phi(x):
    return sp.S.Zero if x.is_infinite else sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)


def _Phi(x):
    if x is sp.S.Infinity:
        return sp.S.One
    if x is sp.S.NegativeInfinity:
        return sp.S.Zero
    return (1 + sp.erf(x / sp.sqrt(2))) / 2


def _truncated_moments(a, b, mmax: int):
    r""":math:`T_m = \int_a^b z^m\varphi(z)dz`, :math:`m = 0..m_{max}` (integration by parts)."""
    pa, pb = _phi(a), _phi(b)
    T = [_Phi(b) - _Phi(a), pa - pb]
    for m in range(2, mmax + 1):
        ta = sp.S.Zero if a.is_infinite else a ** (m - 1) * pa
        tb = sp.S.Zero if b.is_infinite else b ** (m - 1) * pb
        T.append((m - 1) * T[m - 2] + ta - tb)
    return T[: mmax + 1]


def _is_poly(e):
    return e.is_polynomial(_ZR)


# ----------------------------------------------------------------------------- term types
def _coeffs_piecewise(pw, kmax):
    pairs = pw.as_expr_set_pairs()
    out = [sp.S.Zero] * (kmax + 1)
    for piece, region in pairs:
        intervals = region.args if isinstance(region, sp.Union) else (region,)
        for iv in intervals:
            if isinstance(iv, sp.FiniteSet) or iv.is_empty:
                continue  # measure zero
            if not isinstance(iv, sp.Interval):
                raise _unsupported(pw, f"region {iv} is not an interval")
            piece = sp.expand(piece)
            if not _is_poly(piece):
                raise _unsupported(pw, f"piece {piece} is not a polynomial in z")
            deg = sp.Poly(piece, _ZR).degree() if piece.has(_ZR) else 0
            T = _truncated_moments(iv.start, iv.end, deg + kmax)
            for k in range(kmax + 1):
                q = sp.Poly(sp.expand(piece * sp.hermite_prob(k, _ZR)), _ZR)
                out[k] += sp.Add(*[c * T[m] for (m,), c in q.terms()])
    return out


def _linear(arg):
    """``(a, b)`` with ``arg = a z + b``, or None."""
    arg = sp.expand(arg)
    if not _is_poly(arg) or sp.Poly(arg, _ZR).degree() > 1:
        return None
    p = sp.Poly(arg, _ZR)
    return p.coeff_monomial(_ZR), p.coeff_monomial(1)


def _erf_coefficients(a, b, jmax):
    r"""Plain coefficients of :math:`\mathrm{erf}(az+b)`, ``j = 0..jmax`` (module docstring)."""
    alpha = sp.S.Half + a**2
    mean = -a * b / alpha
    sd = 1 / sp.sqrt(2 * alpha)
    pref = 2 * a / sp.sqrt(sp.pi) * sp.exp(-b**2 / (2 * alpha)) / sp.sqrt(2 * alpha)
    nu = [sp.erf(b / sp.sqrt(1 + 2 * a**2))]
    w = sp.Dummy("w", real=True)
    for j in range(1, jmax + 1):
        nu.append(pref * _expect_poly(sp.hermite_prob(j - 1, mean + sd * w), w))
    return nu


def _hermite_series_of_poly(q):
    """Plain coefficients :math:`\\pi_j = E[q He_j]` of a polynomial (``j <= deg q``)."""
    deg = sp.Poly(q, _ZR).degree() if q.has(_ZR) else 0
    return [_expect_poly(q * sp.hermite_prob(j, _ZR)) for j in range(deg + 1)]


def _coeffs_term(term, kmax):
    """Plain coefficients of one product term: polynomial x (1 | exp(linear) | erf(linear))."""
    term = sp.powsimp(term, combine="exp")
    poly, atoms = [], []
    for fac in sp.Mul.make_args(term):
        if not fac.has(_ZR) or _is_poly(fac):
            poly.append(fac)
        else:
            atoms.append(fac)
    p = sp.Mul(*poly)
    if not atoms:
        return [_expect_poly(p * sp.hermite_prob(k, _ZR)) for k in range(kmax + 1)]
    if len(atoms) > 1:
        raise _unsupported(term, "a product of two non-polynomial factors")
    atom = atoms[0]
    if isinstance(atom, sp.exp) or (isinstance(atom, sp.Pow) and atom.base is sp.E):
        lin = _linear(atom.exp if isinstance(atom, sp.Pow) else atom.args[0])
        if lin is None:
            raise _unsupported(term, "exp of a non-linear argument")
        a, b = lin
        # Cameron-Martin: E[p(z) e^{az+b} He_k(z)] = e^{b + a^2/2} E[p(z+a) He_k(z+a)]
        pref = sp.exp(b + a**2 / 2)
        shifted = p.subs(_ZR, _ZR + a)
        return [pref * _expect_poly(shifted * sp.hermite_prob(k, _ZR + a)) for k in range(kmax + 1)]
    if isinstance(atom, sp.erf):
        lin = _linear(atom.args[0])
        if lin is None:
            raise _unsupported(term, "erf of a non-linear argument")
        out = []
        deg_p = sp.Poly(p, _ZR).degree() if p.has(_ZR) else 0
        nu = _erf_coefficients(lin[0], lin[1], deg_p + kmax)
        for k in range(kmax + 1):
            pis = _hermite_series_of_poly(sp.expand(p * sp.hermite_prob(k, _ZR)))
            out.append(sp.Add(*[pi * nu[j] / sp.factorial(j) for j, pi in enumerate(pis)]))
        return out
    raise _unsupported(term, f"unsupported factor {sp.sstr(atom.subs(_ZR, Z))}")


def _plain_coefficients(expr, kmax):
    expr = expr.rewrite(sp.erfc, sp.erf) if expr.has(sp.erfc) else expr
    expr = expr.replace(sp.erfc, lambda a: 1 - sp.erf(a))
    expr = expr.replace(sp.sin, lambda a: sp.sin(a).rewrite(sp.exp))
    expr = expr.replace(sp.cos, lambda a: sp.cos(a).rewrite(sp.exp))
    pw_atoms = (sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside, sp.Piecewise)
    if expr.has(*pw_atoms):
        pw = sp.piecewise_fold(_piecewise_forms(expr))
        if not isinstance(pw, sp.Piecewise):
            return _plain_coefficients(pw, kmax)
        return _coeffs_piecewise(pw, kmax)
    expr = sp.expand(expr)
    out = [sp.S.Zero] * (kmax + 1)
    for term in sp.Add.make_args(expr):
        for k, v in enumerate(_coeffs_term(term, kmax)):
            out[k] += v
    return out


def _tidy(v):
    v = sp.expand_complex(v) if v.has(sp.I) else v
    v = sp.simplify(v)
    return v.subs(_ZR, Z)


def hermite_coefficients(expr, kmax, *, basis: str = "plain") -> tuple:
    r"""Exact :math:`E[f(z)He_k(z)]`, ``k = 0..kmax``, as sympy expressions (module docstring).

    Parameters
    ----------
    expr : sympy.Expr, str or Activation
        A sympy expression in ``Symbol("z")`` (or in its only free symbol), a registry name, an
        expression in ``z`` as text (read by :func:`theory.parse_expression`, e.g. ``"z**3 + relu(z)"``)
        or an Activation with ``sympy_expr``.
    kmax : int
        At most :data:`MAX_KMAX` (100); at most :data:`MAX_KMAX_EXP_TRIG` (60) with exp, sin or cos and
        :data:`MAX_KMAX_ERF` (24) with erf (each answer within seconds).
    basis : {"plain", "orthonormal", "series"}
        ``plain`` :math:`\mu_k`, ``orthonormal`` :math:`\mu_k/\sqrt{k!}`, ``series`` :math:`\mu_k/k!`.

    Returns
    -------
    tuple of sympy.Expr

    Raises
    ------
    ValueError
        At once, for expressions outside the supported classes (e.g. ``tanh``).

    Examples
    --------
    >>> z = sp.Symbol("z")
    >>> hermite_coefficients(sp.Max(z, 0), 3)
    (sqrt(2)/(2*sqrt(pi)), 1/2, sqrt(2)/(2*sqrt(pi)), 0)
    >>> hermite_coefficients(z**4, 4, basis="series")     # z^4 = He_4 + 6 He_2 + 3
    (3, 0, 6, 0, 1)
    """
    kmax = check_integer(kmax, "kmax", minimum=0)
    if kmax > MAX_KMAX:
        raise ValueError(f"kmax must be <= {MAX_KMAX} on the exact (sympy) path; got {kmax} (its cost grows fast "
                         "with kmax: use theory.hermite_coefficients(f, kmax, dps=...) for many digits)")
    check_choice(basis, BASES, "basis")
    e = _as_expression(expr)
    for cls, cap, what in ((sp.erf, MAX_KMAX_ERF, "erf"), ((sp.exp, sp.sin, sp.cos), MAX_KMAX_EXP_TRIG, "exp, sin or cos")):
        if kmax > cap and e.has(*(cls if isinstance(cls, tuple) else (cls,))):
            raise ValueError(f"kmax must be <= {cap} on the exact (sympy) path for an expression with {what}; got "
                             f"{kmax} (its cost grows like kmax**2.5: use theory.hermite_coefficients(f, kmax, dps=...) "
                             "for many digits)")
    mu = _plain_coefficients(e, kmax)
    if basis == "orthonormal":
        mu = [m / sp.sqrt(sp.factorial(k)) for k, m in enumerate(mu)]
    elif basis == "series":
        mu = [m / sp.factorial(k) for k, m in enumerate(mu)]
    return tuple(_tidy(m) for m in mu)  # sympy objects already (no sympify)


def expansion(expr, kmax, *, evaluate: bool = False):
    r""":math:`\sum_{k\le k_{max}}(\mu_k/k!)\,He_k(z)` as a sympy expression (``He`` unevaluated unless
    ``evaluate``; then a polynomial in ``z``, the truncated surrogate of ``docs/theory/hermite.md#transforms``).

    >>> z = sp.Symbol("z")
    >>> sp.expand(expansion(z**3, 3, evaluate=True) - z**3)
    0
    """
    c = hermite_coefficients(expr, kmax, basis="series")
    terms = [ck * (sp.hermite_prob(k, Z) if evaluate or k == 0 else He(k, Z)) for k, ck in enumerate(c) if ck != 0]
    return sp.Add(*terms)


def latex(expr, kmax) -> str:
    r"""LaTeX of :func:`expansion`, e.g. ``\frac{1}{2} \mathrm{He}_{1}\left(z\right) + ...``.

    >>> latex(sp.Symbol("z") ** 2, 2)
    '\\mathrm{He}_{2}\\left(z\\right) + 1'
    """
    return sp.latex(expansion(expr, kmax))



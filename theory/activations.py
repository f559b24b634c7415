r"""Named activations and targets: functions of a standard Gaussian with their structure.

Each :class:`Activation` carries a vectorised numpy function, its derivative, its kinks (points
where it or its derivative jumps), its parity, and where known its closed-form Hermite
coefficients (``notes/hermite.md`` §2) and mpmath / sympy versions.

Every registry entry accepts the generic parameters of :func:`activation`: the argument is
:math:`\mathrm{scale}\cdot z + \mathrm{shift}`, the output is multiplied by ``amplitude`` and
``offset`` is added; ``center=True`` subtracts the mean :math:`E f(z)` (e.g. Ba et al.'s centred
softplus teacher).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import mpmath
import numpy as np
from scipy import special

from ._checks import check_choice, check_finite, suggest

__all__ = ["Activation", "activation", "available_activations", "register_activation", "hermite_values_at"]

_PHI0 = 1.0 / math.sqrt(2.0 * math.pi)


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) * _PHI0


def _Phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def hermite_values_at(x: float, kmax: int) -> np.ndarray:
    """``He_0(x), ..., He_kmax(x)`` (probabilists') by the three-term recurrence, in float64.

    >>> hermite_values_at(0.0, 6)
    array([  1.,   0.,  -1.,   0.,   3.,   0., -15.])
    """
    out = np.empty(kmax + 1)
    out[0] = 1.0
    if kmax >= 1:
        out[1] = x
    for k in range(1, kmax):
        out[k + 1] = x * out[k] - k * out[k - 1]
    return out


@dataclass(frozen=True, eq=False)
class Activation:
    r"""A function of a standard Gaussian variable with the structure the theory needs.

    Parameters
    ----------
    name : str
        Registry name, with parameters, e.g. ``"relu(shift=0.5)"``.
    func : callable
        Vectorised numpy function.
    derivative : callable, optional
        Vectorised (weak) derivative; ``None`` if unknown (then finite differences are used).
    kinks : tuple of float
        Points where ``func`` or ``derivative`` jumps.
    parity : int
        ``1`` even, ``-1`` odd, ``0`` neither.
    closed_form : callable, optional
        ``kmax -> ndarray`` of plain coefficients :math:`E[f He_k]`.
    func_mp : callable, optional
        The same function on ``mpmath.mpf`` (for ``dps``).
    sympy_expr : callable, optional
        ``z -> sympy.Expr``.
    kernel : callable, optional
        Closed-form dual kernel :math:`\rho \mapsto E[f(u) f(v)]`, :math:`u, v` standard with
        correlation :math:`\rho`.
    params : dict
        The parameters it was built with.
    """

    name: str
    func: Callable
    derivative: Callable | None = None
    kinks: tuple = ()
    parity: int = 0
    closed_form: Callable | None = None
    func_mp: Callable | None = None
    sympy_expr: Callable | None = None
    kernel: Callable | None = None
    params: dict = field(default_factory=dict)

    def __call__(self, z):
        return self.func(np.asarray(z, dtype=float))

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    def closed_form_coefficients(self, kmax: int):
        """Plain coefficients from the closed form, or ``None`` if there is none."""
        if self.closed_form is None:
            return None
        return np.asarray(self.closed_form(kmax), dtype=float)

    def hermite(self, kmax: int, basis: str = "plain"):
        """Shorthand for :func:`theory.hermite_coefficients` ``(self, kmax, basis=basis)``."""
        from .hermite import hermite_coefficients

        return hermite_coefficients(self, kmax, basis=basis)

    def deriv(self, z):
        """Evaluate the derivative (central differences if none was declared)."""
        z = np.asarray(z, dtype=float)
        if self.derivative is not None:
            return self.derivative(z)
        h = 1e-6 * np.maximum(1.0, np.abs(z))
        return (self.func(z + h) - self.func(z - h)) / (2 * h)


_REGISTRY: dict[str, Callable[..., dict]] = {}


def register_activation(name: str, builder: Callable[..., dict]) -> None:
    """Register ``builder(shift, scale, **params) -> dict`` of :class:`Activation` fields."""
    _REGISTRY[name] = builder


def available_activations() -> tuple[str, ...]:
    """Names known to :func:`activation`."""
    return tuple(sorted(_REGISTRY))


# ----------------------------------------------------------------------------- closed forms
def _relu_closed(shift: float, scale: float):
    # max(s z + c, 0) = s max(z + c/s, 0) for s > 0 (notes/hermite.md §2).
    c = shift / scale

    def closed(kmax):
        mu = np.zeros(kmax + 1)
        mu[0] = c * _Phi(c) + _phi(c)
        if kmax >= 1:
            mu[1] = _Phi(c)
        if kmax >= 2:
            mu[2:] = _phi(c) * hermite_values_at(-c, kmax - 2)
        return scale * mu

    return closed


def _step_closed(shift: float, scale: float):
    # 1{s z + c > 0} = 1{z + c/s > 0}: mu_0 = Phi(c), mu_k = phi(c) He_{k-1}(-c).
    c = shift / scale

    def closed(kmax):
        mu = np.zeros(kmax + 1)
        mu[0] = _Phi(c)
        if kmax >= 1:
            mu[1:] = _phi(c) * hermite_values_at(-c, kmax - 1)
        return mu

    return closed


def _trig_exp_closed(kind: str, shift: float, scale: float):
    # E[exp(i a z) He_k] = (i a)^k exp(-a^2/2); E[exp(a z) He_k] = a^k exp(a^2/2).
    a = scale

    def closed(kmax):
        k = np.arange(kmax + 1)
        if kind == "exp":
            return math.exp(shift + 0.5 * a * a) * a ** k.astype(float)
        vals = np.exp(1j * shift) * (1j * a) ** k.astype(float) * math.exp(-0.5 * a * a)
        return vals.imag if kind == "sin" else vals.real

    return closed


def _erf_closed(scale: float):
    a = scale
    q = 2 * a * a / (1 + 2 * a * a)

    def closed(kmax):
        mu = np.zeros(kmax + 1)
        pref = 2 * a / (math.sqrt(math.pi) * math.sqrt(1 + 2 * a * a))
        dfact = 1.0  # (2j-1)!!
        for j in range((kmax - 1) // 2 + 1):
            if 2 * j + 1 > kmax:
                break
            if j > 0:
                dfact *= 2 * j - 1
            mu[2 * j + 1] = pref * dfact * (-q) ** j
        return mu

    return closed


def _monomial_plain(n: int, kmax: int) -> np.ndarray:
    # E[z^n He_k] = n! / (2^m m!) if n - k = 2m >= 0 (notes/hermite.md §2).
    mu = np.zeros(kmax + 1)
    for k in range(min(n, kmax) + 1):
        if (n - k) % 2 == 0:
            m = (n - k) // 2
            mu[k] = math.factorial(n) / (2**m * math.factorial(m))
    return mu


# ----------------------------------------------------------------------------- builders
def _b_relu(shift, scale):
    closed = _relu_closed(shift, scale) if scale > 0 else None
    return dict(
        func=lambda z: np.maximum(z, 0.0),
        derivative=lambda z: (z > 0).astype(float),
        kinks=(0.0,),
        closed=closed,
        func_mp=lambda z: z if z > 0 else mpmath.mpf(0),
        sympy=lambda z: __import__("sympy").Max(z, 0),
        kernel=lambda rho: (np.sqrt(1 - rho**2) + rho * (np.pi - np.arccos(rho))) / (2 * np.pi),
    )


def _b_abs(shift, scale):
    def closed(kmax):
        if scale <= 0:
            return None
        r1 = _relu_closed(shift, scale)(kmax)
        r2 = _relu_closed(-shift, scale)(kmax) * (-1.0) ** np.arange(kmax + 1)
        return r1 + r2

    return dict(
        func=np.abs,
        derivative=np.sign,
        kinks=(0.0,),
        parity=1,
        closed=closed if scale > 0 else None,
        func_mp=lambda z: abs(z),
        sympy=lambda z: __import__("sympy").Abs(z),
        kernel=lambda rho: (2 / np.pi) * (np.sqrt(1 - rho**2) + rho * np.arcsin(rho)),
    )


def _b_step(shift, scale):
    return dict(
        func=lambda z: (z > 0).astype(float),
        derivative=lambda z: np.zeros_like(z),
        kinks=(0.0,),
        closed=_step_closed(shift, scale) if scale > 0 else None,
        func_mp=lambda z: mpmath.mpf(1) if z > 0 else mpmath.mpf(0),
        sympy=lambda z: __import__("sympy").Heaviside(z, 0),
        kernel=lambda rho: 0.25 + np.arcsin(rho) / (2 * np.pi),
    )


def _b_sign(shift, scale):
    def closed(kmax):
        mu = 2.0 * _step_closed(shift, scale)(kmax)
        mu[0] -= 1.0
        return mu

    return dict(
        func=np.sign,
        derivative=lambda z: np.zeros_like(z),
        kinks=(0.0,),
        parity=-1,
        closed=closed if scale > 0 else None,
        func_mp=lambda z: mpmath.sign(z),
        sympy=lambda z: __import__("sympy").sign(z),
        kernel=lambda rho: (2 / np.pi) * np.arcsin(rho),
    )


def _b_tanh(shift, scale):
    return dict(
        func=np.tanh,
        derivative=lambda z: 1.0 / np.cosh(z) ** 2,
        parity=-1,
        func_mp=mpmath.tanh,
        sympy=lambda z: __import__("sympy").tanh(z),
    )


def _b_erf(shift, scale):
    return dict(
        func=special.erf,
        derivative=lambda z: 2.0 / math.sqrt(math.pi) * np.exp(-z * z),
        parity=-1,
        closed=_erf_closed(scale) if shift == 0 else None,
        func_mp=mpmath.erf,
        sympy=lambda z: __import__("sympy").erf(z),
        kernel=(lambda rho: (2 / np.pi) * np.arcsin(2 * scale**2 * rho / (1 + 2 * scale**2))) if shift == 0 else None,
        absorbs_scale=True,
    )


def _b_sigmoid(shift, scale):
    return dict(
        func=special.expit,
        derivative=lambda z: special.expit(z) * (1 - special.expit(z)),
        func_mp=lambda z: 1 / (1 + mpmath.exp(-z)),
        sympy=lambda z: 1 / (1 + __import__("sympy").exp(-z)),
    )


def _b_softplus(shift, scale):
    return dict(
        func=lambda z: np.logaddexp(0.0, z),
        derivative=special.expit,
        func_mp=lambda z: mpmath.log1p(mpmath.exp(z)),
        sympy=lambda z: __import__("sympy").log(1 + __import__("sympy").exp(z)),
    )


def _b_gelu(shift, scale):
    return dict(
        func=lambda z: z * special.ndtr(z),
        derivative=lambda z: special.ndtr(z) + z * np.exp(-0.5 * z * z) * _PHI0,
        func_mp=lambda z: z * mpmath.ncdf(z),
        sympy=lambda z: z * (1 + __import__("sympy").erf(z / __import__("sympy").sqrt(2))) / 2,
    )


def _b_silu(shift, scale):
    return dict(
        func=lambda z: z * special.expit(z),
        derivative=lambda z: special.expit(z) * (1 + z * (1 - special.expit(z))),
        func_mp=lambda z: z / (1 + mpmath.exp(-z)),
        sympy=lambda z: z / (1 + __import__("sympy").exp(-z)),
    )


def _b_trig_exp(kind):
    np_f = {"sin": np.sin, "cos": np.cos, "exp": np.exp}[kind]
    np_d = {"sin": np.cos, "cos": lambda z: -np.sin(z), "exp": np.exp}[kind]
    mp_f = {"sin": mpmath.sin, "cos": mpmath.cos, "exp": mpmath.exp}[kind]

    def builder(shift, scale):
        kern = None
        if shift == 0:
            a = scale
            if kind == "exp":
                kern = lambda rho: np.exp(a * a * (1 + rho))  # noqa: E731
            elif kind == "sin":
                kern = lambda rho: np.exp(-a * a) * np.sinh(a * a * rho)  # noqa: E731
            else:
                kern = lambda rho: np.exp(-a * a) * np.cosh(a * a * rho)  # noqa: E731
        return dict(
            func=np_f,
            derivative=np_d,
            parity={"sin": -1, "cos": 1, "exp": 0}[kind],
            closed=_trig_exp_closed(kind, shift, scale),
            func_mp=mp_f,
            sympy=lambda z: getattr(__import__("sympy"), kind)(z),
            kernel=kern,
            absorbs_scale=True,
            absorbs_shift=True,
        )

    return builder


def _b_identity(shift, scale):
    def closed(kmax):
        mu = np.zeros(kmax + 1)
        mu[0] = shift
        if kmax >= 1:
            mu[1] = scale
        return mu

    return dict(
        func=lambda z: np.array(z, dtype=float),
        derivative=np.ones_like,
        parity=-1,
        closed=closed,
        func_mp=lambda z: z,
        sympy=lambda z: z,
        kernel=lambda rho: rho if (shift == 0 and scale == 1) else None,
        absorbs_scale=True,
        absorbs_shift=True,
    )


def _b_polynomial(shift, scale, coeffs=None, coeff_basis="monomial"):
    if coeffs is None:
        raise ValueError("activation('polynomial') needs coeffs=[a0, a1, ...]")
    coeff_basis = check_choice(coeff_basis, ("monomial", "hermite", "series"), "coeff_basis")
    coeffs = np.atleast_1d(np.asarray(coeffs, dtype=float))
    if coeffs.ndim != 1 or not np.all(np.isfinite(coeffs)):
        raise ValueError(f"coeffs must be a finite 1-d sequence of numbers; got {coeffs!r}")
    deg = len(coeffs) - 1
    if coeff_basis in ("hermite", "series"):
        # sum c_k He_k  ->  monomial coefficients
        mono = np.zeros(deg + 1)
        for k, ck in enumerate(coeffs):
            he = np.polynomial.hermite_e.herme2poly(np.eye(deg + 1)[k])
            mono[: len(he)] += ck * he
    else:
        mono = coeffs.copy()
    # argument s z + c: expand the polynomial in z
    p = np.polynomial.Polynomial(mono)(np.polynomial.Polynomial([shift, scale]))
    mono_z = np.zeros(deg + 1)
    mono_z[: len(p.coef)] = p.coef
    poly = np.polynomial.Polynomial(mono_z)
    dpoly = poly.deriv()

    def closed(kmax):
        mu = np.zeros(kmax + 1)
        for n, a in enumerate(mono_z):
            if a != 0:
                mu += a * _monomial_plain(n, kmax)
        return mu

    odd = np.all(mono_z[0::2] == 0)
    even = np.all(mono_z[1::2] == 0)
    coeff_list = [float(x) for x in mono_z]
    return dict(
        func=lambda z: poly(z),
        derivative=lambda z: dpoly(z),
        parity=(-1 if odd and not even else (1 if even and not odd else 0)),
        closed=closed,
        func_mp=lambda z: mpmath.polyval(coeff_list[::-1], z),
        sympy=lambda z: sum(__import__("sympy").nsimplify(a) * z**n for n, a in enumerate(coeff_list)),
        absorbs_scale=True,
        absorbs_shift=True,
    )


for _name, _builder in {
    "relu": _b_relu,
    "abs": _b_abs,
    "step": _b_step,
    "sign": _b_sign,
    "tanh": _b_tanh,
    "erf": _b_erf,
    "sigmoid": _b_sigmoid,
    "softplus": _b_softplus,
    "gelu": _b_gelu,
    "silu": _b_silu,
    "sin": _b_trig_exp("sin"),
    "cos": _b_trig_exp("cos"),
    "exp": _b_trig_exp("exp"),
    "identity": _b_identity,
    "polynomial": _b_polynomial,
}.items():
    register_activation(_name, _builder)


def _fmt(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ",".join(_fmt(x) for x in v) + "]"
    return repr(float(v)) if isinstance(v, (float, np.floating)) else repr(v)


def activation(name, *, shift=0.0, scale=1.0, amplitude=1.0, offset=0.0, center=False, **params) -> Activation:
    r"""Build the registry activation ``name``: :math:`x \mapsto \mathrm{amplitude}\cdot f(\mathrm{scale}\,x + \mathrm{shift}) + \mathrm{offset}`.

    Parameters
    ----------
    name : str or Activation
        One of :func:`available_activations`. An ``Activation`` is returned unchanged when no
        parameter is given.
    shift, scale : float
        Affine map of the argument (``scale != 0``).
    amplitude, offset : float
        Affine map of the output.
    center : bool
        Subtract :math:`E f(z)` after the maps above.
    **params
        Entry-specific parameters, e.g. ``coeffs`` and ``coeff_basis`` for ``"polynomial"``.

    Examples
    --------
    >>> relu = activation("relu", shift=0.5)
    >>> float(relu(np.array([-1.0, 0.0]))[1])
    0.5
    >>> bool(np.isclose(activation("relu").hermite(1).values[1], 0.5))
    True
    """
    if isinstance(name, Activation):
        if (shift, scale, amplitude, offset, center) == (0.0, 1.0, 1.0, 0.0, False) and not params:
            return name
        raise TypeError("parameters can only be given with a registry name, not with an Activation")
    if not isinstance(name, str):
        raise TypeError(f"name must be a registry name (str); got {type(name).__name__}")
    if name not in _REGISTRY:
        raise ValueError(
            f"unknown activation {name!r}{suggest(name, _REGISTRY)}; available: {', '.join(available_activations())}"
        )
    shift = check_finite(shift, "shift")
    scale = check_finite(scale, "scale")
    if scale == 0:
        raise ValueError("scale must be nonzero")
    amplitude = check_finite(amplitude, "amplitude")
    offset = check_finite(offset, "offset")
    return _build(name, shift, scale, amplitude, offset, bool(center), tuple(sorted((k, _freeze(v)) for k, v in params.items())))


def _freeze(v):
    if isinstance(v, (list, np.ndarray)):
        return tuple(float(x) for x in np.asarray(v, dtype=float).ravel())
    return v


@lru_cache(maxsize=256)
def _build(name, shift, scale, amplitude, offset, center, params) -> Activation:
    spec = _REGISTRY[name](shift, scale, **dict(params))
    base_f, base_d = spec["func"], spec.get("derivative")
    base_mp = spec.get("func_mp")
    base_sym = spec.get("sympy")
    base_closed = spec.get("closed")
    parity = spec.get("parity", 0)
    kinks = spec.get("kinks", ())
    # builders that absorb the affine argument produce closed forms for f(s z + c) directly
    absorbs_scale = spec.get("absorbs_scale", False) or base_closed is None or name in ("relu", "abs", "step", "sign")
    affine = (shift, scale) != (0.0, 1.0)
    if affine and name != "polynomial":
        f0, d0, mp0, sym0 = base_f, base_d, base_mp, base_sym
        base_f = lambda z: f0(scale * z + shift)  # noqa: E731
        base_d = (lambda z: scale * d0(scale * z + shift)) if d0 is not None else None  # noqa: E731
        base_mp = (lambda z: mp0(scale * z + shift)) if mp0 is not None else None  # noqa: E731
        base_sym = (lambda z: sym0(scale * z + shift)) if sym0 is not None else None  # noqa: E731
        kinks = tuple((k - shift) / scale for k in kinks)
        if shift != 0:
            parity = 0
        if not absorbs_scale:
            base_closed = None
        kernel = spec.get("kernel") if shift == 0 and spec.get("absorbs_scale") else None
    else:
        kernel = spec.get("kernel")
    if name == "polynomial":
        kernel = None
    mean_shift = 0.0
    if center:
        from .hermite import hermite_coefficients

        tmp = Activation(name, base_f, kinks=kinks, parity=parity, closed_form=base_closed)
        mean_shift = -float(hermite_coefficients(tmp, 0).values[0])
    total_offset = offset + amplitude * mean_shift if center else offset
    if amplitude != 1.0 or total_offset != 0.0:
        f1, d1, mp1, sym1, cl1 = base_f, base_d, base_mp, base_sym, base_closed
        base_f = lambda z: amplitude * f1(z) + total_offset  # noqa: E731
        base_d = (lambda z: amplitude * d1(z)) if d1 is not None else None  # noqa: E731
        base_mp = (lambda z: amplitude * mp1(z) + total_offset) if mp1 is not None else None  # noqa: E731
        base_sym = (lambda z: amplitude * sym1(z) + total_offset) if sym1 is not None else None  # noqa: E731

        def _closed(kmax, cl1=cl1):
            mu = amplitude * np.asarray(cl1(kmax), dtype=float)
            mu[0] += total_offset
            return mu

        base_closed = _closed if cl1 is not None else None
        if total_offset != 0.0 and parity == -1:
            parity = 0
        kernel = None
    if base_closed is not None:
        cl = base_closed

        def base_closed(kmax, cl=cl):
            out = cl(kmax)
            return None if out is None else out

    pstr = []
    for key, val, default in (("shift", shift, 0.0), ("scale", scale, 1.0), ("amplitude", amplitude, 1.0), ("offset", offset, 0.0)):
        if val != default:
            pstr.append(f"{key}={val!r}")
    if center:
        pstr.append("center=True")
    pstr += [f"{k}={_fmt(v)}" for k, v in params]
    full_name = name + (f"({', '.join(pstr)})" if pstr else "")
    all_params = dict(shift=shift, scale=scale, amplitude=amplitude, offset=offset, center=center, **dict(params))
    return Activation(
        name=full_name,
        func=base_f,
        derivative=base_d,
        kinks=tuple(sorted(kinks)),
        parity=parity,
        closed_form=base_closed,
        func_mp=base_mp,
        sympy_expr=base_sym,
        kernel=kernel,
        params=all_params,
    )

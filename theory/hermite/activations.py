r"""Named activations and targets: functions of a standard Gaussian with their structure.

Each :class:`Activation` carries a vectorised numpy function, its (a.e.) derivative, its kinks
(points where it or its derivative jumps), its parity structure, and where known its closed-form
Hermite coefficients (``docs/theory/hermite.md#closed-forms``, evaluated in mpmath), its dual kernel
(``docs/theory/hermite.md#transforms``) and mpmath / sympy versions. The table of entries is in
``docs/activations.md``.

Every registry entry accepts the generic parameters of :func:`activation`: the argument is
:math:`\mathrm{scale}\cdot z + \mathrm{shift}`, the output is multiplied by ``amplitude`` and
``offset`` is added; ``center=True`` subtracts the mean :math:`E f(z)` (e.g. Ba et al.'s centred
softplus teacher).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Callable

import mpmath
import numpy as np
from scipy import special

from . import closed_forms as cf
from .expression_activation import activation_fields
from .closed_forms_fast import fast_closed_form
from .coefficients import resolved_coefficients
from .quadrature import double_precision_coefficients
from .._checks import check_choice, check_finite, suggest

__all__ = ["Activation", "activation", "available_activations", "register_activation", "hermite_values_at"]

_PHI0 = 1.0 / math.sqrt(2.0 * math.pi)
_EPS = np.finfo(float).eps
_mp = mpmath.mp


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
        Vectorised derivative, almost everywhere (a jump contributes a Dirac mass that this array
        function cannot carry; Stein's identity in ``docs/theory/hermite.md#identities`` accounts for it).
        ``None`` if unknown (then :meth:`deriv` uses central differences).
    kinks : tuple of float
        Points where ``func`` or ``derivative`` jumps.
    parity : int
        ``1`` even, ``-1`` odd, ``0`` neither.
    closed_form : callable, optional
        ``kmax -> list`` of plain coefficients :math:`E[f He_k]` as ``mpmath.mpf`` at the current
        ``mpmath.mp`` precision (``docs/theory/hermite.md#closed-forms``).
    func_mp : callable, optional
        The same function on ``mpmath.mpf`` (used with ``dps``).
    sympy_expr : callable, optional
        ``z -> sympy.Expr``.
    kernel : callable, optional
        Closed-form dual kernel :math:`\rho \mapsto E[f(u) f(v)]`, :math:`u, v` standard with
        correlation :math:`\rho`, vectorised over ``rho``.
    params : dict
        The parameters it was built with.
    linear_part, remainder_parity : (float, float), int
        Structure :math:`f(z) = a + bz + g(z)` with ``linear_part = (a, b)`` and :math:`g` of parity
        ``remainder_parity`` (``1`` even, then ``a = 0``; ``-1`` odd, then ``b = 0``). Even
        remainder: :math:`\mu_1 = b` and :math:`\mu_k = 0` for odd :math:`k\ge3`; odd remainder:
        :math:`\mu_0 = a` and :math:`\mu_k = 0` for even :math:`k\ge2` (e.g. ReLU = :math:`z/2 + |z|/2`,
        sigmoid = 1/2 + odd, ``docs/theory/hermite.md#closed-forms``). Defaults to ``parity``.
    derived : callable, optional
        ``kmax -> (values, errors)``: orthonormal coefficients and error bounds (float arrays) obtained
        from other entries by an identity (softplus and SiLU from the sigmoid,
        ``docs/theory/hermite.md#closed-forms``); used when there is no closed form.
    entry : str, optional
        The registry entry it was built from (``None`` for user-made activations).
    closed_form_float : callable, optional
        ``(kmax, basis) -> (values, errors)``: the closed form as correctly rounded floats (tuples)
        with error bounds, from integer arithmetic (:mod:`theory.hermite.closed_forms_fast`), or
        ``None`` where that cannot decide the rounding (then ``closed_form`` is evaluated in
        mpmath). Cached per activation, ``kmax`` and ``basis``.
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
    linear_part: tuple = (0.0, 0.0)
    remainder_parity: int = 0
    derived: Callable | None = None
    entry: str | None = None
    closed_form_float: Callable | None = None

    def __post_init__(self):
        p = int(self.remainder_parity)
        a, b = (float(x) for x in self.linear_part)
        if p == 0 and self.parity:
            p, a, b = int(self.parity), 0.0, 0.0
        if p == 1:
            a = 0.0
        elif p == -1:
            b = 0.0
        else:
            a = b = 0.0
        parity = 1 if (p == 1 and b == 0) else (-1 if (p == -1 and a == 0) else 0)
        if self.parity and parity != self.parity:
            raise ValueError(f"parity={self.parity} contradicts linear_part={self.linear_part} with remainder_parity={p}")
        object.__setattr__(self, "remainder_parity", p)
        object.__setattr__(self, "linear_part", (a + 0.0, b + 0.0))
        object.__setattr__(self, "parity", parity)
        object.__setattr__(self, "kinks", tuple(sorted(float(k) for k in self.kinks)))

    def __call__(self, z):
        return self.func(np.asarray(z, dtype=float))

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    def known_coefficients(self, kmax: int) -> dict:
        r"""Plain coefficients fixed exactly by the parity structure: ``{k: value}``.

        >>> sorted(activation("relu").known_coefficients(5).items())
        [(1, 0.5), (3, 0.0), (5, 0.0)]
        """
        p = self.remainder_parity
        a, b = self.linear_part
        out = {}
        if p == 1:
            if kmax >= 1:
                out[1] = b
            out.update({k: 0.0 for k in range(3, kmax + 1, 2)})
        elif p == -1:
            out[0] = a
            out.update({k: 0.0 for k in range(2, kmax + 1, 2)})
        return out

    def closed_form_coefficients(self, kmax: int):
        """Plain coefficients from the closed form as a float array (``None`` if there is none)."""
        if self.closed_form is None:
            return None
        return resolved_coefficients(self, self, kmax).values

    def hermite(self, kmax: int, basis: str = "plain", **kwargs):
        """Shorthand for :func:`theory.hermite_coefficients` ``(self, kmax, basis=basis, **kwargs)``."""
        return resolved_coefficients(self, self, kmax, basis=basis, **kwargs)

    def affine(self, scale=1.0, shift=0.0) -> "Activation":
        r"""The activation :math:`z \mapsto f(\mathrm{scale}\,z + \mathrm{shift})`.

        Registry activations are rebuilt through :func:`activation` (closed forms and kernels
        carry over where ``docs/activations.md`` lists them); other activations are composed, with
        the kinks moved to ``(kink - shift) / scale``.

        >>> a = activation("relu", shift=0.5).affine(scale=2.0, shift=1.0)
        >>> a.name, a.kinks
        ('relu(shift=1.5, scale=2.0)', (-0.75,))
        """
        scale = check_finite(scale, "scale")
        shift = check_finite(shift, "shift")
        if scale == 0:
            raise ValueError("scale must be nonzero")
        if (scale, shift) == (1.0, 0.0):
            return self
        if self.entry is not None:
            p = dict(self.params)
            sigma, tau, amp, off, center = (p.pop(k) for k in ("scale", "shift", "amplitude", "offset", "center"))
            if center:  # keep subtracting the original mean, a constant
                off = off - amp * float(activation(self.entry, shift=tau, scale=sigma, **p).hermite(0).values[0])
            return activation(self.entry, shift=sigma * shift + tau, scale=sigma * scale, amplitude=amp, offset=off, **p)
        p, (a, b) = self.remainder_parity, self.linear_part
        if shift != 0.0:
            p, a, b = 0, 0.0, 0.0
        f0, d0, m0, s0 = self.func, self.derivative, self.func_mp, self.sympy_expr
        return Activation(
            name=f"{self.name}({scale!r}*z{shift:+})",
            func=lambda z: f0(scale * np.asarray(z, dtype=float) + shift),
            derivative=(lambda z: scale * d0(scale * np.asarray(z, dtype=float) + shift)) if d0 is not None else None,
            kinks=tuple((k - shift) / scale for k in self.kinks),
            func_mp=(lambda z: m0(_mp.mpf(scale) * z + _mp.mpf(shift))) if m0 is not None else None,
            sympy_expr=(lambda z: s0(_sympy().nsimplify(scale, rational=True) * z + _sympy().nsimplify(shift, rational=True)))
            if s0 is not None else None,
            params=dict(self.params, affine=(scale, shift)),
            linear_part=(a, b * scale),
            remainder_parity=p,
        )

    def deriv(self, z):
        """Evaluate the derivative (central differences if none was declared)."""
        z = np.asarray(z, dtype=float)
        if self.derivative is not None:
            return self.derivative(z)
        h = 1e-6 * np.maximum(1.0, np.abs(z))
        return (self.func(z + h) - self.func(z - h)) / (2 * h)


_REGISTRY: dict[str, Callable[..., dict]] = {}


def register_activation(name: str, builder: Callable[..., dict]) -> None:
    r"""Register ``builder(**params) -> dict`` describing the base function :math:`f(z)`.

    Keys: ``func`` (required), ``derivative``, ``kinks``, ``linear_part``, ``remainder_parity``,
    ``func_mp``, ``sympy`` (``z -> sympy.Expr``), and optionally ``closed(kmax, shift, scale)``
    and ``kernel(rho, shift, scale)`` for the argument :math:`\mathrm{scale}\,z+\mathrm{shift}`
    with ``scale > 0`` (returning ``None`` where no closed form applies).
    """
    if not isinstance(name, str) or not callable(builder):
        raise TypeError("register_activation(name: str, builder: callable)")
    _REGISTRY[name] = builder
    _build.cache_clear()


def available_activations() -> tuple[str, ...]:
    """Names known to :func:`activation`."""
    return tuple(sorted(_REGISTRY))


def _sympy():
    import sympy

    return sympy


# ----------------------------------------------------------------------------- entries
def _b_relu():
    return dict(
        func=lambda z: np.maximum(z, 0.0),
        derivative=lambda z: (z > 0).astype(float),
        kinks=(0.0,),
        linear_part=(0.0, 0.5),
        remainder_parity=1,
        closed=cf.relu_coefficients,
        kernel=cf.relu_kernel,
        func_mp=lambda z: z if z > 0 else _mp.mpf(0),
        sympy=lambda z: _sympy().Max(z, 0),
    )


def _b_abs():
    return dict(
        func=np.abs,
        derivative=np.sign,
        kinks=(0.0,),
        remainder_parity=1,
        closed=cf.abs_coefficients,
        kernel=cf.abs_kernel,
        func_mp=abs,
        sympy=lambda z: _sympy().Abs(z),
    )


def _b_step():
    return dict(
        func=lambda z: (z > 0).astype(float),
        derivative=np.zeros_like,
        kinks=(0.0,),
        linear_part=(0.5, 0.0),
        remainder_parity=-1,
        closed=cf.step_coefficients,
        kernel=cf.step_kernel,
        func_mp=lambda z: _mp.mpf(1) if z > 0 else _mp.mpf(0),
        sympy=lambda z: _sympy().Heaviside(z, 0),
    )


def _b_sign():
    return dict(
        func=np.sign,
        derivative=np.zeros_like,
        kinks=(0.0,),
        remainder_parity=-1,
        closed=cf.sign_coefficients,
        kernel=cf.sign_kernel,
        func_mp=_mp.sign,
        sympy=lambda z: _sympy().sign(z),
    )


def _b_tanh():
    return dict(
        func=np.tanh,
        derivative=lambda z: 1.0 / np.cosh(z) ** 2,
        remainder_parity=-1,
        func_mp=_mp.tanh,
        sympy=lambda z: _sympy().tanh(z),
    )


def _b_erf():
    return dict(
        func=special.erf,
        derivative=lambda z: 2.0 / math.sqrt(math.pi) * np.exp(-z * z),
        remainder_parity=-1,
        closed=cf.erf_coefficients,
        kernel=cf.erf_kernel,
        func_mp=_mp.erf,
        sympy=lambda z: _sympy().erf(z),
    )


def _sigmoid_mp(z):
    return 1 / (1 + _mp.exp(-z))


def _b_sigmoid():
    return dict(
        func=special.expit,
        derivative=lambda z: special.expit(z) * special.expit(-z),
        linear_part=(0.5, 0.0),
        remainder_parity=-1,
        func_mp=_sigmoid_mp,
        sympy=lambda z: 1 / (1 + _sympy().exp(-z)),
    )


def _b_softplus():
    return dict(
        func=lambda z: np.logaddexp(0.0, z),
        derivative=special.expit,
        linear_part=(0.0, 0.5),
        remainder_parity=1,
        func_mp=lambda z: z + _mp.log1p(_mp.exp(-z)) if z > 0 else _mp.log1p(_mp.exp(z)),
        sympy=lambda z: _sympy().log(1 + _sympy().exp(z)),
        derived=_softplus_from_sigmoid,
    )


def _softplus_from_sigmoid(kmax, shift, scale, coefficients):
    r"""Stein: :math:`\mu_k[\mathrm{softplus}(sz+c)] = s\,\mu_{k-1}[\sigma(sz+c)]` for :math:`k\ge1`
    (``docs/theory/hermite.md#identities``, "softplus"), i.e. :math:`c_k = s\,c_{k-1}[\sigma]/\sqrt k` in the
    orthonormal basis; :math:`\mu_0` by quadrature of softplus itself."""
    # mu_0 from the degree-3 rule: its window (L = 14) already holds softplus' linear growth, where
    # degree 0's (L = 12) fails the tail check once and is widened (one function evaluation more)
    v0, e0 = coefficients("self", 3)
    values, errors = np.empty(kmax + 1), np.empty(kmax + 1)
    values[0], errors[0] = v0[0], e0[0]
    if kmax >= 1:
        sv, se = coefficients("sigmoid", kmax - 1)
        r = scale / np.sqrt(np.arange(1, kmax + 1))
        values[1:] = r * sv
        errors[1:] = r * se + 2 * _EPS * np.abs(values[1:])
    return values, errors


def _silu_from_sigmoid(kmax, shift, scale, coefficients):
    r""":math:`(sz+c)\sigma(sz+c)`: :math:`\mu_k = s(\mu_{k+1}[\sigma_{s,c}] + k\mu_{k-1}[\sigma_{s,c}]) + c\,\mu_k[\sigma_{s,c}]`
    (product rule :math:`zHe_k = He_{k+1} + kHe_{k-1}`, ``docs/theory/hermite.md#identities``, "SiLU"); in the
    orthonormal basis :math:`c_k = s(\sqrt{k+1}\,c_{k+1} + \sqrt k\,c_{k-1}) + c\,c_k`."""
    sv, se = coefficients("sigmoid", kmax + 1)
    k = np.arange(kmax + 1)
    up, lo = np.sqrt(k + 1.0), np.sqrt(k)
    lower_v = np.concatenate([[0.0], sv[:kmax]]) * lo
    lower_e = np.concatenate([[0.0], se[:kmax]]) * lo
    values = scale * (up * sv[1:] + lower_v) + shift * sv[:-1]
    terms = scale * (up * np.abs(sv[1:]) + np.abs(lower_v)) + abs(shift) * np.abs(sv[:-1])
    errors = scale * (up * se[1:] + lower_e) + abs(shift) * se[:-1] + 6 * _EPS * terms
    return values, errors


def _b_gelu():
    return dict(
        func=lambda z: z * special.ndtr(z),
        derivative=lambda z: special.ndtr(z) + z * np.exp(-0.5 * z * z) * _PHI0,
        linear_part=(0.0, 0.5),
        remainder_parity=1,
        closed=cf.gelu_coefficients,
        func_mp=lambda z: z * _mp.ncdf(z),
        sympy=lambda z: z * (1 + _sympy().erf(z / _sympy().sqrt(2))) / 2,
    )


def _b_silu():
    return dict(
        func=lambda z: z * special.expit(z),
        derivative=lambda z: special.expit(z) * (1 + z * special.expit(-z)),
        linear_part=(0.0, 0.5),
        remainder_parity=1,
        func_mp=lambda z: z * _sigmoid_mp(z),
        sympy=lambda z: z / (1 + _sympy().exp(-z)),
        derived=_silu_from_sigmoid,
    )


def _b_sin():
    return dict(func=np.sin, derivative=np.cos, remainder_parity=-1, closed=cf.sin_coefficients,
                kernel=cf.sin_kernel, func_mp=_mp.sin, sympy=lambda z: _sympy().sin(z))


def _b_cos():
    return dict(func=np.cos, derivative=lambda z: -np.sin(z), remainder_parity=1, closed=cf.cos_coefficients,
                kernel=cf.cos_kernel, func_mp=_mp.cos, sympy=lambda z: _sympy().cos(z))


def _b_exp():
    return dict(func=np.exp, derivative=np.exp, closed=cf.exp_coefficients, kernel=cf.exp_kernel,
                func_mp=_mp.exp, sympy=lambda z: _sympy().exp(z))


def _b_identity():
    return dict(
        func=lambda z: np.array(z, dtype=float),
        derivative=np.ones_like,
        remainder_parity=-1,
        closed=cf.identity_coefficients,
        kernel=cf.identity_kernel,
        func_mp=lambda z: z,
        sympy=lambda z: z,
    )


def _b_polynomial(coeffs=None, coeff_basis="monomial"):
    r"""``coeffs`` in ``coeff_basis``: ``"monomial"`` :math:`\sum a_n z^n`; ``"hermite"``
    :math:`\sum a_k He_k` (also ``"series"``, the same thing, Moniri's convention)."""
    if coeffs is None:
        raise ValueError("activation('polynomial') needs coeffs=[a0, a1, ...]")
    coeff_basis = check_choice(coeff_basis, ("monomial", "hermite", "series"), "coeff_basis")
    try:
        coeffs = np.atleast_1d(np.asarray(coeffs, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(f"coeffs must be a sequence of real numbers; got {coeffs!r}") from None
    if coeffs.ndim != 1 or coeffs.size == 0 or not np.all(np.isfinite(coeffs)):
        raise ValueError(f"coeffs must be a non-empty finite 1-d sequence of numbers; got {coeffs!r}")
    if coeff_basis == "monomial":
        mono = coeffs.copy()
    else:  # sum a_k He_k -> monomial coefficients (exact integer Hermite coefficients)
        mono = np.polynomial.hermite_e.herme2poly(coeffs)
    mono = np.trim_zeros(mono, "b") if np.any(mono) else np.zeros(1)
    poly = np.polynomial.Polynomial(mono)
    dpoly = poly.deriv()
    odd_high = mono[3::2]
    even_high = mono[2::2]
    if not np.any(odd_high):
        structure = dict(linear_part=(0.0, float(mono[1]) if len(mono) > 1 else 0.0), remainder_parity=1)
    elif not np.any(even_high):
        structure = dict(linear_part=(float(mono[0]), 0.0), remainder_parity=-1)
    else:
        structure = {}
    mono_list = [float(x) for x in mono]

    def closed(kmax, shift, scale):
        # exact coefficients of p(s z + c) as a polynomial in z (binomial expansion of binary
        # numbers, as the fast path), then the monomial formula at the working precision
        if (shift, scale) == (0, 1):
            return cf.polynomial_coefficients(kmax, mono_list)
        s_, c_ = Fraction(scale), Fraction(shift)
        q = [sum((Fraction(an) * math.comb(n, m) * s_**m * c_ ** (n - m) for n, an in enumerate(mono_list) if n >= m),
                 Fraction(0)) for m in range(len(mono_list))]
        return cf.polynomial_coefficients(kmax, [_mp.mpf(x.numerator) / x.denominator for x in q])

    def kernel(rho, shift, scale):
        # finite Mehler sum: K(rho) = sum_k c_k^2 rho^k with orthonormal c_k (exact for polynomials);
        # the c_k correctly rounded by the integer path, else in mpmath
        fast = fast_closed_form("polynomial", len(mono) - 1, shift, scale, "orthonormal", monomial=mono_list)
        if fast is not None:
            c2 = np.square(fast[0])
        else:
            with _mp.workdps(30):
                mu = closed(len(mono) - 1, shift, scale)
                c2 = np.array([float(m * m / _mp.factorial(k)) for k, m in enumerate(mu)])
        return np.polynomial.polynomial.polyval(np.asarray(rho, dtype=float), c2)

    return dict(
        func=lambda z: poly(np.asarray(z, dtype=float)),
        derivative=lambda z: dpoly(np.asarray(z, dtype=float)),
        closed=closed,
        fast_monomial=mono_list,
        kernel=kernel,
        func_mp=lambda z: _mp.polyval(mono_list[::-1], z),
        sympy=lambda z: sum(_sympy().nsimplify(a, rational=True) * z**n for n, a in enumerate(mono_list)),
        **structure,
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
    "sin": _b_sin,
    "cos": _b_cos,
    "exp": _b_exp,
    "identity": _b_identity,
    "polynomial": _b_polynomial,
}.items():
    _REGISTRY[_name] = _builder


def _fmt(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ",".join(_fmt(x) for x in v) + "]"
    return repr(float(v)) if isinstance(v, (float, np.floating)) else repr(v)


def activation(name, *, shift=0.0, scale=1.0, amplitude=1.0, offset=0.0, center=False, **params) -> Activation:
    r"""Build the registry activation ``name``: :math:`x \mapsto \mathrm{amplitude}\cdot f(\mathrm{scale}\,x + \mathrm{shift}) + \mathrm{offset}`.

    Parameters
    ----------
    name : str or Activation
        One of :func:`available_activations`, or an expression in ``z`` given as text (e.g.
        ``"tanh(z) + 0.1*z**2"``, read by :func:`theory.parse_expression`, see
        :func:`theory.hermite.expression_activation.activation_fields`). An ``Activation`` is
        returned unchanged when no parameter is given.
    shift, scale : float
        Affine map of the argument (``scale != 0``). Kinks move to ``(kink - shift) / scale``;
        closed forms follow where ``docs/activations.md`` lists them, otherwise the coefficients
        come from quadrature with the moved kinks.
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
    >>> activation("relu", scale=2.0).kinks, activation("relu", shift=1.0, scale=-2.0).kinks
    ((0.0,), (0.5,))
    """
    if isinstance(name, Activation):
        if (shift, scale, amplitude, offset, center) == (0.0, 1.0, 1.0, 0.0, False) and not params:
            return name
        raise TypeError("parameters can only be given with a registry name, not with an Activation")
    if not isinstance(name, str):
        raise TypeError(f"name must be a registry name (str); got {type(name).__name__}")
    if name not in _REGISTRY and (not name.strip().isidentifier() or name.strip() == "z"):
        # an expression in z given as text, e.g. "tanh(z) + 0.1*z**2": read by the whitelisted parser
        if (shift, scale, amplitude, offset, center) != (0.0, 1.0, 1.0, 0.0, False) or params:
            raise TypeError("shift, scale, amplitude, offset, center and entry parameters need a registry name; "
                            "write them into the expression instead")
        return Activation(**activation_fields(name, name="activation"))
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
    if not isinstance(center, (bool, np.bool_)):
        raise TypeError(f"center must be True or False; got {center!r}")
    try:
        frozen = tuple(sorted((k, _freeze(v)) for k, v in params.items()))
        hash(frozen)
    except TypeError:
        raise TypeError(f"parameters of {name!r} must be numbers, strings or sequences of numbers; got {params!r}") from None
    return _build(name, shift + 0.0, scale, amplitude, offset + 0.0, bool(center), frozen)


def _freeze(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return tuple(float(x) for x in np.asarray(v, dtype=float).ravel())
    return v


def _compose(f, shift, scale):
    if f is None or (shift, scale) == (0.0, 1.0):
        return f
    return lambda z: f(scale * z + shift)


# The built-in closed forms that closed_forms_fast evaluates (by the mpmath function's identity, so
# that a re-registered entry with another closed form does not inherit the fast path).
_FAST_ENTRY = {
    cf.relu_coefficients: "relu", cf.abs_coefficients: "abs", cf.step_coefficients: "step",
    cf.sign_coefficients: "sign", cf.erf_coefficients: "erf", cf.gelu_coefficients: "gelu",
    cf.exp_coefficients: "exp", cf.sin_coefficients: "sin", cf.cos_coefficients: "cos",
    cf.identity_coefficients: "identity",
}


def _fast_closed_form(entry, shift, s_abs, flip, amplitude, offset, monomial):
    """``(kmax, basis) -> (values, errors)`` tuples or ``None``, cached per activation."""
    monomial = None if monomial is None else tuple(monomial)
    cache = {}  # (kmax, basis) -> result; a plain dict: building an activation must stay cheap

    def fast(kmax: int, basis: str):
        key = (kmax, basis)
        if key not in cache:
            out = fast_closed_form(entry, kmax, shift, s_abs, basis, flip=flip, amplitude=amplitude,
                                   offset=offset, monomial=monomial)
            if len(cache) >= 16:
                cache.clear()
            cache[key] = None if out is None else (tuple(out[0]), tuple(out[1]))
        return cache[key]

    fast.cache_clear = cache.clear
    return fast


@lru_cache(maxsize=256)
def _build(name, shift, scale, amplitude, offset, center, params) -> Activation:
    try:
        spec = _REGISTRY[name](**dict(params))
    except TypeError as exc:
        raise TypeError(f"bad parameters for activation {name!r}: {exc}") from None
    s_abs = abs(scale)
    flip = scale < 0
    affine = (shift, scale) != (0.0, 1.0)

    func = _compose(spec["func"], shift, scale)
    d0 = spec.get("derivative")
    derivative = (lambda z: scale * d0(scale * z + shift)) if (d0 is not None and affine) else d0
    mp0 = spec.get("func_mp")
    func_mp = (lambda z: mp0(_mp.mpf(scale) * z + _mp.mpf(shift))) if (mp0 is not None and affine) else mp0
    sym0 = spec.get("sympy")
    if sym0 is not None and affine:
        def sympy_expr(z, sym0=sym0):
            sp = _sympy()
            return sym0(sp.nsimplify(scale, rational=True) * z + sp.nsimplify(shift, rational=True))
    else:
        sympy_expr = sym0
    kinks = tuple(sorted((k - shift) / scale for k in spec.get("kinks", ())))

    # parity structure f = a + b x + g(x): survives z -> s z (b -> s b), lost under a shift
    p = int(spec.get("remainder_parity", 0))
    a, b = spec.get("linear_part", (0.0, 0.0))
    if shift != 0.0:
        p, a, b = 0, 0.0, 0.0
    else:
        b = b * scale

    closed = None
    c0 = spec.get("closed")
    fast_entry = "polynomial" if "fast_monomial" in spec else _FAST_ENTRY.get(c0)
    if c0 is not None:
        def closed(kmax, c0=c0):
            mu = c0(kmax, shift, s_abs)
            if mu is None:
                return None
            return [-m if (flip and k % 2 == 1) else m for k, m in enumerate(mu)]
        if fast_entry is None:  # the built-in closed forms exist for every shift and scale
            with _mp.workdps(15):
                if closed(0) is None:
                    closed = None
    fast = None
    if closed is not None and fast_entry is not None:
        fast = _fast_closed_form(fast_entry, shift, s_abs, flip, 1.0, 0.0, spec.get("fast_monomial"))
    derived = None
    dr0 = spec.get("derived")
    if dr0 is not None and closed is None:
        unflipped = Activation(name, _compose(spec["func"], shift, s_abs),
                               kinks=tuple((k - shift) / s_abs for k in spec.get("kinks", ())))

        def derived(kmax, dr0=dr0, unflipped=unflipped):
            def coefficients(entry, kk):
                act = unflipped if entry == "self" else activation(entry, shift=shift, scale=s_abs)
                # the numeric core directly: arguments are known good, and the accuracy of these inner
                # smooth-function results is carried by their error bounds into the identity's
                r = double_precision_coefficients(act, act, kk, (), "orthonormal")
                return r.values, r.error_estimate

            values, errors = dr0(kmax, shift, s_abs, coefficients)
            if flip:
                values = values * (-1.0) ** np.arange(kmax + 1)
            return values, errors

    kernel = None
    k0 = spec.get("kernel")
    if k0 is not None and k0(0.0, shift, s_abs) is not None:
        def kernel(rho, k0=k0):
            return k0(rho, shift, s_abs)

    # output map amplitude * f + offset (offset includes -amplitude * E f when centring)
    mean = None
    if center or (kernel is not None and offset != 0.0):
        tmp = Activation(name, func, kinks=kinks, closed_form=closed, linear_part=(a, b), remainder_parity=p,
                         derived=derived, closed_form_float=fast)
        mean = float(double_precision_coefficients(tmp, tmp, 0, (), "plain").values[0])
    total_offset = offset - amplitude * mean if center else offset
    if amplitude != 1.0 or total_offset != 0.0:
        f1, d1, mp1, sym1, cl1, kr1 = func, derivative, func_mp, sympy_expr, closed, kernel
        func = lambda z: amplitude * f1(z) + total_offset  # noqa: E731
        derivative = (lambda z: amplitude * d1(z)) if d1 is not None else None  # noqa: E731
        func_mp = (lambda z: amplitude * mp1(z) + total_offset) if mp1 is not None else None  # noqa: E731
        if sym1 is not None:
            def sympy_expr(z):
                sp = _sympy()
                return sp.nsimplify(amplitude, rational=True) * sym1(z) + sp.nsimplify(total_offset, rational=True)
        if cl1 is not None:
            def closed(kmax):
                mu = [amplitude * m for m in cl1(kmax)]
                mu[0] += total_offset
                return mu
        if fast is not None:
            fast = _fast_closed_form(fast_entry, shift, s_abs, flip, amplitude, total_offset, spec.get("fast_monomial"))
        if derived is not None:
            dr1 = derived

            def derived(kmax):
                values, errors = dr1(kmax)
                values = amplitude * values
                values[0] += total_offset
                return values, abs(amplitude) * errors + 2 * _EPS * np.abs(values)
        if kr1 is not None:
            if mean is None:
                mean = 0.0
            def kernel(rho):
                return amplitude**2 * kr1(rho) + 2 * amplitude * total_offset * mean + total_offset**2
        if p == 1:
            b = amplitude * b
        elif p == -1:
            a = amplitude * a + total_offset

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
        func=func,
        derivative=derivative,
        kinks=kinks,
        closed_form=closed,
        func_mp=func_mp,
        sympy_expr=sympy_expr,
        kernel=kernel,
        params=all_params,
        linear_part=(a, b),
        remainder_parity=p,
        derived=derived,
        entry=name,
        closed_form_float=fast,
    )

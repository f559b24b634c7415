r"""Multi-index targets :math:`y = g^*(W^* x) + \varepsilon` (Dandi et al. 2024).

A :class:`MultiIndexTarget` is the link function :math:`g^*: \mathbb R^r \to \mathbb R` of a target that
depends on the input only through the :math:`r` projections :math:`W^* x`, :math:`W^*\in\mathbb R^{r\times d}`
with orthonormal rows (``docs/theory/giant_step.md#model``). It is given either

* **exactly**, as a sympy expression or a string in the symbols ``z1, ..., zr``; polynomial
  expressions then have exact Hermite tensors (:func:`theory.hermite_tensor`), or
* **numerically**, as a callable on arrays of shape ``(m, r)`` returning shape ``(m,)``.

Strings are read by the project's whitelisted parser :func:`theory.parse_expression` (nothing in
them is executed; ``docs/security.md``): numbers, ``z1..zr``, ``+ - * / **``, and a fixed table of
functions, where ``He(k, zj)`` is the probabilists' Hermite polynomial :math:`He_k(z_j)`. Every
expression is evaluated by a checked tree walk onto numpy
(:class:`theory.hermite.expression_eval.ExpressionFunction`), never by generated code.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._checks import check_integer, check_nonnegative
from .._result import to_jsonable
from ..hermite.expression_eval import ExpressionFunction, check_expression
from ..hermite.expressions import parse_expression

__all__ = ["MultiIndexTarget", "target_symbols", "as_multi_index"]

_SYMBOL_RE = re.compile(r"^z([1-9][0-9]*)$")


def target_symbols(r: int) -> tuple:
    """The canonical symbols ``(z1, ..., zr)`` (plain sympy symbols, no assumptions).

    >>> target_symbols(3)
    (z1, z2, z3)
    """
    import sympy

    r = check_integer(r, "r", minimum=1)
    return tuple(sympy.Symbol(f"z{j}") for j in range(1, r + 1))


def _parse(text: str, r: int):
    return parse_expression(text, tuple(f"z{j}" for j in range(1, r + 1)), name="expr_or_callable")


def _is_sympy(obj) -> bool:
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(obj, sympy.Basic)


def _canonical_expr(expr, r: int):
    """Check that ``expr`` uses only z1..zr and rename its symbols to the canonical ones."""
    import sympy

    if not isinstance(expr, sympy.Expr):
        raise TypeError(f"expr_or_callable must be a sympy expression, a string or a callable; got {type(expr).__name__}")
    allowed = {f"z{j}" for j in range(1, r + 1)}
    subs = {}
    for s in expr.free_symbols:
        if s.name not in allowed:
            m = _SYMBOL_RE.match(s.name)
            hint = f" (it needs r >= {m.group(1)})" if m else ""
            raise ValueError(
                f"expr_or_callable may only use the symbols z1..z{r}; got {s.name!r}{hint}"
            )
        subs[s] = sympy.Symbol(s.name)
    expr = expr.xreplace(subs)
    if expr.has(sympy.I) or expr.has(sympy.zoo) or expr.has(sympy.nan) or expr.has(sympy.oo):
        raise ValueError(f"expr_or_callable must be a real, finite expression; got {expr}")
    return check_expression(expr, sorted(allowed), name="expr_or_callable")


def _probe_points(r: int) -> np.ndarray:
    """A fixed, deterministic set of points of R^r used to check a callable (no RNG)."""
    base = np.array([0.0, 1.0, -0.7, 2.3, -1.9, 0.35, -3.1])
    pts = np.stack([np.roll(base, j) * (1 + 0.1 * j) for j in range(r)], axis=-1)
    return pts  # shape (7, r)


@dataclass(frozen=True, init=False, eq=False)
class MultiIndexTarget:
    r"""A multi-index link :math:`g^*: \mathbb R^r\to\mathbb R`, :math:`y = g^*(W^*x) + \varepsilon`.

    Parameters
    ----------
    expr_or_callable : sympy.Expr, str or callable
        A sympy expression (or a string read by :func:`theory.parse_expression`, with ``He(k, zj)``
        for Hermite polynomials) in the symbols ``z1..zr``; or a vectorised callable mapping an array of shape
        ``(m, r)`` to shape ``(m,)``.
    r : int
        Number of directions, ``>= 1``.
    noise_var : float
        Label-noise variance :math:`\Delta\ge0` (``docs/theory/giant_step.md#error-floors``: it enters through
        :math:`E[y^2]+\Delta`).
    name : str, optional
        Label; defaults to the expression text or the callable's name.

    Attributes
    ----------
    r, noise_var, name
    expr : sympy.Expr or None
        The canonical expression in ``target_symbols(r)`` (``None`` for a callable).
    is_polynomial : bool
        ``True`` for polynomial expressions (exact Hermite tensors).

    Examples
    --------
    >>> t = MultiIndexTarget("z1 + z1*z2", 2)
    >>> t.r, t.is_polynomial, t.degree
    (2, True, 2)
    >>> t(np.array([[1.0, 2.0], [3.0, -1.0]]))
    array([3., 0.])
    >>> u = MultiIndexTarget(lambda Z: np.tanh(Z[:, 0]) * Z[:, 1], 2, name="tanh(z1)*z2")
    >>> float(u(np.array([0.5, 2.0])))  # a single point of R^r is accepted too
    0.9242343145200195
    """

    expr: object
    func: object
    r: int
    noise_var: float
    name: str

    def __init__(self, expr_or_callable, r, *, noise_var=0.0, name=None):
        set_ = object.__setattr__
        r = check_integer(r, "r", minimum=1)
        noise_var = check_nonnegative(noise_var, "noise_var")
        src = expr_or_callable
        if isinstance(src, MultiIndexTarget):
            if src.r != r:
                raise ValueError(f"r must match the target's r = {src.r}; got {r}")
            expr, func = src.expr, src.func
        elif isinstance(src, str):
            expr, func = _canonical_expr(_parse(src, r), r), None
        elif isinstance(src, (int, float)) and not isinstance(src, bool):
            import sympy

            expr, func = (sympy.Integer(int(src)) if float(src).is_integer() else sympy.Float(src)), None
        elif _is_sympy(src):  # a sympy object means sympy is loaded already: no import here (light start)
            expr, func = _canonical_expr(src, r), None
        elif callable(src):
            expr, func = None, src
        else:
            raise TypeError(
                f"expr_or_callable must be a sympy expression, a string or a callable on arrays of shape (m, r); "
                f"got {type(src).__name__}"
            )
        if name is None:
            name = str(expr) if expr is not None else getattr(func, "__name__", "callable")
        if not isinstance(name, str):
            raise TypeError(f"name must be a string; got {type(name).__name__}")
        set_(self, "expr", expr)
        set_(self, "r", r)
        set_(self, "noise_var", noise_var)
        set_(self, "name", name)
        if expr is not None:
            func = _ExpressionLink(expr, r)
        set_(self, "func", func)
        self._check_callable()

    # ------------------------------------------------------------------ evaluation
    def _check_callable(self) -> None:
        pts = _probe_points(self.r)
        try:
            with np.errstate(all="ignore"):
                out = self.func(pts)
        except Exception as exc:
            raise TypeError(
                f"expr_or_callable must accept an array of shape (m, r) = {pts.shape} and return shape (m,); "
                f"calling it failed with {type(exc).__name__}: {exc}"
            ) from exc
        out = np.asarray(out)
        if out.shape != (pts.shape[0],):
            raise ValueError(
                f"expr_or_callable must map an array of shape (m, r) = {pts.shape} to shape ({pts.shape[0]},); "
                f"it returned shape {out.shape}"
            )
        if np.iscomplexobj(out) and np.any(np.imag(out) != 0):
            raise ValueError("expr_or_callable must return real values")
        if not np.all(np.isfinite(np.real(out).astype(float))):
            raise ValueError("expr_or_callable returned NaN or inf on test points of R^r")

    def __call__(self, Z) -> np.ndarray:
        r"""Evaluate :math:`g^*` on ``Z`` of shape ``(..., r)``; returns shape ``(...)``."""
        Z = np.asarray(Z, dtype=float)
        if Z.ndim == 0 or Z.shape[-1] != self.r:
            raise ValueError(f"Z must have shape (..., r) with r = {self.r}; got shape {Z.shape}")
        lead = Z.shape[:-1]
        flat = Z.reshape(-1, self.r)
        out = np.asarray(self.func(flat))
        if out.shape != (flat.shape[0],):
            out = np.broadcast_to(out, (flat.shape[0],))
        return np.real(out).astype(float).reshape(lead)

    # ------------------------------------------------------------------ structure
    @property
    def symbols(self) -> tuple:
        """``(z1, ..., zr)``."""
        return target_symbols(self.r)

    @cached_property
    def is_polynomial(self) -> bool:
        """Whether the target is a polynomial expression in z1..zr (exact path)."""
        return self.expr is not None and bool(self.expr.is_polynomial(*self.symbols))

    @cached_property
    def poly(self):
        """The target as a :class:`sympy.Poly` in z1..zr (``None`` if it is not a polynomial)."""
        if not self.is_polynomial:
            return None
        import sympy

        return sympy.Poly(sympy.expand(self.expr), *self.symbols)

    @property
    def degree(self):
        """Total degree of a polynomial target, ``None`` otherwise."""
        return None if self.poly is None else int(self.poly.total_degree())

    @cached_property
    def is_rational(self) -> bool:
        """Whether a polynomial target has rational coefficients (then ranks are decided exactly)."""
        return self.poly is not None and all(c.is_Rational for c in self.poly.coeffs())

    def hermite_tensor(self, k: int, **kw) -> np.ndarray:
        """Shorthand for :func:`theory.hermite_tensor` ``(self, k)``."""
        from .tensors import hermite_tensor

        return hermite_tensor(self, k, **kw)

    def with_noise(self, noise_var) -> "MultiIndexTarget":
        """The same link with another label-noise variance."""
        return MultiIndexTarget(self, self.r, noise_var=noise_var, name=self.name)

    def without_low_orders(self, ell) -> "MultiIndexTarget":
        r"""The target with its Hermite components of orders :math:`k<\ell` removed.

        :math:`g - \sum_{k<\ell}\frac1{k!}\langle C_k,\mathbf{He}_k(x)\rangle`: the preprocessing
        that lets an :math:`n=d^\ell` step see :math:`C_\ell` (``docs/theory/giant_step.md#subspaces-and-leap-index``,
        ``docs/theory/giant_step.md#staircase``; ``docs/theory/simulation.md#dandi-et-al`` uses the exact :math:`C_0, C_1` here, not batch estimates).
        Exact for expressions with exact tensors, otherwise built from the numeric tensors.

        >>> t = MultiIndexTarget("1 + z1 + z1**2", 1).without_low_orders(2)
        >>> t.expr
        z1**2 - 1
        """
        import sympy

        from .tensors import hermite_tensor, tensor_hermite_polynomial

        ell = check_integer(ell, "ell", minimum=1)
        name = f"{self.name} - orders<{ell}"
        if self.is_polynomial:
            x = self.symbols
            expr = self.expr
            for k in range(ell):
                Ck = hermite_tensor(self, k, exact=True)
                expr = expr - tensor_hermite_polynomial(Ck, x) / sympy.factorial(k)
            return MultiIndexTarget(sympy.expand(expr), self.r, noise_var=self.noise_var, name=name)
        tensors = [np.asarray(hermite_tensor(self, k)) for k in range(ell)]
        return MultiIndexTarget(_LowOrderRemoved(self.func, tuple(tensors)), self.r, noise_var=self.noise_var, name=name)

    def to_dict(self) -> dict:
        """JSON-ready description."""
        return {
            "name": self.name,
            "r": self.r,
            "noise_var": to_jsonable(self.noise_var),
            "expr": None if self.expr is None else str(self.expr),
            "is_polynomial": self.is_polynomial,
        }

    # ------------------------------------------------------------------ identity
    def _key(self):
        return (self.expr if self.expr is not None else self.func, self.r, self.noise_var)

    def __eq__(self, other):
        if not isinstance(other, MultiIndexTarget):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self) -> str:
        noise = f", noise_var={self.noise_var}" if self.noise_var else ""
        return f"MultiIndexTarget({self.name!r}, r={self.r}{noise})"


class _ExpressionLink:
    """A checked sympy expression in z1..zr as a callable on arrays of shape (m, r) (a tree walk onto
    numpy, :class:`theory.hermite.expression_eval.ExpressionFunction`; no generated code)."""

    def __init__(self, expr, r):
        self.r = r
        self.f = ExpressionFunction(expr, tuple(f"z{j}" for j in range(1, r + 1)), name="expr_or_callable")

    def __call__(self, Z):
        Z = np.asarray(Z, dtype=float)
        return self.f(*(Z[:, j] for j in range(self.r)))


class _LowOrderRemoved:
    """``g(x) - sum_{k<ell} <C_k, He_k(x)>/k!`` for a numeric link (used by ``without_low_orders``)."""

    def __init__(self, func, tensors):
        self.func = func
        self.tensors = tensors

    def __call__(self, Z):
        from .tensors import tensor_hermite_values

        Z = np.asarray(Z, dtype=float)
        out = np.asarray(self.func(Z), dtype=float).copy()
        fact = 1.0
        for k, Ck in enumerate(self.tensors):
            fact *= max(k, 1)
            out -= tensor_hermite_values(Ck, Z) / fact
        return out


def as_multi_index(target, name: str = "target") -> MultiIndexTarget:
    """Return ``target`` if it is a :class:`MultiIndexTarget`; raise a clear TypeError otherwise."""
    if isinstance(target, MultiIndexTarget):
        return target
    raise TypeError(f"{name} must be a theory.MultiIndexTarget; got {type(target).__name__}")

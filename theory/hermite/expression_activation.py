r"""Activations given as text, e.g. ``"tanh(z) + 0.1*z**2"`` or ``"relu(z - 0.5)"``.

The text is read by :func:`theory.parse_expression` (a whitelist: nothing in it is executed,
``docs/security.md``); the function and its derivative are evaluated by the checked tree walk of
:mod:`theory.hermite.expression_eval` (no generated code). Kinks are found where the expression
switches branch: the real zeros of the arguments of ``Abs``, ``sign``, ``Heaviside``, of the
pairwise differences of the arguments of ``Max`` / ``Min`` and of Piecewise conditions, when these
are polynomials in ``z`` of degree at most 4 (other switching points are not declared; the
quadrature then warns with :class:`theory.hermite.guards.AccuracyWarning`).
"""

from __future__ import annotations

import itertools

import numpy as np

from .expression_eval import ExpressionFunction
from .expressions import parse_expression

__all__ = ["activation_fields"]


def _switch_arguments(expr):
    """Expressions whose zeros are the points where ``expr`` switches branch."""
    import sympy as sp

    out = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            out.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            out.extend(a - b for a, b in itertools.combinations(node.args, 2))
        elif isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                if isinstance(cond, sp.core.relational.Relational):
                    out.append(cond.lhs - cond.rhs)
    return out


def _kinks(expr, z) -> tuple:
    import sympy as sp

    points = set()
    for arg in _switch_arguments(expr):
        if not arg.has(z) or not arg.is_polynomial(z):
            continue
        p = sp.Poly(sp.expand(arg), z)
        if p.degree() < 1 or p.degree() > 4 or not all(c.is_real for c in p.all_coeffs()):
            continue
        for root in p.nroots(n=30):
            if abs(sp.im(root)) < 1e-25:
                points.add(float(sp.re(root)))
    return tuple(sorted(points))


def activation_fields(text: str, *, name: str = "activation") -> dict:
    r"""The fields of an :class:`~theory.hermite.activations.Activation` for an expression in ``z`` given as text.

    :func:`theory.activation` builds the Activation from them (``theory.activation("relu(z - 0.5)")``);
    this module does not import the registry, so the two stay free of an import cycle.

    Parameters
    ----------
    text : str
        An expression of :func:`theory.parse_expression` in the variable ``z``.
    name : str
        The argument name used in error messages.

    Returns
    -------
    dict
        ``name``, ``func`` and ``derivative`` (the sympy derivative, a.e.) evaluated by a tree walk,
        ``kinks`` as in the module docstring, ``sympy_expr`` for :mod:`theory.symbolic`, ``params``.

    Examples
    --------
    >>> a = activation_fields("relu(z - 0.5) + z**2")
    >>> a["kinks"]
    (0.5,)
    >>> a["func"](np.array([0.0, 1.0])).tolist(), a["derivative"](np.array([0.0, 1.0])).tolist()
    ([0.0, 1.5], [0.0, 3.0])
    """
    import sympy as sp

    expr = parse_expression(text, ("z",), name=name)
    z = sp.Symbol("z")
    return dict(
        name=text.strip(),
        func=ExpressionFunction(expr, ("z",), name=name),
        derivative=ExpressionFunction(_derivative(expr, z), ("z",), name=f"derivative of {name}"),
        kinks=_kinks(expr, z),
        sympy_expr=_Substitute(expr, z),
        params={"expression": text.strip()},
    )


def _derivative(expr, z):
    """``d expr / dz`` with the derivatives of Max, Min, Abs, sign and Heaviside written in the node
    types the evaluator knows (Heaviside, sign); DiracDelta terms (zero almost everywhere) dropped."""
    import sympy as sp

    x = sp.Dummy("x", real=True)  # a real variable: d|u|/dz = sign(u) u', not re/im parts
    d = sp.diff(expr.xreplace({z: x}), x).xreplace({x: z})
    d = d.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    d = d.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.S.Zero)  # of sign/Heaviside: 0 a.e.
    return d


class _Substitute:
    """``z -> expr(z)`` for :attr:`Activation.sympy_expr` (picklable, unlike a closure)."""

    def __init__(self, expr, z):
        self.expr, self.z = expr, z

    def __call__(self, x):
        return self.expr.xreplace({self.z: x})

r"""Numbers from sympy expressions without generated code: a checked tree walk onto numpy.

``sympy.lambdify`` writes Python source and executes it; this module never does. :func:`check_expression`
verifies that an expression contains only node types with a numpy counterpart (numbers, ``pi``,
``E``, the allowed symbols, Add, Mul, Pow, the functions of the expression language, Piecewise with
relational conditions, and ``theory.symbolic.He``), and :class:`ExpressionFunction` evaluates it by
walking the tree, each node mapped to a vectorised numpy (or ``scipy.special``) function. Trees
come from :func:`theory.hermite.expressions.parse_expression` (user text) or from Python users
(sympy objects are trusted code, but are checked the same way before evaluation); see
``docs/security.md``.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["check_expression", "variable_names", "ExpressionFunction"]

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _node_table():
    """sympy node type -> numpy implementation (a function of the evaluated arguments)."""
    import sympy as sp
    from scipy import special

    def maximum(*a):
        return np.maximum.reduce(np.broadcast_arrays(*a))

    def minimum(*a):
        return np.minimum.reduce(np.broadcast_arrays(*a))

    def heaviside(x, h0=0.5):
        return np.heaviside(x, h0)

    return {
        sp.Add: lambda *a: sum(a[1:], a[0]),
        sp.Mul: lambda *a: _product(a),
        sp.exp: np.exp,
        sp.log: np.log,
        sp.tanh: np.tanh,
        sp.sinh: np.sinh,
        sp.cosh: np.cosh,
        sp.sin: np.sin,
        sp.cos: np.cos,
        sp.atan: np.arctan,
        sp.erf: special.erf,
        sp.erfc: special.erfc,
        sp.Abs: np.abs,
        sp.sign: np.sign,
        sp.Heaviside: heaviside,
        sp.Max: maximum,
        sp.Min: minimum,
        sp.StrictLessThan: np.less,
        sp.LessThan: np.less_equal,
        sp.StrictGreaterThan: np.greater,
        sp.GreaterThan: np.greater_equal,
        sp.Equality: np.equal,
        sp.Unequality: np.not_equal,
        sp.And: lambda *a: np.logical_and.reduce(np.broadcast_arrays(*a)),
        sp.Or: lambda *a: np.logical_or.reduce(np.broadcast_arrays(*a)),
        sp.Not: np.logical_not,
    }


def _product(a):
    out = a[0]
    for x in a[1:]:
        out = out * x
    return out


_TABLE = None


def _table():
    global _TABLE  # a cache of constant data (types -> numpy functions), filled once
    if _TABLE is None:
        _TABLE = _node_table()
    return _TABLE


def _hermite_values(k, x):
    """He_k(x) by the three-term recurrence He_{j+1} = x He_j - j He_{j-1}."""
    x = np.asarray(x, dtype=float)
    prev, cur = np.ones_like(x), x
    if k == 0:
        return prev
    for j in range(1, k):
        prev, cur = cur, x * cur - j * prev
    return cur


def _evaluate(e, env, memo):
    """Value of the sympy expression ``e`` with the symbols bound in ``env`` (a tree walk)."""
    import sympy as sp

    hit = memo.get(e)
    if hit is not None:
        return hit
    if e.is_Symbol:
        out = env[e.name]
    elif e.is_Number or isinstance(e, sp.NumberSymbol):
        out = float(e)
    elif e is sp.true or e is sp.false:
        out = bool(e)
    elif e.is_Pow:
        base = _evaluate(e.base, env, memo)
        if e.exp == sp.S.Half:
            out = np.sqrt(base)
        elif e.exp == -1:
            out = 1.0 / np.asarray(base, dtype=float)
        elif e.exp.is_Integer:
            out = np.power(np.asarray(base, dtype=float), int(e.exp)) if abs(int(e.exp)) <= 64 else \
                np.power(np.asarray(base, dtype=float), float(e.exp))
        else:
            out = np.power(np.asarray(base, dtype=float), _evaluate(e.exp, env, memo))
    elif isinstance(e, sp.log) and e.args[0].is_Add and len(e.args[0].args) == 2 \
            and sp.S.One in e.args[0].args and any(isinstance(t, sp.exp) for t in e.args[0].args):
        inner = next(t for t in e.args[0].args if isinstance(t, sp.exp))  # softplus: log(1 + e^x), stably
        out = np.logaddexp(0.0, _evaluate(inner.args[0], env, memo))
    elif isinstance(e, sp.Piecewise):
        conds, vals = [], []
        for piece, cond in e.args:
            conds.append(np.asarray(_evaluate(cond, env, memo), dtype=bool))
            vals.append(np.asarray(_evaluate(piece, env, memo), dtype=float))
        arrs = np.broadcast_arrays(*conds, *vals)
        out = np.select(arrs[: len(conds)], arrs[len(conds):], default=np.nan)
    elif type(e).__name__ == "He" and len(e.args) == 2 and e.args[0].is_Integer:
        out = _hermite_values(int(e.args[0]), _evaluate(e.args[1], env, memo))
    else:
        fn = _table().get(type(e))
        if fn is None:
            raise ValueError(f"no numeric evaluation for the sympy node {type(e).__name__} in {_short(e)}")
        out = fn(*(_evaluate(a, env, memo) for a in e.args))
    memo[e] = out
    return out


def variable_names(variables) -> tuple:
    """Variable names from a sequence of names (or one name), or ``z1..zr`` from an integer ``r``.

    >>> variable_names(3), variable_names("z")
    (('z1', 'z2', 'z3'), ('z',))
    """
    if isinstance(variables, (int, np.integer)) and not isinstance(variables, bool):
        if variables < 1:
            raise ValueError(f"variables must be >= 1 when given as a number r (z1..zr); got {variables}")
        return tuple(f"z{j}" for j in range(1, int(variables) + 1))
    if isinstance(variables, str):
        variables = (variables,)
    try:
        out = tuple(variables)
    except TypeError:
        raise TypeError(f"variables must be a sequence of names or an integer r; got {type(variables).__name__}") from None
    for v in out:
        if not isinstance(v, str) or not _NAME_RE.match(v):
            raise ValueError(f"variables must be plain names such as 'z' or 'z1'; got {v!r}")
    return out


_variables = variable_names


def _short(e, n: int = 40) -> str:
    s = str(e)
    return s if len(s) <= n else s[: n - 3] + "..."


def check_expression(expr, variables=("z",), *, name: str = "expression"):
    r"""Check that a sympy expression only uses the node types :class:`ExpressionFunction` evaluates.

    Allowed: numbers (Integer, Rational, Float), ``pi``, ``E``, the symbols named in ``variables``,
    Add, Mul, Pow, the functions of :data:`FUNCTIONS` as sympy classes (exp, log, tanh, sinh, cosh,
    sin, cos, atan, erf, erfc, Abs, sign, Heaviside, Max, Min), Piecewise with relational conditions,
    and ``theory.symbolic.He`` with an integer degree. Returns ``expr``.

    Raises
    ------
    ValueError
        Naming the first node of another type (e.g. an undefined function, ``I``, ``zoo``) or a
        symbol not in ``variables``.

    >>> import sympy
    >>> check_expression(sympy.Symbol("z") * sympy.gamma(sympy.Symbol("z")))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: expression: the sympy node gamma (in gamma(z)) is not allowed; ...
    """
    import sympy as sp

    variables = _variables(variables)
    if not isinstance(expr, sp.Basic):
        raise TypeError(f"{name} must be a sympy expression; got {type(expr).__name__}")
    table = _table()
    allowed_names = set(variables)
    stack = [expr]
    seen = set()
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if e.is_Symbol:
            if e.name not in allowed_names:
                raise ValueError(f"{name}: the symbol {e.name!r} is not one of the variables {', '.join(variables)}")
            continue
        if e.is_Number:
            if not (e.is_Integer or e.is_Rational or e.is_Float) or not e.is_finite:
                raise ValueError(f"{name}: the number {e} is not a finite real number")
            continue
        if e in (sp.pi, sp.E, sp.true, sp.false):
            continue
        ok = (e.is_Pow or isinstance(e, sp.Piecewise) or type(e).__name__ == "ExprCondPair" or type(e) in table
              or (type(e).__name__ == "He" and len(e.args) == 2 and e.args[0].is_Integer and e.args[0] >= 0))
        if not ok:
            raise ValueError(
                f"{name}: the sympy node {type(e).__name__} (in {_short(e)}) is not allowed; numeric evaluation "
                "knows numbers, pi, E, the variables, Add, Mul, Pow, Piecewise, He and "
                + ", ".join(sorted({t.__name__ for t in table}))
            )
        stack.extend(e.args)
    return expr


class ExpressionFunction:
    r"""A sympy expression as a vectorised numpy function of its variables (no generated code).

    ``f(*arrays)`` broadcasts the arrays (one per variable, in the order of ``variables``) and
    returns a float array of the broadcast shape, evaluated by a tree walk over the sympy
    expression (each node mapped to a numpy function; repeated subexpressions are evaluated
    once). ``log(1 + exp(x))`` is evaluated as ``logaddexp(0, x)`` so that softplus does not
    overflow. Pickles (the expression is kept, not a compiled function).

    >>> import sympy
    >>> z = sympy.Symbol("z")
    >>> f = ExpressionFunction(z**2 - 1, ("z",))
    >>> f(np.array([0.0, 2.0]))
    array([-1.,  3.])
    """

    def __init__(self, expr, variables=("z",), *, name: str = "expression"):
        self.variables = _variables(variables)
        self.expr = check_expression(expr, self.variables, name=name)

    def __call__(self, *arrays):
        if len(arrays) != len(self.variables):
            raise TypeError(f"expected {len(self.variables)} arrays ({', '.join(self.variables)}); got {len(arrays)}")
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays)) if arrays else []
        shape = arrays[0].shape if arrays else ()
        env = dict(zip(self.variables, arrays))
        with np.errstate(all="ignore"):
            out = _evaluate(self.expr, env, {})
        return np.array(np.broadcast_to(np.asarray(out, dtype=float), shape))

    def __repr__(self) -> str:
        return f"ExpressionFunction({self.expr}, variables={self.variables})"

r"""A safe expression language for functions given as text (targets and activations).

Text such as ``"z1 + He(2, z2)/2"`` or ``"tanh(z) + 0.1*z**3"`` is turned into a sympy expression
**without running any of it**: :func:`ast.parse` (``mode="eval"``) only builds Python's syntax
tree, and :func:`parse_expression` walks that tree against a whitelist and builds the sympy
expression node by node itself. sympy's own parser (``sympify``, ``parse_expr``) is never given
user text, because it calls :func:`eval`. Numbers come from :func:`numeric_function`, a tree walk
that maps each sympy node to a numpy function
(:mod:`theory.hermite.expression_eval`; no source code is generated or executed, unlike
``lambdify``). The rules and their reasons are in ``docs/security.md``.

Grammar (anything else is refused with a ``ValueError`` naming the construct and its column)::

    expr := number | variable | pi | E | expr OP expr | -expr | +expr | (expr) | FUNC(expr, ...)
    OP   := +  -  *  /  **          (the exponent must be a number: integer or rational, |p| <= 100)
    FUNC := He(k, expr) with an integer 0 <= k <= 100, and the functions of FUNCTIONS

Resource limits (:data:`LIMITS`), checked while the tree is walked, before anything is expanded:
text length, number of syntax nodes, nesting depth, exponent, Hermite degree, polynomial degree,
a bound on the number of monomials the expanded expression can have, and the magnitude of every
constant (at most 1e300, so that it is a finite float64). ``9**9**9`` is refused at its exponent,
``He(100000, z)`` at its degree, before either is computed.
"""

from __future__ import annotations

import ast
import math
import re
import warnings

import numpy as np

from .expression_eval import ExpressionFunction, _evaluate, check_expression, variable_names

__all__ = ["parse_expression", "numeric_function", "FUNCTIONS", "LIMITS"]

#: Resource limits of the expression language.
#: ``max_hermite_degree`` and ``max_degree``: the expanded :math:`He_{100}` has coefficients up
#: to about :math:`10^{79}` (:math:`\max_j |[z^j]He_k|\approx\sqrt{k!}` order), beyond which the expanded
#: polynomial cannot be evaluated in float64 without losing every digit to cancellation, and no
#: result of the project uses more than a few degrees (Dandi et al., arXiv:2305.18270, use
#: :math:`k\le 4`). ``max_terms`` bounds the work of every later ``expand``/``Poly`` (a dense
#: polynomial of degree 100 in 4 variables would have 4.6 million monomials).
LIMITS = {
    "max_length": 2000,        # characters of text
    "max_nodes": 1000,         # nodes of the syntax tree
    "max_depth": 50,           # nesting depth of the syntax tree
    "max_exponent": 100,       # |p| of an exponent p (and its denominator, for p rational)
    "max_hermite_degree": 100,  # k in He(k, x)
    "max_degree": 100,         # total polynomial degree of any subexpression
    "max_terms": 5_000,        # bound on the monomials of any subexpression once expanded
    "max_log10_constant": 300,  # |log10 |c|| of a non-zero constant
}

_NAMES_OF_NODES = {
    "Attribute": "attribute access",
    "Subscript": "subscript",
    "Slice": "slice",
    "Lambda": "lambda",
    "ListComp": "list comprehension",
    "SetComp": "set comprehension",
    "DictComp": "dict comprehension",
    "GeneratorExp": "generator expression",
    "JoinedStr": "f-string",
    "FormattedValue": "f-string",
    "NamedExpr": "assignment expression (:=)",
    "Compare": "comparison",
    "BoolOp": "boolean operator (and/or)",
    "IfExp": "conditional expression (if/else)",
    "Tuple": "tuple",
    "List": "list",
    "Dict": "dict",
    "Set": "set",
    "Starred": "starred argument",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
}

_OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^", ast.BitOr: "|",
    ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>",
}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not", ast.Invert: "~"}
_GROUP = {"+": "add", "-": "add", "*": "mul", "/": "mul"}
_SYMBOL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _fn_table():
    """name -> (arity, builder(sympy, *args)); ``arity`` is an int or ``"2+"`` (two or more)."""
    return {
        "exp": (1, lambda sp, x: sp.exp(x)),
        "log": (1, lambda sp, x: sp.log(x)),
        "sqrt": (1, lambda sp, x: sp.sqrt(x)),
        "tanh": (1, lambda sp, x: sp.tanh(x)),
        "sinh": (1, lambda sp, x: sp.sinh(x)),
        "cosh": (1, lambda sp, x: sp.cosh(x)),
        "sin": (1, lambda sp, x: sp.sin(x)),
        "cos": (1, lambda sp, x: sp.cos(x)),
        "atan": (1, lambda sp, x: sp.atan(x)),
        "erf": (1, lambda sp, x: sp.erf(x)),
        "erfc": (1, lambda sp, x: sp.erfc(x)),
        "Abs": (1, lambda sp, x: sp.Abs(x)),
        "abs": (1, lambda sp, x: sp.Abs(x)),
        "sign": (1, lambda sp, x: sp.sign(x)),
        "Heaviside": (1, lambda sp, x: sp.Heaviside(x)),
        "step": (1, lambda sp, x: sp.Heaviside(x)),
        "relu": (1, lambda sp, x: sp.Max(x, 0)),
        "sigmoid": (1, lambda sp, x: 1 / (1 + sp.exp(-x))),
        "softplus": (1, lambda sp, x: sp.log(1 + sp.exp(x))),
        "silu": (1, lambda sp, x: x / (1 + sp.exp(-x))),
        "gelu": (1, lambda sp, x: x * (1 + sp.erf(x / sp.sqrt(2))) / 2),
        "Max": ("2+", lambda sp, *a: sp.Max(*a)),
        "max": ("2+", lambda sp, *a: sp.Max(*a)),
        "Min": ("2+", lambda sp, *a: sp.Min(*a)),
        "min": ("2+", lambda sp, *a: sp.Min(*a)),
    }


#: The functions of the language (``He(k, x)`` besides): name -> number of arguments.
FUNCTIONS = {name: arity for name, (arity, _) in _fn_table().items()}
_CONSTANTS = ("pi", "E")


class _Info:
    """Size of a subexpression once expanded: a degree bound, a monomial-count bound and the
    set of 'atoms' (variables and non-polynomial subexpressions) it is a polynomial in."""

    __slots__ = ("degree", "terms", "atoms")

    def __init__(self, degree, terms, atoms):
        self.degree, self.terms, self.atoms = degree, terms, frozenset(atoms)


def _dense(degree: int, natoms: int) -> int:
    """Number of monomials of total degree <= degree in natoms atoms."""
    return math.comb(degree + natoms, natoms) if natoms else 1


class _Parser:
    def __init__(self, text, variables, name):
        import sympy

        self.sp = sympy
        self.text = text
        self.name = name
        self.symbols = {v: sympy.Symbol(v) for v in variables}
        self.fns = _fn_table()
        self.atom_id = 0

    # ------------------------------------------------------------------ errors
    def error(self, what, node=None, *, allowed=True):
        where = ""
        if node is not None and getattr(node, "col_offset", None) is not None:
            where = f" at column {node.col_offset + 1}"
            seg = ast.get_source_segment(self.text, node)
            if seg and len(seg) <= 60 and seg not in what:
                where += f" ({seg!r})"
        hint = ""
        if allowed:
            names = ", ".join(self.symbols) or "none"
            hint = (f"; allowed: numbers, the variables {names}, pi, E, + - * / ** and the functions "
                    f"He(k, x), {', '.join(self.fns)}")
        return ValueError(f"{self.name}: {what}{where} is not allowed{hint}")

    def limit(self, what, value, key, node=None):
        where = f" at column {node.col_offset + 1}" if node is not None and hasattr(node, "col_offset") else ""
        return ValueError(
            f"{self.name}: {what} is {value}{where}; the limit is {LIMITS[key]} "
            f"(theory.hermite.expressions.LIMITS[{key!r}], see docs/security.md)"
        )

    # ------------------------------------------------------------------ size bookkeeping
    def check_info(self, info, node):
        if info.degree > LIMITS["max_degree"]:
            raise self.limit("the polynomial degree", info.degree, "max_degree", node)
        if info.terms > LIMITS["max_terms"]:
            raise self.limit("the number of monomials once expanded (a bound)", f"up to {info.terms}", "max_terms", node)
        return info

    def new_atom(self):
        self.atom_id += 1
        return _Info(1, 1, {("atom", self.atom_id)})

    def power_info(self, info, p: int, node):
        atoms = len(info.atoms)
        if info.degree * p > LIMITS["max_degree"]:
            raise self.limit("the polynomial degree", info.degree * p, "max_degree", node)
        terms = min(math.comb(info.terms + p - 1, p) if p else 1, _dense(info.degree * p, atoms))
        return self.check_info(_Info(info.degree * p, terms, info.atoms), node)

    def constant(self, value, node):
        """Check a constant subexpression: finite, real, |log10|c|| <= 300."""
        sp = self.sp
        bad = ValueError(f"{self.name}: the constant {_short(value)} at column {node.col_offset + 1} "
                         "is not a finite real number")
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I) or value.is_extended_real is False:
            raise bad
        try:
            with np.errstate(all="ignore"):
                v = float(_evaluate(value, {}, {}))
        except (TypeError, ValueError):
            raise bad from None
        lim = LIMITS["max_log10_constant"]
        if not math.isfinite(v) or (v != 0 and abs(math.log10(abs(v))) > lim):
            raise self.limit("the magnitude of the constant " + _short(value),
                             "outside [1e-300, 1e300]" if math.isfinite(v) else "not finite in float64",
                             "max_log10_constant", node)
        return value, _Info(0, 1, ())

    # ------------------------------------------------------------------ walk
    def build(self, node):
        sp = self.sp
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise self.error(f"the constant {v!r} ({type(v).__name__})", node)
            if isinstance(v, int):
                if v.bit_length() > 1000:
                    raise self.limit("the magnitude of an integer", f"{v.bit_length()} bits", "max_log10_constant", node)
                return self.constant(sp.Integer(v), node)
            if not math.isfinite(v):
                raise ValueError(f"{self.name}: the number at column {node.col_offset + 1} is not finite in float64")
            return self.constant(sp.Float(v), node)
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id], _Info(1, 1, {node.id})
            if node.id == "pi":
                return sp.pi, _Info(0, 1, ())
            if node.id == "E":
                return sp.E, _Info(0, 1, ())
            if node.id in self.fns or node.id == "He":
                raise self.error(f"the function name '{node.id}' without a call", node)
            m = re.fullmatch(r"([A-Za-z]+)([1-9][0-9]*)", node.id)
            if m and f"{m.group(1)}1" in self.symbols:  # z3 with variables z1, z2
                raise ValueError(f"{self.name}: the variable '{node.id}' at column {node.col_offset + 1} is not one of "
                                 f"{', '.join(self.symbols)} (it needs r >= {m.group(2)})")
            raise self.error(f"the name '{node.id}'", node)
        if isinstance(node, ast.UnaryOp):
            op = _UNARY.get(type(node.op), type(node.op).__name__)
            if op not in ("-", "+"):
                raise self.error(f"the operator '{op}'", node)
            e, info = self.build(node.operand)
            return (-e if op == "-" else e), info
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        kind = _NAMES_OF_NODES.get(type(node).__name__, f"the syntax {type(node).__name__}")
        raise self.error(kind, node)

    def binop(self, node):
        op = _OPERATORS.get(type(node.op), type(node.op).__name__)
        if op not in ("+", "-", "*", "/", "**"):
            hint = " (use ** for powers)" if op == "^" else ""
            raise self.error(f"the operator '{op}'{hint}", node)
        if op == "**":
            a, ia = self.build(node.left)
            return self.power(node, a, ia)
        # a left-nested chain a + b - c + ... (or a * b / c ...) is walked iteratively, not recursively
        chain, cur = [], node
        while isinstance(cur, ast.BinOp) and _GROUP.get(_OPERATORS.get(type(cur.op))) == _GROUP[op]:
            chain.append(cur)
            cur = cur.left
        a, ia = self.build(cur)
        for n in reversed(chain):
            b, ib = self.build(n.right)
            a, ia = self.combine(_OPERATORS[type(n.op)], a, ia, b, ib, n)
        return a, ia

    def combine(self, op, a, ia, b, ib, node):
        if op in ("+", "-"):
            e = a + b if op == "+" else a - b
            atoms = ia.atoms | ib.atoms
            info = _Info(max(ia.degree, ib.degree),
                         min(ia.terms + ib.terms, _dense(max(ia.degree, ib.degree), len(atoms))), atoms)
        elif op == "*":
            e = a * b
            atoms = ia.atoms | ib.atoms
            info = _Info(ia.degree + ib.degree, min(ia.terms * ib.terms, _dense(ia.degree + ib.degree, len(atoms))), atoms)
        else:
            if b.is_zero:
                raise ValueError(f"{self.name}: division by zero at column {node.col_offset + 1}")
            e = a / b
            if b.free_symbols:
                atom = self.new_atom()
                atoms = ia.atoms | atom.atoms
                info = _Info(ia.degree + 1, ia.terms, atoms)
            else:
                info = ia
        if not e.free_symbols:
            return self.constant(e, node)
        return e, self.check_info(info, node)

    def exponent(self, node):
        """The exponent of ``**``: a number (integer, rational or float) with |p| <= max_exponent."""
        sp = self.sp
        p, _ = self.build(node)
        if p.free_symbols or not p.is_number:
            raise ValueError(f"{self.name}: the exponent at column {node.col_offset + 1} must be a number, "
                             "not an expression in the variables (write exp(x*log(a)) for a**x)")
        if not (p.is_Rational or p.is_Float):
            p = sp.Float(float(p))
        cap = LIMITS["max_exponent"]
        if abs(p) > cap:
            raise self.limit("the exponent", _short(p), "max_exponent", node)
        if p.is_Rational and p.q > cap:
            raise self.limit("the denominator of the exponent", p.q, "max_exponent", node)
        return p

    def power(self, node, base, ib):
        sp = self.sp
        p = self.exponent(node.right)
        if not base.free_symbols:
            bv = float(_evaluate(base, {}, {}))
            if bv == 0 and p < 0:
                raise ValueError(f"{self.name}: division by zero (0 to a negative power) at column {node.col_offset + 1}")
            if bv != 0 and abs(float(p) * math.log10(abs(bv))) > LIMITS["max_log10_constant"]:
                raise self.limit(f"log10 of |{_short(base)}**{_short(p)}|", f"{float(p) * math.log10(abs(bv)):.4g}",
                                 "max_log10_constant", node)
            return self.constant(base ** p, node)
        m = int(math.ceil(abs(float(p))))
        expanded = self.power_info(ib, m, node)  # expand() multiplies out (a+b)**p, also for p < 0
        e = base ** p
        info = expanded if (p.is_Integer and p >= 0) else self.new_atom()
        return e, info

    def call(self, node):
        sp = self.sp
        if not isinstance(node.func, ast.Name):
            kind = "attribute access" if isinstance(node.func, ast.Attribute) else "a call of a computed function"
            raise self.error(kind, node.func)
        fname = node.func.id
        if fname != "He" and fname not in self.fns:
            raise self.error(f"the function '{fname}'", node.func)
        if node.keywords:
            raise self.error(f"a keyword argument to {fname}()", node.keywords[0].value)
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.error("a starred argument", a)
        if fname == "He":
            return self.hermite(node)
        arity, builder = self.fns[fname]
        n = len(node.args)
        if (arity == "2+" and n < 2) or (arity != "2+" and n != arity):
            want = "at least 2 arguments" if arity == "2+" else f"{arity} argument{'s' * (arity != 1)}"
            raise ValueError(f"{self.name}: {fname}() takes {want}; got {n} at column {node.col_offset + 1}")
        built = [self.build(a) for a in node.args]
        e = builder(sp, *(b for b, _ in built))
        if not e.free_symbols:
            return self.constant(e, node)
        return e, self.new_atom()

    def hermite(self, node):
        sp = self.sp
        if len(node.args) != 2:
            raise ValueError(f"{self.name}: He(k, x) takes 2 arguments; got {len(node.args)} at column {node.col_offset + 1}")
        k, _ = self.build(node.args[0])
        if not k.is_Integer or k < 0:
            raise ValueError(f"{self.name}: He(k, x) needs an integer degree k >= 0; got {_short(k)} "
                             f"at column {node.args[0].col_offset + 1}")
        k = int(k)
        if k > LIMITS["max_hermite_degree"]:
            raise self.limit("the Hermite degree k of He(k, x)", k, "max_hermite_degree", node)
        x, ix = self.build(node.args[1])
        deg = ix.degree * k
        if deg > LIMITS["max_degree"]:
            raise self.limit("the polynomial degree", deg, "max_degree", node)
        terms = min(math.comb(ix.terms + k, k), _dense(deg, len(ix.atoms)))
        info = self.check_info(_Info(deg, terms, ix.atoms), node)
        e = sp.expand(sp.hermite_prob(k, x))
        if not e.free_symbols:
            return self.constant(e, node)
        return e, info


def _short(e, n: int = 40) -> str:
    s = str(e)
    return s if len(s) <= n else s[: n - 3] + "..."


def _variables(variables) -> tuple:
    """The variable names (see :func:`theory.hermite.expression_eval.variable_names`), none of them a
    constant or function of the language."""
    out = variable_names(variables)
    for v in out:
        if v in _CONSTANTS or v in FUNCTIONS or v == "He":
            raise ValueError(f"variables: {v!r} is the name of a constant or function of the language")
    return out


def parse_expression(text, variables=("z",), *, name: str = "expression"):
    r"""Parse ``text`` into a sympy expression in ``variables`` by a whitelist (nothing is executed).

    Parameters
    ----------
    text : str
        An expression of the grammar in the module docstring, e.g. ``"z1 + He(2, z2)/2"``.
        ``He(k, x)`` is the probabilists' Hermite polynomial :math:`He_k(x)`, expanded
        (:math:`He_3(z) = z^3 - 3z`); ``relu(x) = Max(x, 0)``, ``sigmoid(x) = 1/(1 + e^{-x})``,
        ``softplus(x) = log(1 + e^x)``, ``silu(x) = x sigmoid(x)``,
        ``gelu(x) = x (1 + erf(x/sqrt 2))/2``, ``step(x) = Heaviside(x)``.
    variables : sequence of str or int
        The allowed variable names; an integer ``r`` means ``z1..zr``. Default ``("z",)``.
    name : str
        The argument name used in error messages.

    Returns
    -------
    sympy.Expr
        Built from plain ``sympy.Symbol`` objects of the given names and the node types accepted by
        :func:`check_expression`.

    Raises
    ------
    ValueError
        For anything outside the grammar (naming the construct and its column) or beyond
        :data:`LIMITS` (stating the limit).
    TypeError
        If ``text`` is not a string.

    Examples
    --------
    >>> parse_expression("He(3, z)")
    z**3 - 3*z
    >>> parse_expression("z1 + z1*z2/2", 2)
    z1*z2/2 + z1
    >>> parse_expression("__import__('os')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: expression: the function '__import__' at column 1 is not allowed; allowed: ...
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string; got {type(text).__name__}")
    variables = _variables(variables)
    if len(text) > LIMITS["max_length"]:
        raise ValueError(f"{name}: the text has {len(text)} characters; the limit is {LIMITS['max_length']} "
                         "(theory.hermite.expressions.LIMITS['max_length'], see docs/security.md)")
    text = text.strip()
    if not text:
        raise ValueError(f"{name}: empty expression")
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": refused, not printed
            warnings.simplefilter("error", SyntaxWarning)
            warnings.simplefilter("error", DeprecationWarning)
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise ValueError(f"{name}: not a valid expression{col}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ValueError(f"{name}: not a valid expression: {type(exc).__name__}: {exc}") from None
    # size and depth first, iteratively (the builder below recurses)
    stack, count = [(tree.body, 1)], 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > LIMITS["max_nodes"]:
            raise ValueError(f"{name}: the expression has more than {LIMITS['max_nodes']} syntax nodes "
                             "(theory.hermite.expressions.LIMITS['max_nodes'], see docs/security.md)")
        if depth > LIMITS["max_depth"]:
            raise ValueError(f"{name}: the expression is nested deeper than {LIMITS['max_depth']} levels "
                             "(theory.hermite.expressions.LIMITS['max_depth'], see docs/security.md)")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.operator, ast.unaryop, ast.expr_context)):
                continue
            # the left operand of a chain a + b + c (or a * b * c) is not a new level of nesting
            same = (isinstance(node, ast.BinOp) and isinstance(child, ast.BinOp) and child is node.left
                    and _GROUP.get(_OPERATORS.get(type(node.op))) is not None
                    and _GROUP.get(_OPERATORS.get(type(node.op))) == _GROUP.get(_OPERATORS.get(type(child.op))))
            stack.append((child, depth if same else depth + 1))
    parser = _Parser(text, variables, name)
    expr, _ = parser.build(tree.body)
    return check_expression(expr, variables, name=name)


def numeric_function(expr, variables=("z",), *, name: str = "expression") -> ExpressionFunction:
    """A vectorised numpy function of an expression: text (read by :func:`parse_expression`) or a sympy
    expression (checked by :func:`~theory.hermite.expression_eval.check_expression`); see
    :class:`~theory.hermite.expression_eval.ExpressionFunction`.

    >>> numeric_function("relu(z) + He(2, z)")(np.array([-1.0, 2.0]))
    array([0., 5.])
    """
    if isinstance(expr, str):
        expr = parse_expression(expr, variables, name=name)
    return ExpressionFunction(expr, variables, name=name)

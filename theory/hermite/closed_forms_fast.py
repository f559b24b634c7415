r"""Registry closed forms in integer arithmetic: correctly rounded float64 coefficients, fast.

The closed forms of :mod:`theory.hermite.closed_forms` are rewritten (derivation:
``docs/derivations/hermite_closed_forms_fast.md``) as

.. math:: \mu_k = \sum_i T_i\, r_{k,i},

with a few transcendental constants :math:`T_i` (e.g. :math:`s\varphi(c/s)`, :math:`\Phi(c/s)`,
:math:`e^{c+s^2/2}`) and factors :math:`r_{k,i}` given by the scaled Hermite recurrence

.. math:: G_0 = 1,\quad G_1 = a,\quad G_{n+1} = a\,G_n - n\,b\,G_{n-1},
   \qquad G_n(a;b) = b^{n/2} He_n(a/\sqrt b),

whose arguments :math:`a, b` are rational functions of the (binary, hence rational) ``shift`` and
``scale``. The constants are computed once by :mod:`mpmath.libmp` at ``prec + 32`` bits (a handful of
calls; nothing per :math:`k`), the recurrence runs on Python integers in fixed point with ``F``
fractional bits, and every quantity is carried as an interval ``(m, e, w)``, the value lying in
:math:`[(m-w)2^e, (m+w)2^e]`, with a rigorous bound ``w`` on the accumulated truncation error.
A coefficient is returned when both ends of its interval round to the same float64 (then that
float is the correctly rounded value, and its error is at most half an ulp, zero when exact);
otherwise the whole evaluation is repeated with twice the precision (Ziv's strategy) and, after
512 bits, abandoned: the caller then uses the mpmath evaluation of the closed form.

The only assumption is the accuracy of :mod:`mpmath.libmp`'s ``exp``, ``erf``, ``erfc``,
``cos``/``sin`` and ``sqrt``: relative error below :math:`2^{-\mathrm{prec}}` when computed at
``prec + 32`` bits (they are accurate to about one unit in the last place).
"""

from __future__ import annotations

import math

from mpmath import libmp

__all__ = ["fast_closed_form", "FAST_ENTRIES", "MAX_FAST_KMAX"]

#: Above this degree the plain coefficients leave float64 (``sqrt(171!)`` overflows): mpmath path.
MAX_FAST_KMAX = 170
_PRECISIONS = (128, 256, 512)
_MIN_NORMAL = 2.0**-1022
_ONE = (1, 0, 0)


# ----------------------------------------------------------------------------- intervals
def _exact(x: float):
    """A float as an exact interval ``(m, e, 0)``."""
    n, d = float(x).as_integer_ratio()
    return (n, 1 - d.bit_length(), 0)


def _mul(x, y):
    m1, e1, w1 = x
    m2, e2, w2 = y
    return (m1 * m2, e1 + e2, abs(m1) * w2 + abs(m2) * w1 + w1 * w2)


def _add(x, y):
    m1, e1, w1 = x
    m2, e2, w2 = y
    if e1 > e2:
        m1, w1, e1 = m1 << (e1 - e2), w1 << (e1 - e2), e2
    elif e2 > e1:
        m2, w2 = m2 << (e2 - e1), w2 << (e2 - e1)
    return (m1 + m2, e1, w1 + w2)


def _mpf(t, prec: int):
    """An mpmath value computed at ``prec + 32`` bits as an interval of relative width ``2^-prec``."""
    sign, man, exp, bc = t
    if man == 0:
        return None  # underflow or an unexpected zero: let the caller fall back
    if bc < prec + 32:  # mpmath strips trailing zero bits: restore the full width
        man, exp = man << (prec + 32 - bc), exp - (prec + 32 - bc)
    return (-man if sign else man, exp, (man >> prec) + 1)


def _round(x):
    """``(value, error)`` of the correctly rounded float64, or ``None`` if the interval straddles a
    rounding boundary, leaves the normal range, or its sign is unknown."""
    m, e, w = x
    if w == 0:
        if m == 0:
            return 0.0, 0.0
        try:  # int true division and int -> float are correctly rounded
            v = m / (1 << -e) if e < 0 else float(m << e)
        except OverflowError:
            return None
        if not (_MIN_NORMAL <= abs(v) < math.inf):
            return None
        exact = (m >> ((m & -m).bit_length() - 1)).bit_length() <= 53
        return v, (0.0 if exact else 0.5 * math.ulp(v))
    bl = max(m.bit_length(), w.bit_length())
    if bl > 160:  # keep the integers convertible; floor shift adds < 1 unit, so 2 covers it
        sh = bl - 160
        m, w, e = m >> sh, (w >> sh) + 2, e + sh
    try:
        v = _decide(m, w, e)
    except OverflowError:
        return None
    return None if v is None else (v, 0.5 * math.ulp(v))


def _round_ratio(m: int, e: int, den: int):
    """Correctly rounded ``m 2^e / den`` (exact rational; Python's int division rounds correctly)."""
    num, den = (m << e, den) if e >= 0 else (m, den << -e)
    try:
        v = num / den
    except OverflowError:
        return None
    if not (_MIN_NORMAL <= abs(v) < math.inf):
        return None
    n, d = v.as_integer_ratio()
    return v, (0.0 if n * den == num * d else 0.5 * math.ulp(v))


# ----------------------------------------------------------------------------- recurrence
def _fixed(num: int, den: int, F: int):
    """``num/den`` in fixed point: ``(A, alpha)`` with ``A = floor(num 2^F / den)`` and ``alpha = 1``
    unless exact (``den > 0``)."""
    q, r = divmod(num << F, den)
    return q, (1 if r else 0)


def _recurrence(A: int, alpha: int, B: int, beta: int, F: int, N: int):
    r"""``G_0..G_N`` of :math:`G_{n+1} = aG_n - nbG_{n-1}` in fixed point (``F`` fractional bits).

    ``A``, ``B`` are :math:`a 2^F`, :math:`b 2^F` rounded down (``alpha``, ``beta`` = 1 if not
    exact). Returns the integers ``g_n`` and error bounds ``w_n`` (integers, units :math:`2^{-F}`):
    with :math:`d_n` the error, :math:`|\hat a| = |A|2^{-F}`, :math:`u = 2^{-F}`,

    .. math:: d_{n+1} \le (|\hat a| + \alpha u) d_n + n(|\hat b| + \beta u) d_{n-1}
              + \alpha u|g_n| + n\beta u|g_{n-1}| + t_n,

    :math:`t_n = 1` when the shift by ``F`` discarded nonzero bits (the floor), from
    :math:`|a - \hat a| \le \alpha u` and :math:`|G_n| \le u|g_n| + d_n`. The float evaluation of
    this bound is inflated by :math:`1 + 2^{-30}` per step (its own rounding is below :math:`2^{-50}`).
    Raises ``OverflowError`` when a bound leaves the float range (far outside the fast domain).
    """
    mask = (1 << F) - 1
    g0, g1 = 1 << F, A
    g = [g0, g1]
    lossy = []  # the n whose floor discarded bits (t_n = 1)
    if B == 1 << F and not beta:  # b = 1 (Hermite polynomials): a shift instead of a product
        for n in range(1, N):
            x = A * g1
            if x & mask:
                lossy.append(n)
            g0, g1 = g1, (x >> F) - n * g0
            g.append(g1)
    elif B:
        for n in range(1, N):
            x = A * g1 - n * B * g0
            if x & mask:
                lossy.append(n)
            g0, g1 = g1, x >> F
            g.append(g1)
    else:  # b = 0: powers of a
        for n in range(1, N):
            x = A * g1
            if x & mask:
                lossy.append(n)
            g1 = x >> F
            g.append(g1)
    g = g[: N + 1]
    if not (alpha or beta or lossy):
        return g, [0] * len(g)
    u = 2.0**-F
    af = (abs(A) + alpha) * u
    bf = (abs(B) + beta) * u
    # sources of the bound, n = 0..N-1: t_n + alpha u |g_n| + n beta u |g_{n-1}| (|g| as floats:
    # rounding to nearest changes them by 2^-53 relative, covered by the inflation below)
    src = [0.0] * N
    for n in lossy:
        src[n] = 1.0
    if alpha or beta:
        ga = [abs(float(x)) for x in g[:N]]
        for n in range(1, N):
            src[n] += alpha * u * ga[n] + n * beta * u * ga[n - 1]
    inflate = 1.0 + 2.0**-30
    d0, d1 = 0.0, float(alpha)
    w = [0, alpha]
    for n in range(1, N):
        d0, d1 = d1, (af * d1 + n * bf * d0 + src[n]) * inflate
        w.append(int(d1) + 1 if d1 else 0)
    return g, w[: N + 1]


def _frac_bits(prec: int, N: int, a: float, b: float) -> int:
    """Fractional bits so that :math:`|G_n|\\gtrsim\\max(|a|,\\sqrt b)^n` keeps ``prec`` bits."""
    base = max(abs(a), math.sqrt(abs(b)))
    lost = 0 if base >= 1.0 or base == 0.0 else math.ceil(-N * math.log2(base))
    return prec + 16 + lost


def _ratio(x: float):
    return float(x).as_integer_ratio()


# ----------------------------------------------------------------------------- constants (libmp)
_CONSTANTS: dict = {}


def _const(name: str, Q: int):
    """sqrt(2 pi), sqrt(pi), sqrt(2) at ``Q`` bits (module-level table of constants)."""
    key = (name, Q)
    if key not in _CONSTANTS:
        pi = libmp.mpf_pi(Q)
        arg = {"sqrt2pi": libmp.mpf_shift(pi, 1), "sqrtpi": pi, "sqrt2": libmp.from_int(2)}[name]
        _CONSTANTS[key] = libmp.mpf_sqrt(arg, Q)
    return _CONSTANTS[key]


for _name in ("sqrt2pi", "sqrtpi", "sqrt2"):  # the first precision's constants, at import (~10 us)
    _const(_name, _PRECISIONS[0] + 32)


def _npdf(x, Q):
    h = libmp.mpf_shift(libmp.mpf_mul(x, x, Q), -1)
    return libmp.mpf_div(libmp.mpf_exp(libmp.mpf_neg(h), Q), _const("sqrt2pi", Q), Q)


def _ncdf(x, Q):
    y = libmp.mpf_div(libmp.mpf_neg(x), _const("sqrt2", Q), Q)
    return libmp.mpf_shift(libmp.mpf_erfc(y, Q), -1)


def _erf_sqrt2(x, Q):
    return libmp.mpf_erf(libmp.mpf_div(x, _const("sqrt2", Q), Q), Q)


# ----------------------------------------------------------------------------- families
# Each returns (consts, head, tail) for the plain basis and scale > 0, or None outside the fast
# domain: consts is a list of intervals T_i; head[k] (k < len(head)) a list of (i, r) with
# mu_k = sum_i T_i r; tail = (idx, sgn, g, w, e): for k = len(head) + j,
# mu_k = sgn[k % len(sgn)] * T_{idx[k % len(idx)]} * (g[j] +- w[j]) 2^e, or a _Hermite
# (mu_k = T_0 He_j(a), evaluated by _finish in one pass), or None (head only).


def _kinked(kind: str, kmax: int, shift: float, scale: float, prec: int):
    r"""ReLU, abs, step, sign of :math:`sz+c` (``docs/derivations/hermite_closed_forms_fast.md``, §2):
    with :math:`c' = c/s` and :math:`G_n = He_n(-c')` (:math:`a = -c'`, :math:`b = 1`),

    * relu: :math:`\mu_0 = c\Phi(c') + s\varphi(c')`, :math:`\mu_1 = s\Phi(c')`, :math:`\mu_k = s\varphi(c')G_{k-2}`;
    * abs: :math:`\mu_0 = c\,\mathrm{erf}(c'/\sqrt2) + 2s\varphi(c')`, :math:`\mu_1 = s\,\mathrm{erf}(c'/\sqrt2)`,
      :math:`\mu_k = 2s\varphi(c')G_{k-2}`;
    * step: :math:`\mu_0 = \Phi(c')`, :math:`\mu_k = \varphi(c')G_{k-1}`;
    * sign: :math:`\mu_0 = \mathrm{erf}(c'/\sqrt2)`, :math:`\mu_k = 2\varphi(c')G_{k-1}`.
    """
    cp = shift / scale
    if abs(cp) > 38.0:
        return None  # phi(c') underflows float64 anyway
    Q = prec + 32
    cn, cd = _ratio(shift)
    sn, sd = _ratio(scale)
    lag = 2 if kind in ("relu", "abs") else 1
    N = max(kmax - lag, 0)
    F = _frac_bits(prec, N, cp, 1.0)
    A, alpha = _fixed(-cn * sd, cd * sn, F)
    if shift == 0.0:
        phi_c = libmp.mpf_div(libmp.fone, _const("sqrt2pi", Q), Q)
        big = (1, -1, 0) if kind in ("relu", "step") else (0, 0, 0)  # Phi(0) = 1/2, erf(0) = 0
    else:
        x = libmp.mpf_div(libmp.from_float(shift), libmp.from_float(scale), Q + 32)
        phi_c = _npdf(x, Q)
        big = _mpf(_ncdf(x, Q) if kind in ("relu", "step") else _erf_sqrt2(x, Q), prec)
        if big is None:
            return None
    phi = _mpf(phi_c, prec)
    if phi is None:
        return None
    two = kind in ("abs", "sign")
    if kind in ("relu", "abs"):
        k0 = _mul(phi, _exact(2.0 * scale if two else scale))
        head = [[(1, _exact(shift)), (0, _ONE)], [(1, _exact(scale))]]
    else:
        k0 = _mul(phi, (2, 0, 0)) if two else phi
        head = [[(1, _ONE)]]
    return [k0, big], head[: kmax + 1], _Hermite(A, alpha, F, N)


def _cdf_family(kind: str, kmax: int, shift: float, scale: float, prec: int):
    r"""erf and GELU of :math:`sz+c` through :math:`\Phi(Sz+C)` (``docs/derivations/hermite_closed_forms_fast.md``, §3):
    with :math:`v = 1+S^2`, :math:`a = SC/v`, :math:`b = S^2/v` and
    :math:`T = S e^{-C^2/(2v)}/\sqrt{2\pi v}`, the coefficients of :math:`\Phi(Sz+C)` are
    :math:`C_0 = \Phi(C/\sqrt v)`, :math:`C_k = (-1)^{k-1}T\,G_{k-1}(a;b)`.

    * erf (:math:`S=\sqrt2 s`, :math:`C=\sqrt2 c`): :math:`\mu_0 = \mathrm{erf}(c/\sqrt{1+2s^2})`, :math:`\mu_k = 2C_k`;
    * GELU (:math:`S=s`, :math:`C=c`): :math:`\mu_0 = sT + c\,C_0`, :math:`\mu_1 = sC_0 + (c - sa)T`,
      :math:`\mu_k = (-1)^kT[s(G_k + kG_{k-2}) - cG_{k-1}]` for :math:`k\ge2`.
    """
    Q = prec + 32
    cn, cd = _ratio(shift)
    sn, sd = _ratio(scale)
    f2 = 2 if kind == "erf" else 1  # S^2 = f2 s^2, S C = f2 s c
    vden = sd * sd
    vnum = vden + f2 * sn * sn  # v = vnum / vden
    # a = f2 s c / v = f2 sn cn vden / (sd cd vnum); b = f2 sn^2 / vnum
    N = kmax if kind == "gelu" else max(kmax - 1, 0)
    a_f = f2 * scale * shift / (1.0 + f2 * scale * scale)
    b_f = f2 * scale * scale / (1.0 + f2 * scale * scale)
    F = _frac_bits(prec, N, a_f, b_f)
    A, alpha = _fixed(f2 * sn * cn * vden, sd * cd * vnum, F)
    B, beta = _fixed(f2 * sn * sn, vnum, F)
    g, w = _recurrence(A, alpha, B, beta, F, N)
    c_mp, s_mp = libmp.from_float(shift), libmp.from_float(scale)
    # v = 1 + S^2 exactly (binary); the exponent c^2/v with 64 guard bits, so that its rounding,
    # |c^2/v| 2^-(Q+64) <= 2^-(Q+4) for |c| <= 2^30, stays far below the 2^-prec claimed for exp
    v = libmp.mpf_add(libmp.fone, libmp.mpf_mul(libmp.from_int(f2), libmp.mpf_mul(s_mp, s_mp)))
    sv = libmp.mpf_sqrt(v, Q)
    if kind == "erf":
        # 2 T = 2 s exp(-c^2/v) / sqrt(pi v)
        ex = libmp.mpf_exp(libmp.mpf_neg(libmp.mpf_div(libmp.mpf_mul(c_mp, c_mp), v, Q + 64)), Q)
        den = libmp.mpf_mul(_const("sqrtpi", Q), sv, Q)
        t = libmp.mpf_div(libmp.mpf_shift(libmp.mpf_mul(s_mp, ex, Q), 1), den, Q)
        c0 = (0, 0, 0) if shift == 0.0 else _mpf(libmp.mpf_erf(libmp.mpf_div(c_mp, sv, Q), Q), prec)
    else:
        ex = libmp.mpf_exp(libmp.mpf_neg(libmp.mpf_shift(libmp.mpf_div(libmp.mpf_mul(c_mp, c_mp), v, Q + 64), -1)), Q)
        den = libmp.mpf_mul(_const("sqrt2pi", Q), sv, Q)
        t = libmp.mpf_div(libmp.mpf_mul(s_mp, ex, Q), den, Q)
        c0 = (1, -1, 0) if shift == 0.0 else _mpf(_ncdf(libmp.mpf_div(c_mp, sv, Q), Q), prec)
    T = _mpf(t, prec)
    if T is None or c0 is None:
        return None
    consts = [T, c0]
    if kind == "erf":  # mu_k = (-1)^(k-1) (2T) G_{k-1}, k >= 1
        return consts, [[(1, _ONE)]], ((0,), (-1, 1), g, w, -F)
    s, c = _exact(scale), _exact(shift)
    head = [[(0, s), (1, c)]]
    if kmax >= 1:
        # c - s a with a in [A, A + alpha] 2^-F (fixed point rounded down)
        head.append([(1, s), (0, _add(c, _mul(s, (-A, -F, alpha))))])
    # s (G_k + k G_{k-2}) - c G_{k-1}, k >= 2, exactly on integers (s, c binary)
    sn_, se = _exact(scale)[:2]
    cn_, ce = _exact(shift)[:2]
    sh = se - ce
    if sh >= 0:  # common exponent min(se, ce) - F
        ms, mc, e = sn_ << sh, cn_, ce - F
    else:
        ms, mc, e = sn_, cn_ << -sh, se - F
    ams, amc = abs(ms), abs(mc)
    bm, bw = [], []
    for k in range(2, kmax + 1):
        bm.append(ms * (g[k] + k * g[k - 2]) - mc * g[k - 1])
        bw.append(ams * (w[k] + k * w[k - 2]) + amc * w[k - 1])
    return consts, head[: kmax + 1], ((0,), (1, -1), bm, bw, e)


def _exp_family(kind: str, kmax: int, shift: float, scale: float, prec: int):
    r"""exp, sin, cos of :math:`sz+c` (``docs/derivations/hermite_closed_forms_fast.md``, §4):
    :math:`E[e^{sz+c}He_k] = e^{c+s^2/2}s^k` and :math:`E[e^{i(sz+c)}He_k] = e^{ic}(is)^ke^{-s^2/2}`;
    :math:`s^k = G_k(s;0)`."""
    Q = prec + 32
    sn, sd = _ratio(scale)
    F = _frac_bits(prec, kmax, scale, 0.0)
    A, alpha = _fixed(sn, sd, F)
    g, w = _recurrence(A, alpha, 0, 0, F, kmax)
    c_mp, s_mp = libmp.from_float(shift), libmp.from_float(scale)
    half_s2 = libmp.mpf_shift(libmp.mpf_mul(s_mp, s_mp), -1)
    if kind == "exp":
        e = _mpf(libmp.mpf_exp(libmp.mpf_add(c_mp, half_s2, Q), Q), prec)
        if e is None:
            return None
        return [e], [], ((0,), (1,), g, w, -F)
    damp = libmp.mpf_exp(libmp.mpf_neg(half_s2), Q)
    if shift == 0.0:
        cos_t, sin_t = _mpf(damp, prec), (0, 0, 0)
    else:
        cs, sn_ = libmp.mpf_cos_sin(c_mp, Q)
        cos_t = _mpf(libmp.mpf_mul(damp, cs, Q), prec)
        sin_t = _mpf(libmp.mpf_mul(damp, sn_, Q), prec)
    if cos_t is None or sin_t is None:
        return None
    # e^{ic} i^k, k % 4 = 0..3: cos + i sin, -sin + i cos, -cos - i sin, sin - i cos
    if kind == "cos":
        return [cos_t, sin_t], [], ((0, 1, 0, 1), (1, -1, -1, 1), g, w, -F)
    return [cos_t, sin_t], [], ((1, 0, 1, 0), (1, 1, -1, -1), g, w, -F)


def _identity(kind: str, kmax: int, shift: float, scale: float, prec: int):
    r""":math:`sz + c = c\,He_0 + s\,He_1` (exact)."""
    head = [[(0, _exact(shift))], [(0, _exact(scale))]] + [[] for _ in range(max(kmax - 1, 0))]
    return [_ONE], head[: kmax + 1], None


_FAMILIES = {
    "relu": _kinked, "abs": _kinked, "step": _kinked, "sign": _kinked,
    "erf": _cdf_family, "gelu": _cdf_family,
    "exp": _exp_family, "sin": _exp_family, "cos": _exp_family,
    "identity": _identity,
}
FAST_ENTRIES = tuple(sorted(_FAMILIES))


def polynomial_terms(monomial, kmax: int, shift: float, scale: float, prec: int = 0):
    r"""Exact plain coefficients of :math:`p(sz+c)`, :math:`p(x) = \sum_n a_n x^n` (binary floats):
    :math:`p(sz+c) = \sum_m z^m\sum_{n\ge m}a_n\binom nm s^mc^{n-m}` and
    :math:`E[z^mHe_k] = m!/(2^jj!)` for :math:`m-k = 2j\ge0` (``docs/derivations/hermite_closed_forms_fast.md``, §5).
    All terms are dyadic rationals: computed exactly on integers with one common exponent."""
    vals = [float(a) for a in monomial] + [float(shift), float(scale)]
    E = max(_ratio(x)[1].bit_length() - 1 for x in vals)  # every value = integer / 2^E
    a = [_ratio(x)[0] << (E - (_ratio(x)[1].bit_length() - 1)) for x in monomial]
    cn, cd = _ratio(shift)
    sn, sd = _ratio(scale)
    C = cn << (E - (cd.bit_length() - 1))
    S = sn << (E - (sd.bit_length() - 1))
    deg = len(a) - 1
    # q_m 2^{-E(deg+1)} = coefficient of z^m of p(sz+c)
    q = [0] * (deg + 1)
    for n, an in enumerate(a):
        if an == 0:
            continue
        for m in range(n + 1):
            q[m] += an * math.comb(n, m) * S**m * C ** (n - m) << (E * (deg - n))
    # mu_k = sum_j q_{k+2j} (k+2j)! / (2^j j!), common denominator 2^{E(deg+1) + deg}
    e = -(E * (deg + 1) + deg)
    head = []
    for k in range(kmax + 1):
        tot = 0
        for j in range((deg - k) // 2 + 1 if k <= deg else 0):
            m = k + 2 * j
            tot += (q[m] * (math.factorial(m) // math.factorial(j))) << (deg - j)
        head.append([(0, (tot, e, 0))] if tot else [])
    return [_ONE], head, None


# ----------------------------------------------------------------------------- basis factors
_FACTOR_TABLES: dict = {}


def _basis_factor(basis: str, prec: int, k: int):
    r""":math:`1/\sqrt{k!}` (orthonormal) or :math:`1/k!` (series) as an interval of ``prec + 8`` bits
    (integer square root and integer division; module-level table, built once per precision)."""
    table = _FACTOR_TABLES.setdefault((basis, prec), [])
    while len(table) <= k:
        j = len(table)
        f = math.factorial(j)
        if f & (f - 1) == 0 and (basis == "series" or j <= 1):  # 1, 1, 1/2: exact, so ties stay ties
            table.append((1, 1 - f.bit_length(), 0))
        elif basis == "orthonormal":
            E = prec + 8 + (f.bit_length() + 1) // 2
            m = math.isqrt((1 << (2 * E)) // f)  # true value in [m, m + 2] 2^-E
            table.append((2 * m + 2, -E - 1, 2))
        else:
            E = prec + 8 + f.bit_length()
            m = (1 << E) // f  # true value in [m, m + 1) 2^-E
            table.append((2 * m + 1, -E - 1, 1))
    return table[k]


# ----------------------------------------------------------------------------- entry point
def fast_closed_form(entry: str, kmax: int, shift: float, scale: float, basis: str = "plain", *,
                     flip: bool = False, amplitude: float = 1.0, offset: float = 0.0, monomial=None):
    r"""Correctly rounded coefficients of ``amplitude * f(scale z + shift) + offset`` in ``basis``.

    Parameters
    ----------
    entry : str
        One of :data:`FAST_ENTRIES` or ``"polynomial"`` (then ``monomial`` gives :math:`a_n`).
    kmax : int
        At most :data:`MAX_FAST_KMAX`.
    shift, scale : float
        The argument :math:`sz+c` with ``scale > 0``; ``flip=True`` reflects :math:`z\mapsto-z`
        (a negative scale), multiplying :math:`\mu_k` by :math:`(-1)^k`.
    basis : {"plain", "orthonormal", "series"}

    Returns
    -------
    (list of float, list of float) or None
        Values and error bounds (half an ulp, 0 where the value is exact), or ``None`` when the
        parameters are outside the fast domain or the rounding could not be decided at 512 bits
        (use the mpmath closed form then).

    Examples
    --------
    >>> v, e = fast_closed_form("relu", 4, 0.0, 1.0)
    >>> v == [1 / math.sqrt(2 * math.pi), 0.5, 1 / math.sqrt(2 * math.pi), 0.0, -1 / math.sqrt(2 * math.pi)]
    True
    >>> e[1], e[3]
    (0.0, 0.0)
    """
    if kmax > MAX_FAST_KMAX or not scale > 0.0 or not (2.0**-30 <= scale <= 2.0**30) or abs(shift) > 2.0**30:
        return None
    if entry == "polynomial":
        family = lambda kind, kmax, shift, scale, prec: polynomial_terms(monomial, kmax, shift, scale)  # noqa: E731
    else:
        family = _FAMILIES.get(entry)
        if family is None:
            return None
    amp = _exact(amplitude)
    for prec in _PRECISIONS:
        try:
            built = family(entry, kmax, shift, scale, prec)
            if built is None:
                return None
            out = _finish(*built, kmax, basis, prec, flip, amp, offset)
        except OverflowError:  # a bound beyond the float range: far outside the fast domain
            return None
        if out is not None:
            return out
    return None


def _decide(m: int, wt: int, e: int):
    """The float64 of ``[(m - wt) 2^e, (m + wt) 2^e]`` if both ends round to it (then it is the
    correctly rounded value of every point inside, the sign included) and it is normal, else None."""
    lo = float(m - wt)
    if lo != float(m + wt):
        return None
    v = math.ldexp(lo, e)
    return v if _MIN_NORMAL <= abs(v) < math.inf else None


class _Hermite:
    """A tail ``mu_k = T_0 He_{k - k0}(a)`` (``a = A 2^-F``, error ``alpha`` units) not yet evaluated."""

    __slots__ = ("A", "alpha", "F", "N")

    def __init__(self, A, alpha, F, N):
        self.A, self.alpha, self.F, self.N = A, alpha, F, N


def _hermite_tail(tail, const, k0, kmax, flip, values, errors):
    """Plain-basis tail of :class:`_Hermite` in one pass: the recurrence of :func:`_recurrence`
    (b = 1), its error bound and the rounding test of :func:`_finish` fused, term by term."""
    A, alpha, F, N = tail.A, tail.alpha, tail.F, tail.N
    cm, ce, cw = const
    acm = abs(cm)
    mask = (1 << F) - 1
    u = 2.0**-F
    af = (abs(A) + alpha) * u
    eau = alpha * u
    inflate = 1.0 + 2.0**-30
    ulp = math.ulp
    e = ce - F
    g0, g1 = 1 << F, A
    d0, d1 = 0.0, float(alpha)
    n = 0
    while True:
        gm, gw = (g0, 0) if n == 0 else (g1, int(d1) + 1 if d1 else 0)
        k = k0 + n
        if gm or gw:
            m = cm * gm
            wt = acm * gw + abs(gm) * cw + cw * gw
            if flip and k % 2 == 1:
                m = -m
            v = _decide(m, wt, e)
            if v is None:
                return None
            values.append(v)
            errors.append(0.5 * ulp(v))
        else:
            values.append(0.0)
            errors.append(0.0)
        if k >= kmax:
            return values, errors
        if n >= 1:  # G_{n+1} = a G_n - n G_{n-1}
            x = A * g1
            t = 1.0 if x & mask else 0.0
            if alpha:
                t += eau * abs(float(g1))
            g0, g1 = g1, (x >> F) - n * g0
            d0, d1 = d1, (af * d1 + n * d0 + t) * inflate
        n += 1


def _finish(consts, head, tail, kmax, basis, prec, flip, amp, offset):
    """Combine, convert to ``basis`` and round; ``None`` if some rounding is undecided."""
    if amp != _ONE:
        consts = [_mul(t, amp) for t in consts]
    values, errors = [], []
    orth = basis != "plain"
    for k, row in enumerate(head):
        acc = (0, 0, 0)
        for i, r in row:
            acc = _add(acc, _mul(consts[i], r))
        if k == 0 and offset != 0.0:
            acc = _add(acc, _exact(offset))
        if flip and k % 2 == 1:
            acc = (-acc[0], acc[1], acc[2])
        if basis == "series" and acc[2] == 0 and acc[0]:  # exact / k!: round the rational itself
            out = _round_ratio(acc[0], acc[1], math.factorial(k))
        else:
            if orth and (acc[0] or acc[2]):
                acc = _mul(acc, _basis_factor(basis, prec, k))
            out = _round(acc)
        if out is None:
            return None
        values.append(out[0])
        errors.append(out[1])
    if tail is None or len(head) > kmax:
        return values, errors
    k = len(head)
    if isinstance(tail, _Hermite):
        if not orth and not (k == 0 and offset != 0.0):
            return _hermite_tail(tail, consts[0], k, kmax, flip, values, errors)
        g, w = _recurrence(tail.A, tail.alpha, 1 << tail.F, 0, tail.F, tail.N)
        tail = ((0,), (1,), g, w, -tail.F)
    idx, sgn, g, w, ge = tail
    period = max(len(idx), len(sgn), 2)  # 1, 2 or 4: a multiple of every cycle and of the flip
    if k == 0 and offset != 0.0:  # rare: mu_0 carries the offset, the generic path
        i, sg = idx[0], sgn[0]
        acc = _add(_mul(consts[i], (sg * g[0], ge, w[0])), _exact(offset))
        out = _round(_mul(acc, _basis_factor(basis, prec, 0)) if orth else acc)
        if out is None:
            return None
        values.append(out[0])
        errors.append(out[1])
        k, g, w = 1, g[1:], w[1:]
    # per residue of k mod period: (sign * const mantissa, |const mantissa|, const error, exponent)
    cyc = []
    for r in range(period):
        cm, ce, cw = consts[idx[r % len(idx)]]
        sg = sgn[r % len(sgn)] * (-1 if (flip and r % 2 == 1) else 1)
        cyc.append((sg * cm, abs(cm), cw, ce + ge))
    seq = [cyc[kk % period] for kk in range(k, kmax + 1)]
    ulp = math.ulp
    if orth:
        _basis_factor(basis, prec, kmax)
        table = _FACTOR_TABLES[(basis, prec)]
    for kk, gm, gw, (km, akm, kw, e) in zip(range(k, kmax + 1), g, w, seq):
        if not gm and not gw:  # an exact zero
            values.append(0.0)
            errors.append(0.0)
            continue
        m = km * gm
        wt = akm * gw + abs(gm) * kw + kw * gw
        if orth:
            fm, fe, fw = table[kk]
            wt = abs(m) * fw + wt * (fm + fw)
            m *= fm
            e += fe
        if not wt:
            out = _round((m, e, 0))
            if out is None:
                return None
            values.append(out[0])
            errors.append(out[1])
            continue
        v = _decide(m, wt, e)
        if v is None:
            return None
        values.append(v)
        errors.append(0.5 * ulp(v))
    return values, errors

r"""Closed-form plain Hermite coefficients and dual kernels of the registry entries.

Every function ``<name>_coefficients(kmax, shift, scale)`` returns the list
:math:`\mu_k = E[f(\mathrm{scale}\,z + \mathrm{shift})\,He_k(z)]`, ``k = 0..kmax``, as
``mpmath.mpf`` numbers at the current ``mpmath.mp`` precision, for ``scale > 0`` (a negative scale
is the reflection :math:`z\mapsto -z`, which multiplies :math:`\mu_k` by :math:`(-1)^k`; the
registry applies it). Exact zeros are the integer ``0`` converted to ``mpf``, never ``-0.0``.
Sources: ``docs/theory/hermite.md#identities``; the shifted Gaussian CDF is derived in
``docs/hermite_conventions.md`` ("Closed forms").

Kernels ``<name>_kernel(rho, shift, scale)`` return :math:`E[f(su+c) f(sv+c)]` for standard
:math:`u, v` with correlation :math:`\rho` (numpy, vectorised over ``rho``), or ``None`` when not
known in closed form for these parameters (``docs/theory/hermite.md#transforms``).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

__all__ = [
    "he_values",
    "relu_coefficients",
    "abs_coefficients",
    "step_coefficients",
    "sign_coefficients",
    "normal_cdf_coefficients",
    "erf_coefficients",
    "gelu_coefficients",
    "exp_coefficients",
    "sin_coefficients",
    "cos_coefficients",
    "identity_coefficients",
    "monomial_coefficients",
    "polynomial_coefficients",
    "KERNELS",
]

mp = mpmath.mp


def he_values(x, kmax: int) -> list:
    r"""``He_0(x), ..., He_kmax(x)`` (probabilists') in mpmath by :math:`He_{k+1} = xHe_k - kHe_{k-1}`.

    >>> [int(v) for v in he_values(0, 6)]
    [1, 0, -1, 0, 3, 0, -15]
    """
    x = mp.mpf(x)
    out = [mp.mpf(1), x]
    for k in range(1, kmax):
        out.append(x * out[k] - k * out[k - 1])
    return out[: kmax + 1]


def _zeros(kmax: int) -> list:
    return [mp.mpf(0) for _ in range(kmax + 1)]


def relu_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`\max(sz+c, 0) = s\max(z+c', 0)`, :math:`c' = c/s`: :math:`\mu_0 = c'\Phi(c')+\varphi(c')`,
    :math:`\mu_1 = \Phi(c')`, :math:`\mu_k = \varphi(c')He_{k-2}(-c')` for :math:`k\ge2`, all times
    :math:`s` (``docs/theory/hermite.md#closed-forms``, "max(z+c, 0)")."""
    s = mp.mpf(scale)
    c = mp.mpf(shift) / s
    mu = [c * mp.ncdf(c) + mp.npdf(c), mp.ncdf(c)]
    if kmax >= 2:
        pc = mp.npdf(c)
        mu += [pc * h for h in he_values(-c, kmax - 2)]
    return [s * m for m in mu[: kmax + 1]]


def abs_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`|x| = \max(x,0) + \max(-x,0)`; the second term is the reflection of a shifted ReLU
    (``docs/theory/hermite.md#closed-forms``, "|z|")."""
    a = relu_coefficients(kmax, shift, scale)
    b = relu_coefficients(kmax, -mp.mpf(shift), scale)
    return [x + (y if k % 2 == 0 else -y) for k, (x, y) in enumerate(zip(a, b))]


def step_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`1\{sz+c>0\} = 1\{z + c'>0\}`: :math:`\mu_0 = \Phi(c')`, :math:`\mu_k = \varphi(c')He_{k-1}(-c')`
    (Stein's identity with the jump at :math:`-c'`; ``docs/theory/hermite.md#identities``, "step")."""
    c = mp.mpf(shift) / mp.mpf(scale)
    mu = [mp.ncdf(c)]
    if kmax >= 1:
        pc = mp.npdf(c)
        mu += [pc * h for h in he_values(-c, kmax - 1)]
    return mu[: kmax + 1]


def sign_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`\mathrm{sign} = 2\cdot\mathrm{step} - 1` (``docs/theory/hermite.md#closed-forms``, "sign")."""
    mu = [2 * m for m in step_coefficients(kmax, shift, scale)]
    mu[0] -= 1
    return mu


def normal_cdf_coefficients(kmax: int, shift=0, scale=1) -> list:
    r"""Coefficients of :math:`\Phi(sz + c)`.

    :math:`\mu_0 = \Phi(c/r)` and, for :math:`k\ge1`,
    :math:`\mu_k = E[\partial_z^k\Phi(sz+c)] = (-1)^{k-1} s^k\,He_{k-1}(c/r)\,\varphi(c/r)/r^k`
    with :math:`r = \sqrt{1+s^2}` (Stein's identity and Gaussian smoothing
    :math:`E_z\varphi(sz+c) = \varphi(c/r)/r`; derived in ``docs/hermite_conventions.md``). At
    :math:`c=0`, :math:`s=1` it is the :math:`C_m` of ``docs/theory/hermite.md#closed-forms`` ("GELU").
    """
    s, c = mp.mpf(scale), mp.mpf(shift)
    r = mp.sqrt(1 + s * s)
    t = c / r
    mu = [mp.ncdf(t)]
    if kmax >= 1:
        base = mp.npdf(t)
        q = s / r
        hv = he_values(t, kmax - 1)
        for k in range(1, kmax + 1):
            term = base * q**k * hv[k - 1]
            mu.append(term if k % 2 == 1 else -term)
    return mu[: kmax + 1]


def erf_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`\mathrm{erf}(sz+c) = 2\Phi(\sqrt2(sz+c)) - 1`; at :math:`c = 0` this is
    ``docs/theory/hermite.md#closed-forms``, "erf(az)": odd :math:`k=2j+1` give
    :math:`\frac{2a}{\sqrt\pi\sqrt{1+2a^2}}(2j-1)!!\big(\frac{-2a^2}{1+2a^2}\big)^j`."""
    r2 = mp.sqrt(2)
    mu = [2 * m for m in normal_cdf_coefficients(kmax, r2 * mp.mpf(shift), r2 * mp.mpf(scale))]
    mu[0] -= 1
    if shift == 0:  # odd function: exact zeros
        mu = [m if k % 2 == 1 else mp.mpf(0) for k, m in enumerate(mu)]
    return mu


def gelu_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`(sz+c)\Phi(sz+c)`: with :math:`C_m` the coefficients of :math:`\Phi(sz+c)`,
    :math:`\mu_k = s(C_{k+1} + kC_{k-1}) + cC_k` (product rule :math:`zHe_k = He_{k+1}+kHe_{k-1}`,
    ``docs/theory/hermite.md#identities``, "GELU")."""
    s, c = mp.mpf(scale), mp.mpf(shift)
    C = normal_cdf_coefficients(kmax + 1, shift, scale)
    mu = []
    for k in range(kmax + 1):
        v = C[k + 1] + (k * C[k - 1] if k >= 1 else 0)
        mu.append(s * v + c * C[k])
    if shift == 0:  # gelu - z/2 is even: odd k >= 3 vanish
        mu = [m if (k < 3 or k % 2 == 0) else mp.mpf(0) for k, m in enumerate(mu)]
    return mu


def exp_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`E[e^{sz+c}He_k] = s^k e^{c+s^2/2}` (generating function, ``docs/theory/hermite.md#identities``)."""
    s, c = mp.mpf(scale), mp.mpf(shift)
    pref = mp.exp(c + s * s / 2)
    return [pref * s**k for k in range(kmax + 1)]


def _trig(kmax, shift, scale, part):
    # E[exp(i(sz+c)) He_k] = e^{ic} (is)^k e^{-s^2/2}; i^k cycles 1, i, -1, -i.
    s, c = mp.mpf(scale), mp.mpf(shift)
    pref = mp.exp(-s * s / 2)
    cos_c, sin_c = (mp.mpf(1), mp.mpf(0)) if c == 0 else (mp.cos(c), mp.sin(c))
    out = []
    for k in range(kmax + 1):
        re_ik, im_ik = ((1, 0), (0, 1), (-1, 0), (0, -1))[k % 4]
        # e^{ic} i^k = (cos c + i sin c)(re + i im)
        re = cos_c * re_ik - sin_c * im_ik
        im = cos_c * im_ik + sin_c * re_ik
        v = re if part == "re" else im
        out.append(mp.mpf(0) if v == 0 else pref * s**k * v)
    return out


def sin_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`E[\sin(sz+c)He_k] = \mathrm{Im}[e^{ic}(is)^k]e^{-s^2/2}` (``docs/theory/hermite.md#closed-forms``)."""
    return _trig(kmax, shift, scale, "im")


def cos_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`E[\cos(sz+c)He_k] = \mathrm{Re}[e^{ic}(is)^k]e^{-s^2/2}` (``docs/theory/hermite.md#closed-forms``)."""
    return _trig(kmax, shift, scale, "re")


def identity_coefficients(kmax: int, shift=0, scale=1) -> list:
    r""":math:`sz + c = c\,He_0 + s\,He_1`."""
    mu = _zeros(kmax)
    mu[0] = mp.mpf(shift)
    if kmax >= 1:
        mu[1] = mp.mpf(scale)
    return mu


def monomial_coefficients(n: int, kmax: int) -> list:
    r""":math:`E[z^n He_k] = \frac{n!}{2^m m!}` if :math:`n-k = 2m \ge 0`, else 0 (``docs/theory/hermite.md#identities``,
    "Monomials"). Exact integers as mpf. Example: :math:`z^4 = He_4 + 6He_2 + 3`, so the plain
    coefficients are :math:`3\cdot0!, 0, 6\cdot2!, 0, 1\cdot4!`:

    >>> [int(v) for v in monomial_coefficients(4, 4)] == [3, 0, 6 * 2, 0, 24]
    True
    """
    mu = _zeros(kmax)
    for k in range(min(n, kmax) + 1):
        if (n - k) % 2 == 0:
            m = (n - k) // 2
            mu[k] = mp.mpf(math.factorial(n) // (2**m * math.factorial(m)))
    return mu


def polynomial_coefficients(kmax: int, monomial) -> list:
    r"""Plain coefficients of :math:`\sum_n a_n z^n` (linear in the monomial formula above)."""
    mu = _zeros(kmax)
    for n, a in enumerate(monomial):
        if a != 0:
            a = mp.mpf(a)
            for k, v in enumerate(monomial_coefficients(n, kmax)):
                if v != 0:
                    mu[k] += a * v
    return mu


# ----------------------------------------------------------------------------- dual kernels
def _clip(rho):
    return np.clip(np.asarray(rho, dtype=float), -1.0, 1.0)


def relu_kernel(rho, shift, scale):
    r"""ReLU: :math:`s^2\frac{\sqrt{1-\rho^2}+\rho(\pi-\arccos\rho)}{2\pi}` (``docs/theory/hermite.md#transforms``)."""
    if shift != 0:
        return None
    rho = _clip(rho)
    return scale**2 * (np.sqrt(1 - rho**2) + rho * (np.pi - np.arccos(rho))) / (2 * np.pi)


def abs_kernel(rho, shift, scale):
    r""":math:`|z|`: :math:`s^2\frac{2}{\pi}(\sqrt{1-\rho^2}+\rho\arcsin\rho)` (``docs/activations.md``:
    :math:`|x| = \mathrm{relu}(x) + \mathrm{relu}(-x)` and the ReLU kernel at :math:`\pm\rho`)."""
    if shift != 0:
        return None
    rho = _clip(rho)
    return scale**2 * (2 / np.pi) * (np.sqrt(1 - rho**2) + rho * np.arcsin(rho))


def step_kernel(rho, shift, scale):
    r"""Step: :math:`\frac14+\frac{\arcsin\rho}{2\pi}` (``docs/theory/hermite.md#transforms``)."""
    if shift != 0:
        return None
    return 0.25 + np.arcsin(_clip(rho)) / (2 * np.pi)


def sign_kernel(rho, shift, scale):
    r"""Sign: :math:`\frac2\pi\arcsin\rho` (``docs/theory/hermite.md#transforms``)."""
    if shift != 0:
        return None
    return (2 / np.pi) * np.arcsin(_clip(rho))


def erf_kernel(rho, shift, scale):
    r""":math:`\mathrm{erf}(az)`: :math:`\frac2\pi\arcsin\frac{2a^2\rho}{1+2a^2}` (``docs/theory/hermite.md#transforms``)."""
    if shift != 0:
        return None
    a2 = scale**2
    return (2 / np.pi) * np.arcsin(2 * a2 * _clip(rho) / (1 + 2 * a2))


def exp_kernel(rho, shift, scale):
    r""":math:`e^{sz+c}`: :math:`e^{2c+s^2(1+\rho)}` (``docs/theory/hermite.md#transforms``)."""
    return np.exp(2 * shift + scale**2 * (1 + np.asarray(rho, dtype=float)))


def sin_kernel(rho, shift, scale):
    r""":math:`\sin(sz+c)`: :math:`\frac12e^{-s^2(1-\rho)} - \frac12\cos(2c)e^{-s^2(1+\rho)}`
    (product-to-sum and :math:`E\cos(a(u\mp v)) = e^{-a^2(1\mp\rho)}`)."""
    rho = np.asarray(rho, dtype=float)
    s2 = scale**2
    return 0.5 * np.exp(-s2 * (1 - rho)) - 0.5 * math.cos(2 * shift) * np.exp(-s2 * (1 + rho))


def cos_kernel(rho, shift, scale):
    r""":math:`\cos(sz+c)`: :math:`\frac12e^{-s^2(1-\rho)} + \frac12\cos(2c)e^{-s^2(1+\rho)}`."""
    rho = np.asarray(rho, dtype=float)
    s2 = scale**2
    return 0.5 * np.exp(-s2 * (1 - rho)) + 0.5 * math.cos(2 * shift) * np.exp(-s2 * (1 + rho))


def identity_kernel(rho, shift, scale):
    r""":math:`sz+c`: :math:`s^2\rho + c^2`."""
    return scale**2 * np.asarray(rho, dtype=float) + shift**2


KERNELS = {
    "relu": relu_kernel,
    "abs": abs_kernel,
    "step": step_kernel,
    "sign": sign_kernel,
    "erf": erf_kernel,
    "exp": exp_kernel,
    "sin": sin_kernel,
    "cos": cos_kernel,
    "identity": identity_kernel,
}

r"""Marchenko-Pastur averages by the cosine substitution (``docs/theory/risk.md#marchenko-pastur``).

For a :math:`p\times d` matrix :math:`W` with i.i.d. rows of unit norm (or :math:`N(0, I/d)` rows)
and :math:`\beta = p/d`, the eigenvalues of :math:`WW^\top` follow, as :math:`p, d\to\infty`, the
Marchenko-Pastur law :math:`\mathrm{MP}_\beta` with density

.. math:: \frac{\sqrt{(x_+-x)(x-x_-)}}{2\pi\beta x}\quad\text{on }[x_-, x_+],\qquad x_\pm = (1\pm\sqrt\beta)^2,

plus an atom of mass :math:`1 - 1/\beta` at 0 when :math:`\beta > 1`. The substitution
:math:`x = x_- + (x_+-x_-)(1-\cos\vartheta)/2` turns :math:`\int g\,d\mathrm{MP}_\beta` into

.. math:: \int_0^\pi g(x(\vartheta))\,\frac{(x_+-x_-)^2\sin^2\vartheta}{8\pi\beta\,x(\vartheta)}\,d\vartheta ,

a smooth periodic integrand for smooth :math:`g` (at :math:`\beta = 1`, where :math:`x_- = 0`, the
ratio :math:`\sin^2\vartheta/x = 4\cos^2(\vartheta/2)/x_+` stays smooth too), so the midpoint rule
converges geometrically. ``scale`` multiplies the eigenvalues (:math:`c\cdot\mathrm{MP}_\beta` of the
spiked-RF bulk, ``docs/theory/risk.md#marchenko-pastur``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .._checks import check_integer, check_positive

__all__ = ["mp_edges", "mp_rule", "mp_average", "DEFAULT_MP_NODES"]

DEFAULT_MP_NODES = 400


def mp_edges(beta, scale=1.0):
    r"""Edges :math:`(c\,x_-, c\,x_+)` of the continuous part of :math:`c\cdot\mathrm{MP}_\beta`.

    >>> mp_edges(1.0)
    (0.0, 4.0)
    """
    beta = check_positive(beta, "beta")
    scale = check_positive(scale, "scale")
    sb = math.sqrt(beta)
    return scale * (1.0 - sb) ** 2, scale * (1.0 + sb) ** 2


@lru_cache(maxsize=128)
def _mp_rule(beta: float, scale: float, n_nodes: int):
    sb = math.sqrt(beta)
    xm, xp = (1.0 - sb) ** 2, (1.0 + sb) ** 2
    theta = (np.arange(n_nodes) + 0.5) * (math.pi / n_nodes)
    half = 0.5 * (xp - xm)
    x = xm + half * (1.0 - np.cos(theta))
    # sin^2(theta) / x, written stably: 1 - cos = 2 sin^2(theta/2)
    s2 = np.sin(theta) ** 2
    w = (math.pi / n_nodes) * half**2 * s2 / (2.0 * math.pi * beta * x)
    if beta > 1.0:
        x = np.concatenate([[0.0], x])
        w = np.concatenate([[1.0 - 1.0 / beta], w])
    x = scale * x
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def mp_rule(beta, *, scale=1.0, n_nodes: int = DEFAULT_MP_NODES):
    r"""Nodes ``x`` and weights ``w`` with :math:`\sum_j w_j g(x_j) \approx \int g\,d(c\cdot\mathrm{MP}_\beta)`.

    The weights sum to 1 (the atom at 0 for :math:`\beta > 1` is the first node). Cached; the
    arrays are read-only.

    Examples
    --------
    The first moments of :math:`\mathrm{MP}_\beta` are 1 and :math:`1+\beta`:

    >>> x, w = mp_rule(0.5)
    >>> bool(np.isclose(w.sum(), 1.0, atol=1e-13) and np.isclose(w @ x, 1.0, atol=1e-13))
    True
    >>> x, w = mp_rule(2.0, scale=3.0)
    >>> bool(np.isclose(w @ x, 3.0, atol=1e-12) and np.isclose(w @ x**2, 9.0 * 3.0, atol=1e-11))
    True
    """
    beta = check_positive(beta, "beta")
    scale = check_positive(scale, "scale")
    n_nodes = check_integer(n_nodes, "n_nodes", minimum=8)
    return _mp_rule(beta, scale, n_nodes)


def mp_average(g, beta, *, scale=1.0, n_nodes: int = DEFAULT_MP_NODES):
    r""":math:`\int g\,d(c\cdot\mathrm{MP}_\beta)` for a vectorised ``g``.

    >>> # Stieltjes transform at z = -1 of MP_1: (sqrt(5) - 1) / 2
    >>> bool(np.isclose(mp_average(lambda x: 1 / (1 + x), 1.0), (np.sqrt(5) - 1) / 2, atol=1e-12))
    True
    """
    x, w = mp_rule(beta, scale=scale, n_nodes=n_nodes)
    return float(w @ np.asarray(g(x), dtype=float))

r"""Each paper's learning rate and ridge penalty, mapped onto this library's conventions.

The library's per-neuron step ``lr`` (:math:`\tau`) is defined by (``docs/theory/conventions.md#the-network``,
``docs/theory/conventions.md#the-step``)

.. math:: w_i \leftarrow w_i + \tau\, s_i\, \frac1n \sum_\mu r_\mu\, \sigma'(w_i\cdot x_\mu)\, x_\mu ,

with readout values :math:`s_i` of unit scale. The ridge penalty ``lam`` is :math:`\lambda_C` of the
reference objective :math:`\sum_\mu (y_\mu - a\cdot h_\mu/\sqrt p)^2 + \lambda_C |a|^2`
(``docs/theory/conventions.md#ridge-normalisation``).

=================  =====================================  ==============================
paper              their step                             ``lr`` (tau)
=================  =====================================  ==============================
Ba et al. 2022     :math:`W_1 = W_0 + \eta\sqrt N G_0`    :math:`\eta/\sqrt N`
Moniri et al.      :math:`W_1 = W_0 + \eta G`, n^alpha    :math:`\eta/\sqrt N`
Cui et al. 2024    :math:`\eta = \tilde\eta p`            :math:`\tilde\eta`
Dandi et al. 2024  :math:`\eta = \eta_0 p d^{(l-1)/2}`    :math:`\eta/p`
=================  =====================================  ==============================

>>> lr = lr_from_moniri(0.25, n=10_000, width=400)
>>> round(moniri_alpha(lr, n=10_000, width=400), 12)
0.25
>>> lam_to_ba(lam_from_ba(0.3, n_ridge=2000, width=500), n_ridge=2000, width=500)
0.3
"""

from __future__ import annotations

import math

from .._checks import check_finite, check_nonnegative, check_positive

__all__ = [
    "lr_from_ba",
    "lr_from_moniri",
    "lr_from_cui",
    "lr_from_dandi",
    "dandi_eta",
    "moniri_alpha",
    "lr_from_moniri_hassani",
    "moniri_hassani_alpha",
    "lam_from_ba",
    "lam_to_ba",
    "lam_from_moniri",
    "lam_to_moniri",
    "lam_from_per_sample",
    "lam_to_per_sample",
]


def lr_from_ba(eta, width):
    r"""Ba et al. (2022) step :math:`W_1 = W_0 + \eta\sqrt N G_0` gives :math:`\tau = \eta/\sqrt N`."""
    return check_finite(eta, "eta") / math.sqrt(check_positive(width, "width"))


def lr_from_moniri(alpha, n, width, eta0=1.0):
    r"""Moniri et al. (2024): :math:`\eta = \eta_0 n^\alpha` and :math:`W_1 = W_0 + \eta G`, so :math:`\tau = \eta/\sqrt N`."""
    alpha = check_finite(alpha, "alpha")
    n = check_positive(n, "n")
    return check_finite(eta0, "eta0") * n**alpha / math.sqrt(check_positive(width, "width"))


def lr_from_moniri_hassani(alpha, width, eta0=1.0):
    r"""Moniri & Hassani (2026, arXiv:2605.17767): :math:`\eta_t = \eta_0 N^{\alpha_t}` (:math:`N` = ``width``) and
    :math:`W_t = W_{t-1} + \eta_t G`, so :math:`\tau_t = \eta_t/\sqrt N = \eta_0 N^{\alpha_t - 1/2}`.

    >>> lr_from_moniri_hassani(0.25, 10_000)
    0.1
    """
    alpha = check_finite(alpha, "alpha")
    width = check_positive(width, "width")
    return check_finite(eta0, "eta0") * width ** (alpha - 0.5)


def moniri_hassani_alpha(lr, width):
    r"""Inverse of :func:`lr_from_moniri_hassani` with :math:`\eta_0 = 1`: :math:`\alpha = \log(\tau\sqrt N)/\log N`
    (``-inf`` for a zero step).

    >>> round(moniri_hassani_alpha(0.1, 10_000), 12)
    0.25
    """
    return _log_exponent(lr, width, base=width, base_name="width")


def lr_from_cui(eta_tilde):
    r"""Cui et al. (2024): :math:`\eta = \tilde\eta p` with readout :math:`a_i = p^{-1/2}`, so :math:`\tau = \tilde\eta`."""
    return check_finite(eta_tilde, "eta_tilde")


def lr_from_dandi(eta, width):
    r"""Dandi et al. (2024): :math:`f = p^{-1/2}\sum a_i\sigma`, :math:`a_i = \pm p^{-1/2}`, so :math:`\tau = \eta/p`."""
    return check_finite(eta, "eta") / check_positive(width, "width")


def dandi_eta(eta0, width, d, ell):
    r"""Dandi et al.'s learning rate :math:`\eta = \eta_0\, p\, d^{(\ell-1)/2}` for a batch :math:`n = \Theta(d^\ell)`."""
    return check_finite(eta0, "eta0") * check_positive(width, "width") * check_positive(d, "d") ** (
        (check_positive(ell, "ell") - 1) / 2
    )


def moniri_alpha(lr, n, width):
    r"""Moniri's exponent :math:`\alpha = \log(\tau\sqrt N)/\log n` of the step :math:`\eta = n^\alpha`."""
    return _log_exponent(lr, width, base=n, base_name="n")


def _log_exponent(lr, width, *, base, base_name: str) -> float:
    r""":math:`\log(\tau\sqrt N)/\log(\mathrm{base})`, the exponent of :math:`\eta = \tau\sqrt N = \mathrm{base}^\alpha`
    (``-inf`` for a zero step)."""
    lr = abs(check_finite(lr, "lr"))
    base = check_positive(base, base_name)
    width = check_positive(width, "width")
    if lr == 0:
        return float("-inf")
    if base <= 1:
        raise ValueError(f"{base_name} must be > 1 to define alpha; got {base}")
    return math.log(lr * math.sqrt(width)) / math.log(base)


def lam_from_ba(lam, n_ridge, width):
    r"""Ba et al.: :math:`\frac1n|y-\Phi a|^2 + \frac{\lambda}{N}|a|^2`, :math:`\Phi = \sigma(XW)/\sqrt N`, gives :math:`\lambda_C = \lambda n/N` (``docs/theory/conventions.md#ridge-normalisation``)."""
    return check_nonnegative(lam, "lam") * check_positive(n_ridge, "n_ridge") / check_positive(width, "width")


def lam_to_ba(lam, n_ridge, width):
    """Inverse of :func:`lam_from_ba`."""
    return check_nonnegative(lam, "lam") * check_positive(width, "width") / check_positive(n_ridge, "n_ridge")


def lam_from_moniri(lam, n_ridge, width):
    r"""Moniri et al. (reconstructed): :math:`\frac1n|y - Fa|^2 + \lambda|a|^2`, :math:`F = \sigma(XW)`, gives :math:`\lambda_C = \lambda n/N`."""
    return lam_from_ba(lam, n_ridge, width)


def lam_to_moniri(lam, n_ridge, width):
    """Inverse of :func:`lam_from_moniri`."""
    return lam_to_ba(lam, n_ridge, width)


def lam_from_per_sample(lam, n_ridge, width):
    r"""Per-sample form :math:`\frac1n|y-\Phi' b|^2 + \lambda_B|b|^2`, :math:`b = a/\sqrt p`: :math:`\lambda_C = \lambda_B n/p`."""
    return lam_from_ba(lam, n_ridge, width)


def lam_to_per_sample(lam, n_ridge, width):
    """Inverse of :func:`lam_from_per_sample`."""
    return lam_to_ba(lam, n_ridge, width)

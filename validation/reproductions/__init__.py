"""Figures of the regimes beyond the four one-step papers, one module each, plugged into
:func:`validation.reproduce` (``onegrad reproduce NAME``) by :mod:`validation.reproduce`."""

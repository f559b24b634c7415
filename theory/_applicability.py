"""The explicit "no prediction here" of a theory function.

A theory function raises :class:`NotApplicable` when its equations say nothing about the setup it
was given (a regime outside every covered one, a readout or a target the derivation excludes, an
activation whose step plants no spike). Any other exception means bad input or a failure. The
distinction matters to :func:`validation.compare`, which skips a quantity only on ``NotApplicable``
and reports every other exception as an error.

>>> issubclass(NotApplicable, ValueError)   # old callers that catch ValueError keep working
True
"""

from __future__ import annotations

__all__ = ["NotApplicable"]


class NotApplicable(ValueError):
    """The theory has no prediction for this setup; the message says why and what is covered."""

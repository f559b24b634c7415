"""onegrad's theory package: deterministic equivalents after one (or a few) gradient steps.

Pure functions and frozen dataclasses: numbers in, numbers out. See ``docs/`` for the
mathematics and ``../shared/DESIGN.md`` for the public surface.
"""

from . import conventions
from .activations import Activation, activation, available_activations
from .hermite import HermiteResult, hermite_coefficients
from .onestep import OneStep

__all__ = [
    "Activation",
    "HermiteResult",
    "OneStep",
    "activation",
    "available_activations",
    "conventions",
    "hermite_coefficients",
]

__version__ = "0.1.0"

"""onegrad's theory package: deterministic equivalents after one (or a few) gradient steps.

Pure functions and frozen dataclasses: numbers in, numbers out. See ``docs/`` for the
mathematics and ``../shared/DESIGN.md`` for the public surface.
"""

from . import conventions
from .activations import Activation, activation, available_activations
from .hermite import HermiteResult, hermite_coefficients
from .onestep import OneStep
from .multi_index import MultiIndexTarget
from .multi_hermite import HermiteTensors, hermite_tensor, hermite_tensors

__all__ = [
    "Activation",
    "HermiteResult",
    "HermiteTensors",
    "MultiIndexTarget",
    "OneStep",
    "activation",
    "available_activations",
    "conventions",
    "hermite_coefficients",
    "hermite_tensor",
    "hermite_tensors",
]

__version__ = "0.1.0"

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
from .spikes import SpikeDegrees, feature_spikes, learned_overlap, spike_degrees, weight_spike
from .feature_spectrum import Spike, SpikeSpectrum
from .subspaces import LeapIndex, Staircase, Subspace, leap_index, learnable_subspace, staircase

__all__ = [
    "Activation",
    "HermiteResult",
    "HermiteTensors",
    "LeapIndex",
    "MultiIndexTarget",
    "OneStep",
    "Spike",
    "SpikeDegrees",
    "SpikeSpectrum",
    "Staircase",
    "Subspace",
    "activation",
    "available_activations",
    "conventions",
    "hermite_coefficients",
    "hermite_tensor",
    "hermite_tensors",
    "feature_spikes",
    "leap_index",
    "learned_overlap",
    "learnable_subspace",
    "spike_degrees",
    "staircase",
    "weight_spike",
]

__version__ = "0.1.0"

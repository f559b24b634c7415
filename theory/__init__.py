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
from .floors import ErrorFloor, ErrorTable, error_floor, error_table, kernel_error, linear_kernel_error, random_features_error
from .giant_step import AlignmentLaw, NeuronPrediction, SpecialisationLaw, alignment_law, predict_neurons, specialisation_law
from .subspaces import LeapIndex, Staircase, Subspace, leap_index, learnable_subspace, staircase

__all__ = [
    "Activation",
    "AlignmentLaw",
    "ErrorFloor",
    "ErrorTable",
    "HermiteResult",
    "HermiteTensors",
    "LeapIndex",
    "MultiIndexTarget",
    "NeuronPrediction",
    "OneStep",
    "Spike",
    "SpikeDegrees",
    "SpikeSpectrum",
    "SpecialisationLaw",
    "Staircase",
    "Subspace",
    "activation",
    "alignment_law",
    "available_activations",
    "error_floor",
    "error_table",
    "conventions",
    "hermite_coefficients",
    "hermite_tensor",
    "hermite_tensors",
    "feature_spikes",
    "leap_index",
    "learned_overlap",
    "learnable_subspace",
    "spike_degrees",
    "kernel_error",
    "leap_index",
    "predict_neurons",
    "random_features_error",
    "specialisation_law",
    "learnable_subspace",
    "linear_kernel_error",
    "staircase",
    "weight_spike",
]

# --- limiting train and test error (risk helper)
from .moments import GaussianMoments, gaussian_moments  # noqa: E402
from .srf import SRFParameters, srf_parameters  # noqa: E402
from . import marchenko_pastur, solvers  # noqa: E402
from .risk import RiskResult, risk, select_method  # noqa: E402

__all__ += ["GaussianMoments", "RiskResult", "SRFParameters", "gaussian_moments", "marchenko_pastur", "risk",
            "select_method", "solvers", "srf_parameters"]

# --- Hermite engine: moments, transforms, dual kernels (hermite helper)
from .moments import derivative_second_moment, mu_star, second_moment  # noqa: E402
from .transforms import derivative_coefficients, gaussian_smoothing, scaled_coefficients  # noqa: E402
from .dual_kernel import DualKernel, dual_kernel  # noqa: E402

__all__ += [
    "DualKernel",
    "derivative_coefficients",
    "derivative_second_moment",
    "dual_kernel",
    "gaussian_smoothing",
    "mu_star",
    "scaled_coefficients",
    "second_moment",
    "symbolic",
]


def __getattr__(name):
    """``theory.symbolic`` is imported on first use (it imports sympy, which is slow to load)."""
    if name == "symbolic":
        import importlib

        return importlib.import_module(".symbolic", __name__)
    raise AttributeError(f"module 'theory' has no attribute {name!r}")


__version__ = "0.1.0"

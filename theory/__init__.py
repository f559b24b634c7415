"""onegrad's theory package: deterministic equivalents after one (or a few) gradient steps.

Pure functions and frozen dataclasses: numbers in, numbers out. The public surface is flat (every
name below); the code lives in subpackages by topic (``docs/architecture.md``):

* :mod:`theory.hermite` -- Hermite coefficients, closed forms, high precision, symbolic, the activation
  registry, transforms, moments, dual kernels;
* :mod:`theory.model` -- the experiment :class:`OneStep` and each paper's conventions;
* :mod:`theory.spikes` -- outliers of the weights and of the features after the step;
* :mod:`theory.ridge` -- limiting train and test error of ridge (:func:`risk`), the GE system, solvers;
* :mod:`theory.multi_index` -- multi-index targets, Hermite tensors, subspaces, giant-step laws, floors.

``theory.symbolic``, ``theory.conventions``, ``theory.marchenko_pastur`` and ``theory.solvers`` are
public module paths kept stable as thin aliases of their subpackage modules.
"""

from . import conventions
from .hermite.activations import Activation, activation, available_activations
from .hermite.engine import HermiteResult, hermite_coefficients
from .model.onestep import OneStep
from .multi_index.targets import MultiIndexTarget
from .multi_index.tensors import HermiteTensors, hermite_tensor, hermite_tensors
from .spikes.predictions import SpikeDegrees, learned_overlap, spike_degrees, weight_spike
from .spikes.feature_spectrum import Spike, SpikeSpectrum, feature_spikes
from .multi_index.floors import ErrorFloor, ErrorTable, error_floor, error_table, kernel_error, linear_kernel_error, random_features_error
from .multi_index.giant_step import AlignmentLaw, NeuronPrediction, SpecialisationLaw, alignment_law, predict_neurons, specialisation_law
from .multi_index.subspaces import LeapIndex, Staircase, Subspace, leap_index, learnable_subspace, staircase

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
    "predict_neurons",
    "random_features_error",
    "specialisation_law",
    "linear_kernel_error",
    "staircase",
    "weight_spike",
]

# --- limiting train and test error (risk helper)
from .hermite.moments import GaussianMoments, gaussian_moments  # noqa: E402
from .ridge.srf import SRFParameters, srf_parameters  # noqa: E402
from . import marchenko_pastur, solvers  # noqa: E402
from .ridge.limiting_error import RiskResult, risk, select_method  # noqa: E402

__all__ += ["GaussianMoments", "RiskResult", "SRFParameters", "gaussian_moments", "marchenko_pastur", "risk",
            "select_method", "solvers", "srf_parameters"]

# --- Hermite engine: moments, transforms, dual kernels (hermite helper)
from .hermite.moments import derivative_second_moment, mu_star, second_moment  # noqa: E402
from .hermite.transforms import derivative_coefficients, gaussian_smoothing, scaled_coefficients  # noqa: E402
from .hermite.dual_kernel import DualKernel, dual_kernel  # noqa: E402

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

# --- the safe expression language: text -> sympy by a whitelist, numbers by a tree walk (docs/security.md)
from .hermite.expressions import numeric_function, parse_expression  # noqa: E402
from .hermite.expression_eval import check_expression  # noqa: E402
from .hermite.guards import AccuracyWarning  # noqa: E402

__all__ += ["AccuracyWarning", "check_expression", "numeric_function", "parse_expression"]


# --- "no prediction for this setup": theory functions raise it, validation.compare skips only it
from ._applicability import NotApplicable  # noqa: E402

__all__ += ["NotApplicable"]

# --- the regimes of one step (theory.regimes: one module each) and the step's statistics computed once
from . import regimes  # noqa: E402
from .regimes import register as register_regime  # noqa: E402
from .model.statistics import StepStatistics, step_statistics  # noqa: E402

__all__ += ["StepStatistics", "regimes", "register_regime", "step_statistics"]

# --- two gradient steps (issue 15; Moniri & Hassani, arXiv:2605.17767): the outliers of the weights W_2
from .spikes.two_step import TwoStepCount, TwoStepSpikes, WeightOutlier, two_step_outlier_count, two_step_spikes  # noqa: E402

__all__ += ["TwoStepCount", "TwoStepSpikes", "WeightOutlier", "two_step_outlier_count", "two_step_spikes"]
# the features and the ridge error after two steps (regime "two_step", docs/derivations/two_step_risk.md)
from .spikes.two_step_features import TwoStepFeatureSpikes, two_step_feature_spikes  # noqa: E402
from .regimes.two_step import effective_setup as two_step_effective_setup  # noqa: E402

__all__ += ["TwoStepFeatureSpikes", "two_step_effective_setup", "two_step_feature_spikes"]


# --- Gaussian-mixture inputs (issue 16; Demir & Dogan, arXiv:2503.00856): the data model and its theory
from .model.data import DenseCovariance, GaussianMixture, SpikedCovariance  # noqa: E402
from . import mixtures  # noqa: E402

__all__ += ["DenseCovariance", "GaussianMixture", "SpikedCovariance", "mixtures"]

def __getattr__(name):
    """``theory.symbolic`` is imported on first use (it imports sympy, which is slow to load)."""
    if name == "symbolic":
        import importlib

        return importlib.import_module(".symbolic", __name__)
    raise AttributeError(f"module 'theory' has no attribute {name!r}")


__version__ = "0.1.0"

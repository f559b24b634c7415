"""onegrad's validation package: Monte Carlo of the finite-size experiment, comparison with
theory, sweeps, the ``onegrad`` command and plots."""

from .seeding import as_seed_sequence

__all__ = ["as_seed_sequence"]

# --- Monte Carlo and comparison (docs/api.md: validation.simulate(...), validation.compare(...))
from .stats import Estimate, estimate  # noqa: E402
from .simulate import SimulationResult, simulate  # noqa: E402
from .compare import Comparison, compare  # noqa: E402

__all__ += ["Comparison", "Estimate", "SimulationResult", "compare", "estimate", "simulate"]

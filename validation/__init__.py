"""onegrad's validation package: Monte Carlo of the finite-size experiment, comparison with
theory, sweeps, the ``onegrad`` command and plots."""

from .seeding import as_seed_sequence

__all__ = ["as_seed_sequence"]

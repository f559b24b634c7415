"""Multi-index targets and giant steps (Dandi et al. 2024, arXiv:2305.18270).

* :mod:`~theory.multi_index.targets` -- :class:`~theory.MultiIndexTarget`;
* :mod:`~theory.multi_index.tensors` -- Hermite tensors :math:`C_k` of a target;
* :mod:`~theory.multi_index.subspaces` -- learnable subspaces, leap index, staircase;
* :mod:`~theory.multi_index.giant_step` -- per-neuron laws after one giant step;
* :mod:`~theory.multi_index.floors` -- error floors and kernel baselines.
"""

__all__: list[str] = []

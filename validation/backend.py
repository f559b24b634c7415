"""Array backends of the simulator: numpy (default) or torch, through the array API standard.

``validation.simulate(..., backend="torch", device="cuda")`` runs each trial's large arithmetic
(draws, products, activations, Gram matrices, eigenvalues, the ridge solve, the test stream) with
torch tensors on ``device``, written once against the array API (``array-api-compat`` gives torch
the standard namespace; numpy 2 is one already), in :mod:`validation.backend_trial`. Both are
optional: ``pip install "onegrad[accel]"``.

Random streams. Each role of a trial keeps its ``SeedSequence`` (:mod:`validation.seeding`); the
numpy backend draws from ``PCG64`` on it (the same values as the default path), the torch backend
seeds a ``torch.Generator`` on the device from it. The same seed therefore gives the same
*distribution* on both backends, not the same numbers (``tests/test_simulate_backend.py`` checks
the distribution by a two-sample test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BACKENDS", "TORCH_MEASURES", "ArrayBackend", "get_backend"]

BACKENDS = ("numpy", "torch")
#: Measures available on the torch backend (model "network").
TORCH_MEASURES = ("overlap", "spectrum", "bulk_edge", "ridge", "neurons")

_PLAIN = {"shift": 0.0, "scale": 1.0, "amplitude": 1.0, "offset": 0.0, "center": False}


@dataclass(frozen=True)
class ArrayBackend:
    """One array library: its array-API namespace ``xp``, the device, and its random draws."""

    name: str
    xp: object
    device: object = None

    def dtype(self, np_dtype):
        return self.xp.float32 if np.dtype(np_dtype) == np.float32 else self.xp.float64

    def generator(self, seq: np.random.SeedSequence):
        """A random generator seeded from one role's ``SeedSequence``."""
        if self.name == "numpy":
            return np.random.Generator(np.random.PCG64(seq))
        import torch

        g = torch.Generator(device=self.device)
        g.manual_seed(int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1)))
        return g

    def normal(self, gen, shape, dtype):
        """Standard normal draws of ``shape`` (numpy: drawn in float64 and rounded, as the default path)."""
        if self.name == "numpy":
            return gen.standard_normal(shape).astype(dtype, copy=False)
        import torch

        return torch.randn(shape, generator=gen, dtype=self.dtype(dtype), device=self.device)

    def signs(self, gen, size, dtype):
        """Independent signs +-1 with probability 1/2 each."""
        if self.name == "numpy":
            return gen.choice(np.array([-1.0, 1.0]), size=size).astype(dtype, copy=False)
        import torch

        u = torch.randint(0, 2, (size,), generator=gen, device=self.device)
        return (2 * u - 1).to(self.dtype(dtype))

    def asarray(self, a, dtype=None):
        dt = None if dtype is None else self.dtype(dtype)
        return self.xp.asarray(np.asarray(a), dtype=dt, device=self.device)

    def to_numpy(self, a) -> np.ndarray:
        """A float64 numpy copy (from any device)."""
        if self.name == "numpy":
            return np.asarray(a, dtype=float)
        return a.detach().to("cpu").double().numpy()

    def activation(self, act, *, derivative: bool = False):
        """``sigma`` (or ``sigma'``) as a function of backend arrays: a native expression for the plain
        registry activations, else the activation's numpy function evaluated on the host."""
        xp = self.xp
        name = getattr(act, "name", None)
        plain = getattr(act, "params", None) == _PLAIN
        native = None
        if self.name != "numpy" and plain:
            native = _native(xp, name, derivative)
        if native is not None:
            return native
        from .surrogates import apply_activation

        if derivative:
            fn = act.derivative if act.derivative is not None else act.deriv
        else:
            fn = act.func

        def host(Z):
            out = apply_activation(fn, self.to_numpy(Z))
            return self.asarray(out, dtype=np.float32 if Z.dtype == xp.float32 else np.float64)

        return host if self.name != "numpy" else (lambda Z: apply_activation(fn, Z))


def _native(xp, name, derivative):
    if name == "tanh":
        return (lambda Z: 1 - xp.tanh(Z) ** 2) if derivative else xp.tanh
    if name == "relu":
        return (lambda Z: xp.astype(Z > 0, Z.dtype)) if derivative else (lambda Z: xp.where(Z > 0, Z, xp.zeros_like(Z)))
    if name == "identity":
        return (lambda Z: xp.ones_like(Z)) if derivative else (lambda Z: Z)
    if name == "sin":
        return xp.cos if derivative else xp.sin
    if name == "cos":
        return (lambda Z: -xp.sin(Z)) if derivative else xp.cos
    if name == "exp":
        return xp.exp
    if name == "sigmoid":
        def sig(Z):
            return 1 / (1 + xp.exp(-Z))
        return (lambda Z: sig(Z) * (1 - sig(Z))) if derivative else sig
    if name == "erf":
        import torch

        return (lambda Z: (2 / math.sqrt(math.pi)) * xp.exp(-Z * Z)) if derivative else torch.special.erf
    return None


def get_backend(name: str = "numpy", device=None) -> ArrayBackend:
    """The backend ``name`` (:data:`BACKENDS`) on ``device`` (torch: ``"cpu"``, ``"cuda"``, ``"cuda:1"``...;
    numpy: ``None`` or ``"cpu"``).

    Raises
    ------
    ValueError
        Unknown backend or device.
    ImportError
        torch or array-api-compat not installed (``pip install "onegrad[accel]"``).
    """
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}; got {name!r}")
    if name == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(f"device must be None or 'cpu' with backend='numpy'; got {device!r}")
        try:  # the standard namespace for numpy < 2.1 too; numpy >= 2.1 is one itself
            import array_api_compat

            xp = array_api_compat.array_namespace(np.empty(0))
        except ImportError:
            xp = np
        return ArrayBackend("numpy", xp, None)
    try:
        import array_api_compat
        import torch
    except ImportError as exc:
        raise ImportError(f"backend='torch' needs torch and array-api-compat ({exc.name} is missing): "
                          'pip install "onegrad[accel]"') from None
    if device is None:
        device = "cpu"
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda'; got {type(device).__name__}")
    try:
        dev = torch.device(device)
        torch.empty(0, device=dev)
    except (RuntimeError, AssertionError) as exc:
        raise ValueError(f"device {device!r} is not available to torch: {str(exc).splitlines()[0]}") from None
    return ArrayBackend("torch", array_api_compat.array_namespace(torch.empty(0)), dev)

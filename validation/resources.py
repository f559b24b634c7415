r"""Resource guards: the peak memory of a simulation, estimated before any array is allocated.

:func:`estimate_simulation_memory` counts the arrays that :func:`validation.simulate` holds at the
same time, stage by stage, from the integer sizes ``d`` (input dimension), ``p`` (width), ``n``
(step batch), ``m`` (largest ridge batch), the element size ``b`` of ``dtype`` (8 or 4 bytes), the
measures asked for and the row blocks of ``c`` rows in which the simulator streams its data
(:func:`chunk_rows`). A block holds :math:`c\,d` inputs and a few :math:`c\times p` pre-activations
and features. The peak of a trial is its largest stage, times a headroom of 15%; trials running in
parallel threads (``min(workers, trials)``) add up:

=====================  ======================================================================
stage                  arrays alive at its peak
=====================  ======================================================================
step                   ``W0``, the gradient ``G`` and the product :math:`D_c^\top X_c` of a block
                       (:math:`3pd\,b`) and the block; ``"gradient"``: the out-of-place update
                       and :math:`\mathrm{diag}(s)G` with its rank-one remainder in float64;
                       label centring: the whole batch (:math:`2nd\,b`)
weights                ``W0``, ``W1`` and float64 copies (``"weight_spike"``, ``"neurons"``)
spectrum               the feature matrix (:math:`np\,b`, kept for ``"alignment"`` or when
                       :math:`n < p`) or the Gram matrix of its columns (:math:`p^2\cdot 8`),
                       one per spectrum (``bulk_edge``, ``spike_count``), and the eigensolver's
                       copy of the smaller Gram matrix
ridge                  the pool's features (:math:`mp\,b`), the primal Gram matrix
                       (:math:`p^2\cdot 8`, always allocated), and either the primal solve, or
                       float64 copies of the features (least squares at :math:`\lambda = 0`), or
                       three :math:`m\times m` matrices (the dual form, :math:`m < p`)
test                   ``W1`` and one block of test points with their features
=====================  ======================================================================

The count was checked against ``tracemalloc``'s peak (numpy reports every array to it) in
``tests/test_edge_resources.py`` at shapes on both sides of each switch (primal/dual, Gram/matrix,
float32/float64, least squares, learning curves, the surrogate models): the estimate is never below
the measured peak and at most twice it. Interpreter and library memory (about 0.1-0.2 GiB) is not
counted: it is already in use, so it is not part of the memory the system still has available.

:func:`available_memory` reads ``MemAvailable`` from ``/proc/meminfo`` (Linux), lowered to the
cgroup limit of a container when one is set, with ``os.sysconf`` as the fallback.
:func:`check_simulation_memory` raises :class:`ResourceError` (a ``ValueError``) with the estimate
in GiB when it exceeds the limit (``max_memory_gb``, default the available memory).

>>> import theory
>>> s = theory.OneStep(activation="tanh", target="sin", d=200_000, width=200_000, n=400_000, lr=1.0)
>>> round(estimate_simulation_memory(s, n_ridge=None) / 2**30)
1371
>>> check_simulation_memory(s, max_memory_gb=64)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
validation.resources.ResourceError: the simulation needs about 1371.0 GiB at its peak ...
"""

from __future__ import annotations

import math
import os

import numpy as np

__all__ = [
    "ResourceError",
    "chunk_rows",
    "estimate_simulation_memory",
    "estimate_simulation_flops",
    "LONG_RUN_FLOPS",
    "available_memory",
    "check_simulation_memory",
    "GIB",
    "gib",
]

GIB = 2**30

#: Rows of the data drawn and evaluated at once by the step and the test set (validation.ridge.CHUNK).
_CHUNK = 4096

#: Extra arrays of the features' shape that an activation may create besides its output
#: (e.g. ``1 - tanh(z)**2`` for the derivative makes one temporary).
_ACT_TEMPS = 1

#: Headroom over the count for what it leaves out (small vectors, allocator rounding, library buffers).
_MARGIN = 1.15

_MEASURES = ("overlap", "weight_spike", "spectrum", "ridge", "gradient", "alignment", "spike_count", "neurons",
             "bulk_edge")


class ResourceError(ValueError):
    """A computation would need more memory (or time) than allowed; the message gives the estimate."""


def _sizes(setup) -> tuple[int, int, int]:
    out = []
    for name in ("d", "width", "n"):
        v = float(getattr(setup, name))
        if not math.isfinite(v):
            raise ValueError(f"{name} must be finite to simulate; got {v!r}")
        out.append(max(1, int(round(v))))
    return tuple(out)


def chunk_rows(d: int, p: int, n: int) -> int:
    """Rows per block of the simulator's chunked passes (:func:`validation.simulate.chunk_rows`)."""
    return int(min(_CHUNK, max(64, (n * d) // (8 * max(d, p)))))


def _eigh(m: int) -> int:
    """Bytes of a float64 symmetric eigensolver on an ``m x m`` matrix: LAPACK's copy and workspace."""
    return m * m * 8 + 64 * m * 8


def estimate_simulation_memory(setup, n_ridge=None, *, measures=("overlap", "spectrum", "ridge"), dtype=np.float64,
                               n_test: int = 10_000, lam=None, model: str = "network", reuse: bool = False,
                               center_labels: bool = False, top_k: int = 10, kmax: int = 4, workers: int = 1,
                               trials: int = 1) -> int:
    r"""Peak memory in bytes of :func:`validation.simulate` with these arguments (module docstring).

    Parameters
    ----------
    setup : theory.OneStep
        Sizes ``d``, ``width``, ``n`` (rounded as the simulator rounds them).
    n_ridge : int or array of int, optional
        Ridge batch size(s); the largest one counts. ``None``: no ridge stage.
    measures : sequence of str
        The simulator's measures (``validation.simulate.MEASURES``).
    dtype : float64, float32, "auto" or None
        Element type of the data, weights and features (``None``/``"auto"`` are counted as float64,
        the larger of the two the simulator may choose).
    n_test : int
        Test points (streamed in row blocks).
    lam : float or array, optional
        Ridge penalty: ``0`` (least squares) and the dual form hold float64 copies of the features.
    model : {"network", "equivalent", "srf"}
        The surrogate models keep ``W0`` and hold one more feature-sized temporary.
    reuse, center_labels : bool
        Label centring holds the whole step batch (and the ridge inputs).
    top_k, kmax : int
        Sizes of the singular vectors and monomials of the ``"alignment"`` measure.
    workers, trials : int
        ``min(workers, trials)`` trials run at once, each with its own arrays.

    Returns
    -------
    int
        Bytes; an upper bound on the arrays alive at once (not the interpreter's own memory).
    """
    d, p, n = _sizes(setup)
    b = 8 if dtype is None or (isinstance(dtype, str) and dtype == "auto") else int(np.dtype(dtype).itemsize)
    cast = 8 if b != 8 else 0  # data are drawn in float64, then cast to float32
    ms = set((measures,) if isinstance(measures, str) else measures)
    act = 2 + _ACT_TEMPS + (1 if model != "network" else 0)  # pre-activations, output, temporaries
    c = chunk_rows(d, p, n)
    pd = p * d

    def block(rows):  # one block of inputs and its features
        return rows * d * (b + cast) + act * rows * p * b + 8 * rows * 8

    stages = [pd * (8 + cast // 2)]  # W0 drawn in float64 (and cast)
    step = 3 * pd * b + block(c) + c * p * b  # W0, G, the product D^T X_c; the derivative block
    if center_labels:
        step += 2 * n * d * b  # the whole batch, concatenated from its blocks
    stages.append(step)
    if "gradient" in ms:  # W + lr s G out of place, then diag(s) G and its rank-one remainder in float64
        stages.append(4 * pd * b + 3 * pd * 8)
    keep_w0 = model != "network" or "bulk_edge" in ms
    weights = 2 * pd * b
    if "weight_spike" in ms:
        stages.append(weights + pd * 8)
    if "neurons" in ms:
        stages.append(weights + 5 * pd * 8)
    if model == "srf":
        stages.append(weights + 4 * pd * 8)
    live = pd * b * (2 if keep_w0 else 1)

    if {"spectrum", "alignment", "spike_count", "bulk_edge"} & ms:
        def store(keep):  # the feature matrix itself, or the Gram matrix of its columns
            return n * p * b if (keep or n < p) else p * p * 8

        stores = store("alignment" in ms) + (store(False) if "bulk_edge" in ms else 0)
        extra = 0
        if "spike_count" in ms:
            stores += store(False) + pd * b  # the null spectrum and the null weights
            extra = 4 * pd * 8  # their construction in float64
        q = min(n, p)
        values = q * q * (b + cast) + _eigh(q)
        if "alignment" in ms:
            k = min(int(top_k), n, p)
            values += (n + p) * k * 8 + 3 * n * (int(kmax) + 1) * 8
        fill = block(c) + p * p * b + 8 * n
        stages.append(live + stores + max(fill, values, extra))

    if "ridge" in ms and n_ridge is not None:
        sizes = np.atleast_1d(np.asarray(n_ridge, dtype=float))
        m = max(1, int(round(float(np.max(sizes)))))
        m_min = max(1, int(round(float(np.min(sizes)))))
        lams = np.atleast_1d(np.asarray(0.0 if lam is None else lam, dtype=float))
        lam0 = bool(np.any(lams == 0))
        pool = m * p * b + 8 * m + (m * d * b if center_labels else 0)
        solve = 0  # beyond the primal Gram matrix, which ridge_path always allocates (p x p float64)
        if m >= p and not lam0:  # primal: the product of a block, LAPACK's copy, the eigenvectors (several lam)
            solve = p * p * b + (2 * p * p * 8 if lams.size > 1 else p * p * 8)
        f64 = 1 + (1 if b != 8 else 0)  # ridge_fit's float64 copy of the features (and the cast before it)
        if lam0:  # least squares: LAPACK's copy of the features and its workspace
            solve = max(solve, m * p * 8 * (f64 + 1) + 64 * (m + p) * 8)
        if m_min < p:  # the dual form: m x m Gram matrix, its copy and the factor
            fm = min(m, p - 1)
            solve = max(solve, fm * p * 8 * f64 + 3 * fm * fm * 8)
        solve += p * p * 8
        stages.append(live + pool + max(block(c), solve))
        ct = min(c, int(n_test))
        stages.append(live + block(ct) + 8 * ct * 8 * max(1, sizes.size * lams.size))

    per_trial = int(_MARGIN * max(stages))
    concurrent = max(1, min(int(workers), int(trials)))
    return int(concurrent * per_trial)


#: Work above which the command line says on stderr what it is doing (a few seconds on one laptop core).
LONG_RUN_FLOPS = 5e9


def estimate_simulation_flops(setup, n_ridge=None, *, measures=("overlap", "spectrum", "ridge"), n_test: int = 10_000,
                              trials: int = 1) -> float:
    r"""Floating-point operations of :func:`validation.simulate`, to the leading order of its products.

    Per trial and step: :math:`4ndp` (pre-activations and the gradient); the spectrum
    :math:`2ndp + np\min(n,p)`; the ridge fit :math:`2mdp + mp\min(m,p) + \min(m,p)^3/3`; the test set
    :math:`2n_{
m test}dp`. Used by the command line to say what it is doing before a long run.
    """
    d, p, n = _sizes(setup)
    steps = max(1, int(getattr(setup, "steps", 1) or 1))
    ms = set((measures,) if isinstance(measures, str) else measures)
    f = 4.0 * n * d * p * steps
    if {"spectrum", "alignment", "spike_count", "bulk_edge"} & ms:
        f += 2.0 * n * d * p + n * p * min(n, p)
    if "ridge" in ms and n_ridge is not None:
        m = float(np.max(np.asarray(n_ridge, dtype=float)))
        q = min(m, p)
        f += 2.0 * m * d * p + m * p * q + q**3 / 3 + 2.0 * float(n_test) * d * p
    return f * max(1, int(trials))


def _read_int(path: str) -> int | None:
    try:
        with open(path) as fh:
            text = fh.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_room() -> int | None:
    """Memory left under the cgroup limit of this process (v2, then v1), or None when unlimited."""
    for limit_path, usage_path in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        limit = _read_int(limit_path)
        if limit is None or limit >= 2**60:
            continue
        usage = _read_int(usage_path) or 0
        return max(0, limit - usage)
    return None


def available_memory() -> int | None:
    """Bytes of memory the operating system can still give this process, or None if unknown.

    ``MemAvailable`` of ``/proc/meminfo`` (free memory plus reclaimable caches), lowered to the room
    left under a container's cgroup limit; elsewhere ``os.sysconf("SC_AVPHYS_PAGES")`` pages.
    """
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        avail = None
    if avail is None:
        try:
            avail = int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            avail = None
    room = _cgroup_room()
    if room is not None:
        avail = room if avail is None else min(avail, room)
    return avail


def gib(nbytes) -> str:
    """``nbytes`` in GiB for a message: one decimal from 1 GiB up, three significant digits below.

    >>> gib(1371 * 2**30), gib(2**20)
    ('1371.0 GiB', '0.000977 GiB')
    """
    x = float(nbytes) / GIB
    return f"{x:.1f} GiB" if 1 <= x < 1e5 else f"{x:.3g} GiB"


def _limit_bytes(max_memory_gb) -> tuple[int | None, str]:
    if max_memory_gb is None:
        avail = available_memory()
        return avail, "available"
    if isinstance(max_memory_gb, bool):
        raise TypeError("max_memory_gb must be a number of GiB; got a bool")
    try:
        x = float(max_memory_gb)
    except (TypeError, ValueError):
        raise TypeError(f"max_memory_gb must be a number of GiB; got {max_memory_gb!r}") from None
    if not (x > 0) or math.isinf(x):
        raise ValueError(f"max_memory_gb must be a positive finite number of GiB; got {max_memory_gb!r}")
    return int(x * GIB), "allowed (max_memory_gb)"


def check_simulation_memory(setup, n_ridge=None, *, max_memory_gb=None, what: str = "the simulation", **kw) -> int:
    """Raise :class:`ResourceError` if :func:`estimate_simulation_memory` exceeds the limit.

    ``max_memory_gb``: the limit in GiB (default: :func:`available_memory`; no check when that is
    unknown). ``kw`` are passed to the estimate. Returns the estimate in bytes.
    """
    need = estimate_simulation_memory(setup, n_ridge, **kw)
    limit, kind = _limit_bytes(max_memory_gb)
    if limit is not None and need > limit:
        d, p, n = _sizes(setup)
        conc = max(1, min(int(kw.get("workers", 1)), int(kw.get("trials", 1))))
        dt = kw.get("dtype", np.float64)
        dt = "float64" if dt is None or (isinstance(dt, str) and dt == "auto") else np.dtype(dt).name
        raise ResourceError(
            f"{what} needs about {gib(need)} at its peak (d={d}, width={p}, n={n}"
            f"{'' if n_ridge is None else f', n_ridge={int(np.max(n_ridge))}'}, {dt}, {conc} trial(s) at once), "
            f"more than the {gib(limit)} {kind}; use smaller sizes"
            f"{', dtype float32' if dt == 'float64' else ''}{' or fewer workers' if conc > 1 else ''}, or raise the limit with "
            f"max_memory_gb= (onegrad: --max-memory GIB)"
        )
    return need

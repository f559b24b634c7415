"""Random streams: one root ``SeedSequence`` per study, one child per trial, one per role.

``docs/theory/simulation.md#statistics``: every stochastic function takes ``seed`` (an int, a
``SeedSequence``, a ``Generator`` or ``None``); a study spawns one child per trial with
``spawn_key=(t,)`` and, inside a trial, one child per role (initial weights, readout, each step
batch, ridge batch, test set, noise). Results then do not depend on the number of workers or the
order in which tasks run, and changing ``n`` leaves ``W_0`` unchanged.

>>> a = trial_sequence(7, 3).generate_state(2)
>>> b = trial_sequence(np.random.SeedSequence(7), 3).generate_state(2)
>>> bool((a == b).all())
True
>>> r1 = role_generator(trial_sequence(7, 0), "W0").standard_normal()
>>> r2 = role_generator(trial_sequence(7, 0), "W0").standard_normal()
>>> r1 == r2
True
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

__all__ = ["as_seed_sequence", "trial_sequence", "role_sequence", "role_generator", "seed_record", "task_sequence", "ROLES"]

ROLES = ("W0", "readout", "target", "step", "ridge", "test", "noise", "extra")


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """Return a ``SeedSequence`` from an int, a ``SeedSequence``, a ``Generator`` or ``None``.

    A ``Generator`` contributes fresh entropy drawn from it (so reproducibility follows the
    generator's own state).
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63 - 1, size=4, dtype=np.int64).tolist())
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError("seed must be an int, a numpy SeedSequence or Generator, or None; got bool")
    if isinstance(seed, (int, np.integer)):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer; got {seed}")
        return np.random.SeedSequence(int(seed))
    raise TypeError(f"seed must be an int, a numpy SeedSequence or Generator, or None; got {type(seed).__name__}")


def _child(parent: np.random.SeedSequence, key: tuple) -> np.random.SeedSequence:
    return np.random.SeedSequence(parent.entropy, spawn_key=tuple(parent.spawn_key) + tuple(key), pool_size=parent.pool_size)


def trial_sequence(seed, trial: int) -> np.random.SeedSequence:
    """The child stream of trial ``trial`` (``spawn_key = root.spawn_key + (trial,)``)."""
    return _child(as_seed_sequence(seed), (int(trial),))


def task_sequence(seed, key: str) -> np.random.SeedSequence:
    """A child stream keyed by a string (e.g. the hash of a sweep task's configuration)."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "little")
    return _child(as_seed_sequence(seed), (digest,))


def role_sequence(trial_seq: np.random.SeedSequence, role: str, index: int = 0) -> np.random.SeedSequence:
    """The stream of one role inside a trial (``index`` numbers repeated roles, e.g. step batches)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}; got {role!r}")
    return _child(trial_seq, (1000 + ROLES.index(role), int(index)))


def role_generator(trial_seq: np.random.SeedSequence, role: str, index: int = 0) -> np.random.Generator:
    """A ``Generator`` (PCG64) for one role inside a trial."""
    return np.random.Generator(np.random.PCG64(role_sequence(trial_seq, role, index)))


def seed_record(seq: np.random.SeedSequence) -> dict:
    """JSON-ready record of a ``SeedSequence`` (entropy and spawn key) to store with results."""
    ent = seq.entropy
    return {"entropy": json.loads(json.dumps(ent if isinstance(ent, int) else list(ent))), "spawn_key": list(seq.spawn_key)}

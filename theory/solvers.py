"""Public module path ``theory.solvers``, kept stable; the code lives in :mod:`theory.ridge.solvers`."""

from .ridge.solvers import *  # noqa: F401,F403
from .ridge.solvers import __all__  # noqa: F401

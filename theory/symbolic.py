"""Public module path ``theory.symbolic``, kept stable; the code lives in :mod:`theory.hermite.symbolic`."""

from .hermite.symbolic import *  # noqa: F401,F403
from .hermite.symbolic import __all__  # noqa: F401

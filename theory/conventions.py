"""Public module path ``theory.conventions``, kept stable; the code lives in :mod:`theory.model.conventions`."""

from .model.conventions import *  # noqa: F401,F403
from .model.conventions import __all__  # noqa: F401

"""Public module path ``theory.marchenko_pastur``, kept stable; the code lives in :mod:`theory.ridge.marchenko_pastur`."""

from .ridge.marchenko_pastur import *  # noqa: F401,F403
from .ridge.marchenko_pastur import __all__  # noqa: F401

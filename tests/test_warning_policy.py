"""The warning policy of the test run (pyproject's filterwarnings): this project's warnings are errors,
other packages' warnings are reported, so a third-party warning cannot crash a failing hypothesis run."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("module", ["theory.hermite.engine", "validation.simulate", "test_warning_policy"])
def test_project_warnings_are_errors(module):
    with pytest.raises(UserWarning):
        warnings.warn_explicit("from the project", UserWarning, "x.py", 1, module=module)


def test_numeric_runtime_warnings_are_errors_anywhere():
    with pytest.raises(RuntimeWarning):
        warnings.warn_explicit("overflow", RuntimeWarning, "x.py", 1, module="numpy.core")


def test_other_packages_warnings_are_reported_not_raised():
    with pytest.warns(DeprecationWarning):
        warnings.warn_explicit("old API", DeprecationWarning, "x.py", 1, module="somepackage.sub")
    # outside pytest.warns the same warning goes to the report, it does not raise
    warnings.warn_explicit("old API", DeprecationWarning, "y.py", 2, module="somepackage.sub")

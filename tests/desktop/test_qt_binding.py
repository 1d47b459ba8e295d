"""The Qt binding itself: faults in it that would crash an officer's long session."""

from __future__ import annotations

import sys

import pytest

from desktop.qt import QLabel


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_qt_calls_do_not_drop_references_to_none(qtbot) -> None:
    """Regression: PySide6 6.12.0 on CPython 3.11 released None once per call of a method
    returning void; a day of typing (some thousands of ``setText``) ended in "Fatal Python
    error: none_dealloc". pyproject.toml excludes that release."""
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for index in range(2000):
        label.setText(str(index))
    assert sys.getrefcount(None) >= before - 50  # other threads may let go of a few, not 2000

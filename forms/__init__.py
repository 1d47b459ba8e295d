"""The Qt-free domain core of dti-desk: criteria sets, validation, scoring, packages."""

__version__ = "0.1.0"

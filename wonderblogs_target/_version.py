"""The package version, in a module of its own: hatchling reads it from here,
and ``openapi.py`` imports it without importing the package root."""

__version__ = "0.1.0"

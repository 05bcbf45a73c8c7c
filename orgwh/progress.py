"""The callback through which the core reports progress to a user interface."""

from __future__ import annotations

from collections.abc import Callable

# Called with one line of text for each step (a model built, a test run).
Progress = Callable[[str], None]

"""The private names of dbt's adapters that orgwh relies on are still there."""

from __future__ import annotations

import importlib

import pytest

from orgwh.internals import PRIVATE_NAMES


@pytest.mark.parametrize(("module", "path", "checked_against"), PRIVATE_NAMES)
def test_every_private_name_orgwh_uses_exists(module, path, checked_against):
    found = importlib.import_module(module)
    for part in path.split("."):
        assert hasattr(found, part), (
            f"{module}.{path} is gone (orgwh was checked against {checked_against}): "
            "orgwh/internals.py must follow the installed version"
        )
        found = getattr(found, part)

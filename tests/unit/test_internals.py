"""The private names of dbt, its adapters and pyspark that orgwh relies on are still there."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap

import pytest

from orgwh.internals import PRIVATE_NAMES, PrivateName


def _set_on_self(cls: type) -> set[str]:
    """The attributes that the methods of `cls` assign on `self`, read from its source.

    An instance attribute exists only once an instance does: pyspark's
    sessions need a JVM, which this check does without.
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    }


def _gone(name: PrivateName, parts: list[str]) -> str:
    return (
        f"{name.module}.{'.'.join(parts)} is gone (orgwh was checked against "
        f"{name.checked_against}): orgwh/internals.py must follow the installed version"
    )


def missing(name: PrivateName) -> str | None:
    """Why `name` is not there in the installed version, or None when it is."""
    found = importlib.import_module(name.module)
    *owners, attribute = parts = name.path.split(".")
    for depth, part in enumerate(owners, start=1):
        if not hasattr(found, part):
            return _gone(name, parts[:depth])
        found = getattr(found, part)
    there = attribute in _set_on_self(found) if name.on_instances else hasattr(found, attribute)
    return None if there else _gone(name, parts)


@pytest.mark.parametrize("name", PRIVATE_NAMES, ids=lambda name: f"{name.module}.{name.path}")
def test_every_private_name_orgwh_uses_exists(name):
    assert missing(name) is None, missing(name)


def test_a_missing_name_is_named():
    gone = (
        "json.decoder.JSONDecoder._gone is gone (orgwh was checked against Python 3.11): "
        "orgwh/internals.py must follow the installed version"
    )
    assert missing(PrivateName("json.decoder", "JSONDecoder._gone.x", "Python 3.11")) == gone
    # JSONDecoder.__init__ sets scan_once on each decoder
    on_instances = {"checked_against": "Python 3.11", "on_instances": True}
    assert missing(PrivateName("json.decoder", "JSONDecoder.scan_once", **on_instances)) is None
    assert missing(PrivateName("json.decoder", "JSONDecoder._gone", **on_instances)) == gone

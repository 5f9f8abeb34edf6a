"""Lazy package namespaces: a public name is imported from its module on first use.

``routing-ml --help`` imports every room's ``_cli`` module, and with it the room's
package; a lazy ``__init__`` keeps that (and ``import routing_ml``) free of pandas,
scipy and the heavy dependencies.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def attach(
    package: str, table: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``.

    ``table`` maps each public name to the module that defines it. A resolved name is
    cached in the package's namespace, so the next access is a plain attribute lookup.
    """
    names = sorted(table)

    def __getattr__(name: str) -> Any:
        if name in table:
            value = getattr(import_module(table[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__, names

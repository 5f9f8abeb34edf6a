"""YAML loading shared by the planners' files (shift templates, staffing targets)."""

from __future__ import annotations

import re
from typing import Any


def keep_clock_times_as_text(loader: Any, pattern: str) -> None:
    """Make ``loader`` (a ``yaml.SafeLoader`` subclass) read scalars matching ``pattern``
    (clock times such as ``07:30``) as text: YAML 1.1 reads an unquoted ``07:30`` as the
    base-60 number 450, which cannot be told apart from a number of minutes or hours."""
    import yaml

    resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    clock = re.compile(pattern)
    for ch in "0123456789":
        resolvers.setdefault(ch, []).insert(0, ("tag:yaml.org,2002:str", clock))
    loader.yaml_implicit_resolvers = resolvers

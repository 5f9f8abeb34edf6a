"""Shared helper of the benchmark scripts: write a result with its provenance.

Every benchmark in experiments/ calls :func:`write_result`, which records the command, the
date, the machine (CPU, cores, load average at the time) and the Python/package versions
next to the figures, as markdown and JSON in experiments/results/.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(parser: Any, argv: list[str] | None = None) -> Any:
    """``parser.parse_args`` that also reads the options as ``mlflow run -P`` spells them.

    MLflow appends an undeclared ``-P name=value`` as ``--name value``: an underscore in
    the name is read as a dash (``--madrid_half_life 180`` as ``--madrid-half-life 180``),
    and a switch given a value is set by ``true``/``1``/``yes`` and left off by
    ``false``/``0``/``no`` (``-P quick=true`` as ``--quick``).
    """
    import argparse

    words = list(sys.argv[1:] if argv is None else argv)
    switches = {opt for action in parser._actions
                if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction)
                for opt in action.option_strings}
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if not word.startswith("--"):
            out.append(word)
            continue
        name, eq, value = word.partition("=")
        name = name.replace("_", "-")
        if name not in switches:
            out.append(name + eq + value)
            continue
        if not eq and i < len(words) and not words[i].startswith("-"):
            value, eq = words[i], "="
            i += 1
        flag = value.strip().lower()
        if not eq or flag in ("true", "1", "yes"):
            out.append(name)
        elif flag not in ("false", "0", "no"):
            parser.error(f"{name} is a switch: give it no value, or true / false "
                         f"(got {value!r}).")
    return parser.parse_args(out)


def markdown_table(df: Any, digits: int = 3) -> str:
    """A pipe table of a DataFrame (floats to ``digits`` decimals), without ``tabulate``."""
    import numpy as np

    def fmt(v: object) -> str:
        return f"{v:.{digits}f}" if isinstance(v, float | np.floating) else str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(fmt(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join([head, sep, *rows])


def machine() -> dict[str, Any]:
    """The facts that make a timing comparable: CPU model, cores, load, versions."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def write_result(name: str, markdown: str, data: dict[str, Any] | None = None) -> Path:
    """Write ``results/<name>.md`` (and ``.json`` when ``data`` is given); return the md path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
    }
    header = (
        f"# {name}\n\n"
        f"- command: `{meta['command']}`\n- date: {meta['date']}\n"
        f"- machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, "
        f"load average {meta['machine']['load_average_1m']}, Python {meta['machine']['python']}\n\n"
    )
    md_path = RESULTS / f"{name}.md"
    md_path.write_text(header + markdown.rstrip() + "\n")
    if data is not None:
        (RESULTS / f"{name}.json").write_text(
            json.dumps({**meta, **data}, indent=2, default=str) + "\n"
        )
    return md_path

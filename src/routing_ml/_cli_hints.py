"""Library messages shown on the command line, with their Python hints as flags.

The library's errors and warnings say how to fix a call in Python (``freq='30min'``,
``interval_minutes=30``); on the command line the same fix is a flag (``--freq 30min``,
``--interval-minutes 30``). Standard library only: the CLI modules import it at top level.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_HINTS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"\bcountry='([^']*)', subdiv='([^']*)'"), r"--country \1 --subdiv \2"),
    (re.compile(r"\bholidays_subdiv='([^']*)'"), r"--subdiv \1"),
    (re.compile(r"\bholidays_country=None\b"), "--country ''"),
    (re.compile(r"\bholidays_country='([^']*)'"), r"--country \1"),
    (re.compile(r"\bfreq='([^']*)'"), r"--freq \1"),
    (re.compile(r"\binterval_minutes=(\d+(?:\.\d+)?)"), r"--interval-minutes \1"),
    (re.compile(r"\binterval_minutes=(?=[\s,.;)]|$)"), "--interval-minutes"),
    (re.compile(r"pass a number, a column name or a mapping queue -> seconds, or add"),
     "pass --aht-seconds (e.g. --aht-seconds 300), a --targets file with aht_seconds, or add"),
    (re.compile(r"\baht_seconds=(\d+(?:\.\d+)?|<seconds>)"), r"--aht-seconds \1"),
    (re.compile(r"\binterval_minutes must\b"), "--interval-minutes must"),
    (re.compile(r"\bh=(\S+) must\b"), r"--horizon \1 must"),
    # (not a keyword inside a call of the fix's own code: "rows.groupby(level=0)")
    (re.compile(r"(?<!\()(?<!, )\blevel=(?=[\[(\d])"), "--level "),
    (re.compile(r"\bmodel='([^']*)'"), r"--model \1"),
    (re.compile(r"\bvolume_col='([^']*)'"), r"--volume-col \1"),
    (re.compile(r"\bprevious_roster\b"), "--previous-roster"),
    (re.compile(r"\bcalibration_horizon='([^']*)'"), r"--calibration-horizon \1"),
    (re.compile(r"\bshort_series='([^']*)'"), r"--short-series \1"),
    (re.compile(r"Fix: convert it yourself, e\.g\. df\['[^']*'\] = pd\.to_datetime\(df\['[^']*'\], "
                r"dayfirst=True\) for dd/mm/yyyy \(format='%m/%d/%Y %H:%M' for month-first\), or "
                r"write ISO dates YYYY-MM-DD\."),
     "Fix: for dd/mm/yyyy dates pass --dayfirst before the command (routing-ml --dayfirst "
     "<command> ...), or write ISO dates YYYY-MM-DD in the file."),
    (re.compile(r"\bpatience_seconds=(\d+(?:\.\d+)?)"), r"--patience-seconds \1"),
    (re.compile(r"^(service_level|max_occupancy|shrinkage|answer_seconds|patience_seconds) must\b"),
     lambda m: f"--{m.group(1).replace('_', '-')} must"),
    (re.compile(r", or None for no cap\."), ", or leave --max-occupancy out for no cap."),
    (re.compile(r"^h='([^']*)' is not a horizon"), r"--horizon \1 is not a horizon"),
    (re.compile(r"\bpass weeks=(\d+)"), r"pass --weeks \1"),
    (re.compile(r"\bpass weeks= or start="), "pass --weeks"),
    (re.compile(r"\bpass weeks="), "pass --weeks"),
    (re.compile(r"\bpass outside_hours='drop' or 'keep'"), "pass --outside-hours drop or keep"),
    (re.compile(r"\bpass interval_minutes matching your data"),
     "pass --interval-minutes matching your data"),
    (re.compile(r"patience in seconds(?: \(> 0\))?, or None for Erlang C"),
     "patience in seconds (> 0), or leave --patience-seconds out for Erlang C"),
)


def as_flags(message: object) -> str:
    """``message`` as text, with the Python keyword hints the CLI has flags for
    rewritten as those flags."""
    text = str(message)
    for pattern, flag in _HINTS:
        text = pattern.sub(flag, text)
    return text


#: output names the commands' CSV text would be mislabelled under
_NOT_TEXT_TABLES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".parquet", ".feather"})


def bad_output(path: object, flag: str, *, plot: bool = False, folder: bool = False
               ) -> str | None:
    """Why the command could not write ``path`` given as ``flag`` (None when it can):
    checked before any work, so a long fit or solve never ends in a traceback over an
    output name. ``plot``: a figure matplotlib must know the format of (by its suffix);
    ``folder``: a folder the command creates or fills."""
    if path is None:
        return None
    p = Path(str(path))
    if folder:
        if p.exists() and not p.is_dir():
            return f"{flag} {p} is a file; give a folder for the output files."
        return None
    if p.is_dir():
        example = p / ("plot.png" if plot else "out.csv")
        return f"{flag} {p} is a folder; give a file name inside it, e.g. {flag} {example}."
    if plot:
        from matplotlib.backend_bases import FigureCanvasBase

        kinds = FigureCanvasBase.get_supported_filetypes()
        if p.suffix.lower().lstrip(".") not in kinds:
            return (f"{flag} {p}: matplotlib writes no '{p.suffix or '(no suffix)'}' "
                    f"figure. Fix: end the name with .png, .pdf or .svg.")
    elif p.suffix.lower() in _NOT_TEXT_TABLES:
        # the commands write CSV text: under these names a spreadsheet program refuses it
        return (f"{flag} {p}: the command writes a CSV file, not a '{p.suffix}' file. Fix: "
                f"end the name with .csv (spreadsheet programs open it).")
    for parent in (p.parent, *p.parent.parents):
        if parent.exists():
            if not parent.is_dir():
                return f"{flag} {p}: {parent} is a file, not a folder."
            break
    return None


def clashing_paths(outputs: dict[str, object], inputs: dict[str, object] | None = None,
                   fix: str = "give distinct file names.") -> str | None:
    """Why two of a command's files are one (None when they are distinct): two outputs on
    one path (the second would overwrite the first) or an output over an input (the input
    would be lost). ``outputs`` / ``inputs``: flag (or description) -> path (None: not
    given); ``fix`` ends the message."""
    seen: dict[Path, str] = {}
    for flag, path in (inputs or {}).items():
        if path is not None:
            seen.setdefault(Path(str(path)).resolve(), f"the input {flag}")
    for flag, path in outputs.items():
        if path is None:
            continue
        key = Path(str(path)).resolve()
        if key in seen:
            return f"{flag} {path} is also {seen[key]}: one would overwrite the other. Fix: {fix}"
        seen[key] = f"{flag} ({path})"
    return None

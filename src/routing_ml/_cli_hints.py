"""Library messages shown on the command line, with their Python hints as flags.

The library's errors and warnings say how to fix a call in Python (``freq='30min'``,
``interval_minutes=30``); on the command line the same fix is a flag (``--freq 30min``,
``--interval-minutes 30``). Standard library only: the CLI modules import it at top level.
"""

from __future__ import annotations

import re

_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bholidays_subdiv='([^']*)'"), r"--subdiv \1"),
    (re.compile(r"\bholidays_country=None\b"), "--country ''"),
    (re.compile(r"\bholidays_country='([^']*)'"), r"--country \1"),
    (re.compile(r"\bfreq='([^']*)'"), r"--freq \1"),
    (re.compile(r"\binterval_minutes=(\d+(?:\.\d+)?)"), r"--interval-minutes \1"),
    (re.compile(r"\binterval_minutes=(?=[\s,.;)]|$)"), "--interval-minutes"),
    (re.compile(r"pass a number, a column name or a mapping queue -> seconds, or add"),
     "pass --aht-seconds (e.g. --aht-seconds 300), a --targets file with aht_seconds, or add"),
    (re.compile(r"\baht_seconds=(\d+(?:\.\d+)?)"), r"--aht-seconds \1"),
    (re.compile(r"\bvolume_col='([^']*)'"), r"--volume-col \1"),
    (re.compile(r"\bprevious_roster\b"), "--previous-roster"),
)


def as_flags(message: object) -> str:
    """``message`` as text, with the Python keyword hints the CLI has flags for
    rewritten as those flags."""
    text = str(message)
    for pattern, flag in _HINTS:
        text = pattern.sub(flag, text)
    return text

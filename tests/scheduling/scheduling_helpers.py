"""Helpers shared by the scheduling tests (a uniquely named module, imported by the tests)."""

from __future__ import annotations

import pandas as pd

MONDAY = pd.Timestamp("2026-12-07")


def requirements(blocks, days=range(7), queue="voice"):
    """Long requirements frame: ``blocks`` = [(from_hour, to_hour, agents)], 15-minute grid."""
    rows = []
    for d in days:
        for h0, h1, n in blocks:
            t = MONDAY + pd.Timedelta(days=d, hours=h0)
            end = MONDAY + pd.Timedelta(days=d, hours=h1)
            while t < end:
                rows.append((queue, t, n))
                t += pd.Timedelta(minutes=15)
    return pd.DataFrame(rows, columns=["unique_id", "ds", "agents"])

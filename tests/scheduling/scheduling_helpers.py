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


def under_cost(required, scheduled, weights, interval_minutes=15, weight=1.0):
    """The roster objective's under-staffing cost (cost units) of one interval, written out
    agent by agent from ``RosterWeights``' docstring (an independent check of the solvers):
    the ``i``-th missing agent (1-based) costs the multiplier of the last tier whose edge,
    ``share x required`` rounded half up and at least one agent past the previous edge, is
    below ``i``."""
    import math

    edges, prev = [], 0
    for share, _mult in weights.under_staffing_tiers:
        prev = max(prev + 1, math.floor(round(share * required, 9) + 0.5))
        edges.append(prev)
    mults = [1.0] + [m for _s, m in weights.under_staffing_tiers]
    total = 0.0
    for i in range(1, max(0, int(required) - int(scheduled)) + 1):
        tier = sum(i > e for e in edges)
        total += mults[tier]
    return total * weights.under_staffing_per_hour * interval_minutes / 60.0 * weight

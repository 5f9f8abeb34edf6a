"""The deferred-work (email / web) level is computed in linear memory, with the answers of
the all-windows (n^2) formula it replaced."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from routing_ml.queueing import InfeasibleTargetError, deferred_required_agents
from routing_ml.queueing.channels import _deferred_level


def _reference_level(work_seconds: np.ndarray, working: np.ndarray, length_seconds: float,
                     deadline_seconds: float) -> float:
    """The previous implementation: every window s..i in an n x n matrix."""
    n = work_seconds.size
    if n == 0 or not (work_seconds > 0).any():
        return 0.0
    cap = np.concatenate(([0.0], np.cumsum(working * length_seconds)))
    wcum = np.concatenate(([0.0], np.cumsum(work_seconds)))
    due = np.arange(n) * length_seconds + deadline_seconds
    pos = due / length_seconds
    j = np.floor(pos).astype(np.int64)
    frac = pos - j
    inside = j < n
    jc = np.minimum(j, n)
    cap_due = cap[jc] + np.where(inside, frac * length_seconds * working[np.minimum(j, n - 1)],
                                 0.0)
    work = wcum[1:][None, :] - wcum[:-1][:, None]
    capacity = cap_due[None, :] - cap[:-1][:, None]
    valid = np.triu(np.ones((n, n), dtype=bool)) & (work > 0)
    if (valid & (capacity <= 0)).any():
        raise InfeasibleTargetError("infeasible")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(valid, work / np.where(valid, capacity, 1.0), 0.0)
    return float(ratio.max())


@pytest.mark.parametrize("seed", range(40))
def test_linear_level_equals_the_all_windows_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    work = rng.gamma(0.7, 400.0, n) * (rng.random(n) < 0.7)
    period = int(rng.integers(2, 12))
    working = (np.arange(n) % period) < rng.integers(1, period + 1)
    if seed % 4 == 0:
        working[:] = True
    length = float(rng.choice([900.0, 1800.0, 3600.0]))
    deadline = float(rng.choice([0.5, 1.0, 2.0, 4.0, 13.3, 24.0]) * 3600.0)
    try:
        expected = _reference_level(work, working, length, deadline)
    except InfeasibleTargetError:
        with pytest.raises(InfeasibleTargetError):
            _deferred_level(work, working, length, deadline)
        return
    np.testing.assert_allclose(_deferred_level(work, working, length, deadline), expected,
                               rtol=1e-12, atol=0.0)


def test_steady_arrivals_are_bound_by_the_longest_window():
    # not a banded problem: with steady arrivals the whole horizon is the binding window
    work = np.full(200, 900.0)
    level = _deferred_level(work, np.ones(200, dtype=bool), 900.0, 4 * 3600.0)
    assert level == pytest.approx(_reference_level(work, np.ones(200, dtype=bool), 900.0,
                                                   4 * 3600.0), rel=1e-12)


def test_memory_is_linear_in_the_number_of_intervals():
    tracemalloc.start()
    try:
        agents = deferred_required_agents(np.full(4000, 5.0), 300, 15, 24)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # the n x n version peaked at ~586 MB
    assert agents.shape == (4000,) and (agents == agents[0]).all() and agents[0] >= 2

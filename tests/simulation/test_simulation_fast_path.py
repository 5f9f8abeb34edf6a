"""The engine's native longest-idle path (per-queue idle order, specialised start of
service, collector paused) against the same rule through the policy interface, and the
fast timestamps of the contacts frame against pandas."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

from routing_ml.routing.base import LongestIdleAgent
from routing_ml.simulation import simulate
from routing_ml.simulation._stats import _timestamps

DAY = pd.Timestamp("2024-03-04")


class _ViaInterface(LongestIdleAgent):
    """LongestIdleAgent's decisions, but not recognised by the engine's native path."""

    name = "longest_idle_via_interface"

    def choose_contact(self, agent, waiting, pool, now):  # the engine's own queue order
        ok = [i for i, c in enumerate(waiting)
              if pool.has_capacity(pool.channel_index(c.channel))[agent]
              and pool.skills[agent, pool.skill_index(c.skill)] > 0]
        return ok[0] if ok else -1


def _day(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A random center: 3 skills, voice and chat, staggered shifts (log-ins and log-outs
    during the day), agents with one to three skills."""
    rng = np.random.default_rng(seed)
    n_agents, skills = 18, ["a", "b", "c"]
    agents = pd.DataFrame({
        "agent_id": [f"A{i}" for i in range(n_agents)],
        "skills": [{s: int(rng.integers(1, 6)) for s in
                    rng.choice(skills, int(rng.integers(1, 4)), replace=False)}
                   for _ in range(n_agents)],
        "channels": [("voice", "chat")] * n_agents,
        "max_concurrency": 2})
    start = rng.integers(7, 11, n_agents)
    shifts = pd.DataFrame({"agent_id": agents["agent_id"],
                           "start": DAY + pd.to_timedelta(start, unit="h"),
                           "end": DAY + pd.to_timedelta(start + rng.integers(4, 9, n_agents),
                                                        unit="h")})
    n = 900
    t = np.sort(rng.uniform(7.5 * 3600, 17 * 3600, n))
    contacts = pd.DataFrame({"contact_id": np.arange(n),
                             "ts": DAY + pd.to_timedelta(t, unit="s"),
                             "channel": rng.choice(["voice", "chat"], n, p=[0.7, 0.3]),
                             "skill": rng.choice(skills, n, p=[0.5, 0.3, 0.2])})
    return contacts, agents, shifts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_native_longest_idle_makes_the_interface_decisions(seed):
    contacts, agents, shifts = _day(seed)
    kw = dict(patience_seconds=150.0, aht_seconds=420.0, seed=seed, repeats=True)
    fast = simulate(contacts, agents, shifts, policy=LongestIdleAgent(), **kw)
    slow = simulate(contacts, agents, shifts, policy=_ViaInterface(), **kw)
    cols = ["contact_id", "is_repeat", "answered", "abandoned", "wait_seconds",
            "handle_seconds", "agent_id"]
    pd.testing.assert_frame_equal(fast.contacts[cols], slow.contacts[cols])
    pd.testing.assert_frame_equal(fast.agents, slow.agents)
    # not vacuous: queues form, people abandon, chats share agents, shifts change hands
    s = fast.summary
    assert s["abandoned"] > 0 and s["answered"] > 0.5 * s["arrivals"]
    assert fast.contacts["agent_id"].nunique() >= 15


def test_engine_restores_the_garbage_collector():
    contacts, agents, shifts = _day(0)
    assert gc.isenabled()
    simulate(contacts, agents, shifts, aht_seconds=300.0, seed=0)
    assert gc.isenabled()
    gc.disable()
    try:
        simulate(contacts, agents, shifts, aht_seconds=300.0, seed=0)
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


@pytest.mark.parametrize("origin", [pd.Timestamp("2024-03-05"),
                                    pd.Timestamp("2024-03-05 08:00:00.123456789"),
                                    pd.Timestamp("1999-02-01").as_unit("s")])
def test_timestamps_equal_pandas_to_the_nanosecond(origin):
    rng = np.random.default_rng(5)
    seconds = np.concatenate([rng.uniform(0, 1e5, 20_000), rng.uniform(0, 3e7, 20_000),
                              rng.exponential(100.0, 5_000), [0.0, 1e-9, 0.5e-9, 86399.999]])
    expected = (origin + pd.to_timedelta(seconds, unit="s")).to_numpy()
    got = _timestamps(origin, seconds)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)

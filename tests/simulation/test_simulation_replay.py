"""Replay of the 1999 bank log and the requirements → shifts conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.datasets import load_anonymous_bank
from routing_ml.simulation import contacts_from_bank_log, shifts_from_requirements, simulate
from routing_ml.simulation._inputs import _conditional_draw, _kaplan_meier


@pytest.fixture(scope="module")
def day():
    calls = load_anonymous_bank()
    return calls, *contacts_from_bank_log(calls, day="1999-02-02", seed=0)


def test_simulation_bank_log_every_record_accounted_for(day):
    calls, c, shifts, dropped = day
    n_day = int((calls["date"] == pd.Timestamp("1999-02-02")).sum())
    assert len(c) + sum(dropped.values()) == n_day
    assert dropped["phantom"] > 0 and dropped["served_without_agent"] > 0
    served = ~c["observed_abandoned"]
    # patience: exact for abandoned calls, beyond the observed wait for served ones
    ab = c.loc[~served]
    np.testing.assert_allclose(ab["patience_seconds"], ab["observed_wait_seconds"])
    assert (c.loc[served, "patience_seconds"] >= c.loc[served, "observed_wait_seconds"]).all()
    # each served call's agent is on shift when it started service
    s = calls.loc[(calls["date"] == pd.Timestamp("1999-02-02")) & calls["served"]
                  & calls["agent_id"].notna() & calls["ser_start"].notna(),
                  ["agent_id", "ser_start"]].reset_index()
    m = s.merge(shifts, on="agent_id")
    m["inside"] = (m["ser_start"] >= m["start"]) & (m["ser_start"] <= m["end"])
    assert m.groupby("index")["inside"].any().reindex(s["index"]).all()


def test_simulation_bank_replay_runs_and_conserves(day):
    _, c, shifts, _ = day
    agents = pd.DataFrame({"agent_id": sorted(shifts["agent_id"].unique())})
    agents["skills"] = [{t: 3 for t in c["skill"].unique()}] * len(agents)
    agents["channels"] = [("voice",)] * len(agents)
    r = simulate(c, agents, shifts, outside_hours="keep", repeats=False)
    assert r.conservation_holds()
    assert r.summary["arrivals"] == len(c)
    # logged handle times are replayed as they are (whoever serves the call)
    sim = r.contacts  # same order as c (sorted by arrival, no repeats)
    np.testing.assert_array_equal(sim["contact_id"].to_numpy(), c["contact_id"].to_numpy())
    both = sim["answered"].to_numpy() & c["handle_seconds"].notna().to_numpy()
    assert both.sum() > 1000
    np.testing.assert_allclose(sim["handle_seconds"].to_numpy()[both],
                               c["handle_seconds"].to_numpy()[both])


def test_simulation_kaplan_meier_conditional_draw():
    rng = np.random.default_rng(0)
    true = rng.exponential(100.0, 20000)
    cens = rng.exponential(150.0, 20000)
    t = np.minimum(true, cens)
    times, surv = _kaplan_meier(t, true <= cens)
    # KM survival at 100 s is close to exp(-1)
    assert abs(np.interp(100.0, times, surv) - np.exp(-1)) < 0.02
    lower = np.full(5000, 50.0)
    draw = _conditional_draw(times, surv, lower, rng.random(5000))
    assert (draw >= 50.0).all()
    # memoryless: E[T - 50 | T > 50] = 100
    assert abs(np.mean(draw[np.isfinite(draw)] - 50.0) - 100.0) < 8.0


def test_conditional_draw_reads_the_step_function_between_events():
    # abandonments at 10 s and 20 s, two callers censored at 30 s: S = 3/4 after 10 s and
    # 1/2 after 20 s. A caller served after 15 s has patience > 15 s: P(T = 20) = (3/4 - 1/2)
    # / (3/4) = 1/3 and P(T > 30, never observed: inf) = 2/3. Interpolating S between the
    # steps gave 0.2 / 0.8.
    times, surv = _kaplan_meier(np.array([10.0, 20.0, 30.0, 30.0]), np.array([True, True, False, False]))
    np.testing.assert_allclose(surv, [0.75, 0.5])
    u = (np.arange(30000) + 0.5) / 30000
    draw = _conditional_draw(times, surv, np.full(u.size, 15.0), u)
    assert set(np.unique(draw)) == {20.0, np.inf}
    assert np.mean(draw == 20.0) == pytest.approx(1 / 3, abs=1e-3)
    # at an event time the step has already fallen: S(20) = 1/2, every draw is beyond it
    assert np.isinf(_conditional_draw(times, surv, np.full(100, 20.0), u[::300])).all()
    # before the first event: S = 1
    assert np.mean(_conditional_draw(times, surv, np.full(u.size, 5.0), u) == 10.0) == pytest.approx(0.25, abs=1e-3)


def test_simulation_shifts_from_requirements():
    ds = pd.date_range("2024-01-01 08:00", periods=6, freq="30min")
    req = pd.DataFrame({"unique_id": "voice:a", "ds": ds, "agents": [1, 2, 2, 0, 1, 1]})
    agents, shifts = shifts_from_requirements(req, interval_minutes=30)
    assert list(agents["agent_id"]) == ["voice:a#0", "voice:a#1"]
    s0 = shifts.loc[shifts["agent_id"] == "voice:a#0"]
    assert list(zip(s0["start"].dt.strftime("%H:%M"), s0["end"].dt.strftime("%H:%M"),
                    strict=True)) == [("08:00", "09:30"), ("10:00", "11:00")]
    s1 = shifts.loc[shifts["agent_id"] == "voice:a#1"]
    assert list(s1["start"].dt.strftime("%H:%M")) == ["08:30"]
    assert list(s1["end"].dt.strftime("%H:%M")) == ["09:30"]


def test_simulation_shifts_from_roster_cuts_breaks():
    from routing_ml.simulation import shifts_from_roster

    t = pd.Timestamp("2024-01-01")
    roster = pd.DataFrame({"agent_id": ["a", "b"], "unique_id": ["voice:x", "voice:y"],
                           "start": [t + pd.Timedelta(hours=8)] * 2,
                           "end": [t + pd.Timedelta(hours=15)] * 2})
    breaks = pd.DataFrame({"agent_id": ["a"], "start": [t + pd.Timedelta(hours=11)],
                           "end": [t + pd.Timedelta(hours=11, minutes=30)]})
    sh = shifts_from_roster(roster, breaks)
    a = sh.loc[sh["agent_id"] == "a"]
    assert list(a["end"].dt.strftime("%H:%M")) == ["11:00", "15:00"]
    assert list(a["start"].dt.strftime("%H:%M")) == ["08:00", "11:30"]
    assert (sh.loc[sh["agent_id"] == "b", "unique_id"] == "voice:y").all()
    # an agent on a break takes no call: one agent, a call at 11:10 waits for 11:30
    c = pd.DataFrame({"ts": [t + pd.Timedelta(hours=11, minutes=10)], "channel": "voice",
                      "skill": "x", "handle_seconds": 60.0})
    r = simulate(c, None, sh.loc[sh["agent_id"] == "a"], outside_hours="keep")
    assert r.contacts["wait_seconds"].iloc[0] == pytest.approx(20 * 60.0)
    # by default a call arriving while nobody is logged in is outside opening hours
    r = simulate(c, None, sh.loc[sh["agent_id"] == "a"])
    assert r.dropped == {"outside_opening_hours": 1} and r.summary["arrivals"] == 0

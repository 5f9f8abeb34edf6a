"""Review findings on the simulation's inputs (2026-11-30): patience that is NaN,
negative or infinite in a sample, a policy answering something that is not a decision,
more processes than cores, per-channel answer times and load factors that are not
numbers, and negative deadlines in a replayed log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.routing.base import Decision
from routing_ml.simulation import PolicyError, compare_policies, simulate

T0 = pd.Timestamp("2024-03-04 09:00")
FC = pd.DataFrame({"unique_id": "voice:a", "yhat": 60.0,
                   "ds": pd.date_range(T0, periods=4, freq="30min")})
SH = pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "start": T0,
                   "end": T0 + pd.Timedelta(hours=2)})


@pytest.mark.parametrize("patience, match", [
    (float("nan"), "patience_seconds must be > 0"),
    ({"voice": -10.0}, r"patience_seconds\['voice'\] must be > 0"),
    ({"voice": float("nan")}, r"patience_seconds\['voice'\]"),
    (np.array([1.0, np.inf]), "finite seconds"),
])
def test_patience_that_is_not_a_waiting_time_is_refused(patience, match):
    # NaN made 88 of 108 calls abandon; a negative mean or an inf in a sample put
    # abandonments before arrivals (waits down to -705 s)
    with pytest.raises(ValueError, match=match):
        simulate(FC, None, SH, aht_seconds=200, patience_seconds=patience, seed=1)


def test_infinite_patience_means_nobody_hangs_up():
    r = simulate(FC, None, SH, aht_seconds=200, patience_seconds={"voice": float("inf")}, seed=1)
    assert r.summary["abandoned"] == 0 and r.summary["arrivals"] > 100
    assert (r.contacts["wait_seconds"].dropna() >= 0).all()


class Answers:
    """A policy answering ``value`` to every contact."""

    name = "answers"

    def __init__(self, value):
        self.value = value

    def choose(self, contact, pool, now):
        return self.value


@pytest.mark.parametrize("value", [Decision(99, "x"), None, Decision(1.0, "x"), Decision(True, "x")])
def test_a_policy_answering_no_decision_is_a_policy_error(value):
    with pytest.raises(PolicyError, match=r"policy 'answers' answered .* for contact .* at t="):
        simulate(FC, None, SH, aht_seconds=200, policy=Answers(value), seed=1)


def test_more_processes_than_cores_are_not_started(monkeypatch):
    import concurrent.futures
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 1)

    class NoPool:
        def __init__(self, *a, **k):
            raise AssertionError("a process pool was started on one core")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", NoPool)
    out = compare_policies([None], FC, schedule=SH, aht_seconds=200, n_replications=3,
                           n_jobs=12, seed=1)
    assert len(out.replications) == 3


def test_answer_times_and_load_factors_must_be_numbers():
    with pytest.raises(ValueError, match=r"answer_seconds\['voice'\] must be seconds >= 0"):
        simulate(FC, None, SH, aht_seconds=200, answer_seconds={"voice": -1}, seed=1)
    for scale in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="forecast_scale must be a finite number >= 0"):
            simulate(FC, None, SH, aht_seconds=200, forecast_scale=scale, seed=1)


def test_a_negative_deadline_in_a_log_is_dropped_and_counted():
    log = pd.DataFrame({"ts": [T0, T0 + pd.Timedelta(minutes=1)], "channel": "email",
                        "skill": "a", "handle_seconds": 300.0,
                        "deadline_seconds": [-100.0, 3600.0]})
    agents = pd.DataFrame({"agent_id": ["A1"], "skills": [{"a": 3}], "channels": [("email",)],
                           "max_concurrency": 1})
    r = simulate(log, agents, SH.head(1))
    assert r.dropped == {"negative_deadline_seconds": 1}
    assert len(r.contacts) == 1


def test_a_double_booked_agent_is_reported_and_back_to_back_shifts_are_not():
    double = pd.concat([SH, SH.head(1).assign(start=T0 + pd.Timedelta(hours=1),
                                                end=T0 + pd.Timedelta(hours=3))])
    r = simulate(FC, None, double, aht_seconds=200, seed=1)
    assert r.issues.get("overlapping_shifts") == 1
    joined = pd.concat([SH, SH.head(1).assign(start=T0 + pd.Timedelta(hours=2),
                                                end=T0 + pd.Timedelta(hours=3))])
    assert "overlapping_shifts" not in simulate(FC, None, joined, aht_seconds=200, seed=1).issues


def test_an_agent_without_skills_is_reported():
    agents = pd.DataFrame({"agent_id": ["A1", "A2", "A3"],
                           "skills": [{"a": 3}, {"a": 3}, {}],
                           "channels": [("voice",)] * 3, "max_concurrency": 1})
    r = simulate(FC, agents, SH, aht_seconds=200, seed=1)
    assert r.issues.get("agents_without_skills") == 1
    ok = simulate(FC, agents.head(2), SH.head(2), aht_seconds=200, seed=1)
    assert "agents_without_skills" not in ok.issues

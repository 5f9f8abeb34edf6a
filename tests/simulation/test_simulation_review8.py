"""Simulation defects found in a user review (session of 2 December, second pass): each test
failed before its fix."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.errors import FrameError
from routing_ml.routing.base import LongestIdleAgent
from routing_ml.routing.policies import SkillBased
from routing_ml.simulation import (
    LoggedOutcomes,
    OutcomeError,
    arrivals_from_forecast,
    compare_policies,
    simulate,
)

DAY = pd.Timestamp("2024-03-04")


def _forecast(ids=("voice:padron",) * 4):
    return pd.DataFrame({"unique_id": list(ids), "ds": pd.date_range(DAY + pd.Timedelta("9h"), periods=4,
                                                                     freq="30min"),
                         "yhat": [30.0, 40, 40, 30]})


def _shifts(ids=("A1", "A2", "A3")):
    return pd.DataFrame({"agent_id": list(ids), "start": DAY + pd.Timedelta("9h"), "end": DAY + pd.Timedelta("11h")})


def _log(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"ts": DAY + pd.Timedelta("9h") + pd.to_timedelta(np.sort(rng.uniform(0, 3600, n)), unit="s"),
                         "channel": "voice", "skill": "padron", "handle_seconds": rng.exponential(60, n),
                         "agent_id": rng.choice(["A1", "A2", "A3"], n)})


AGENTS = pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "skills": [{"padron": 3}] * 3})


class _Fixed:
    """An outcome model of a user's own: every contact takes ``handle`` seconds."""

    repeat_probability, repeat_delay_hours = 0.0, 24.0

    def __init__(self, handle: float) -> None:
        self.handle = handle

    def bind(self, prepared, pool):
        return lambda c, a, z, u: (self.handle, True)


@pytest.mark.parametrize("handle", [float("nan"), -50.0, float("inf")])
def test_a_handle_time_that_is_not_finite_seconds_is_refused(handle):
    # before: NaN gave a service level of 0.47 and NaN AHT, -50 s a service level of 1 and
    # negative occupancy, inf a contact in service for ever; no error, no issue
    with pytest.raises(OutcomeError, match=r"(?s)_Fixed gave handle_seconds=.*contact .* agent 'A"):
        simulate(_log(), AGENTS, seed=0, outcomes=_Fixed(handle))
    assert simulate(_log(), AGENTS, seed=0, outcomes=_Fixed(60.0)).summary["aht_seconds"] == 60.0


def test_logged_outcomes_agent_effects_are_checked():
    eff = pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "key": "padron", "log_effect": [0.0, 0.1, 0.2]})
    with pytest.raises(FrameError, match=r"missing columns \['key'\]"):
        LoggedOutcomes(eff.drop(columns="key"))
    with pytest.raises(FrameError, match=r"(?s)'log_effect' must hold finite numbers.*A2"):
        LoggedOutcomes(eff.assign(log_effect=[0.0, np.nan, 0.2]))
    with pytest.raises(FrameError, match="'log_effect' must hold finite numbers"):
        LoggedOutcomes(eff.assign(log_effect=["0", "big", "0.2"]))
    with pytest.raises(ValueError, match="key must be 'skill' or 'intent'"):
        LoggedOutcomes(eff, key="queue")  # was silently ignored: no queue ever matched
    # valid effects change the handle times (a contact served by a slower agent)
    base = simulate(_log(), AGENTS, seed=0, outcomes=LoggedOutcomes())
    slower = simulate(_log(), AGENTS, seed=0, outcomes=LoggedOutcomes(eff.assign(log_effect=[0.0, 0.0, 1.0])))
    assert slower.summary["aht_seconds"] != base.summary["aht_seconds"]


def test_a_forecast_row_without_a_queue_is_refused():
    ids = [None, "voice:padron", "voice:padron", "voice:padron"]
    with pytest.raises(FrameError, match=r"(?s)'unique_id' has 1 missing queue names.*Fix"):
        simulate(_forecast(ids), schedule=_shifts(), aht_seconds=240, seed=1)


def test_a_break_that_ends_before_it_starts_is_refused():
    brk = pd.DataFrame({"agent_id": ["A1"], "start": [DAY + pd.Timedelta("10h15min")],
                        "end": [DAY + pd.Timedelta("10h")]})
    with pytest.raises(FrameError, match="breaks: 1 breaks end at or before they start"):
        simulate(_forecast(), schedule=_shifts(), breaks=brk, aht_seconds=240, seed=1)


def test_requirements_as_schedule_give_messages_about_requirements():
    req = _forecast().rename(columns={"yhat": "agents"})
    with pytest.raises(ValueError, match="staff no agent in any interval"):
        simulate(_forecast(), schedule=req.assign(agents=0), aht_seconds=240, seed=1)
    with pytest.raises(FrameError, match="schedule looks like requirements"):
        simulate(_forecast(), AGENTS, schedule=req.assign(agents=2), aht_seconds=240, seed=1)
    # with agents=None the same requirements are simulated
    res = simulate(_forecast(), schedule=req.assign(agents=2), aht_seconds=240, seed=1)
    assert res.summary["answered"] > 0


def test_a_policy_class_instead_of_an_instance_is_named():
    with pytest.raises(TypeError, match=r"policy=SkillBased is a class; pass an instance"):
        simulate(_forecast(), schedule=_shifts(), policy=SkillBased, seed=1)


def test_an_unpicklable_scenario_with_processes_is_named_before_any_process(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    log = arrivals_from_forecast(_forecast(), seed=0)
    with pytest.raises(TypeError, match=r"(?s)cannot be pickled.*n_jobs=1"):
        compare_policies([LongestIdleAgent()], lambda s: log.sample(frac=0.9, random_state=s % 2**32),
                         schedule=_shifts(), n_replications=2, n_jobs=2)


def test_ground_truth_outcomes_serve_a_contact_without_language():
    from routing_ml.datasets import make_contact_center

    cc = make_contact_center(seed=0, days=1, daily_contacts=150, n_agents=8)
    first = cc.contacts.loc[~cc.contacts["is_repeat"]]
    first = first.drop(columns=[c for c in ("abandoned", "answered") if c in first])
    # before: "unknown language ''" from the generator for the contact without a language
    with pytest.warns(UserWarning, match="no scheduled agent can serve"):
        res = simulate(first.assign(language=[None] + first["language"].tolist()[1:]), cc.agents, cc.shifts,
                       outcomes=cc.ground_truth, seed=0, repeats=False)
    s = res.summary
    assert s["arrivals"] + sum(res.dropped.values()) == len(first)  # dropped: outside hours
    assert s["answered"] > 0
    assert s["answered"] + s["abandoned"] + s["waiting"] == s["arrivals"]


def test_cli_reports_input_issues_and_writes_them(tmp_path):
    from routing_ml.cli import app

    d = DAY
    pd.DataFrame({"unique_id": "voice", "ds": pd.date_range(d, periods=48, freq="30min"), "yhat": 6.0}).to_csv(
        tmp_path / "fc.csv", index=False)
    pd.DataFrame({"agent_id": ["a1", "a2"], "start": d + pd.Timedelta("8h"), "end": d + pd.Timedelta("16h")}).to_csv(
        tmp_path / "sh.csv", index=False)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["simulate", "--schedule", str(tmp_path / "sh.csv"), "--forecast",
                                   str(tmp_path / "fc.csv"), "--out", str(out), "--replications", "2",
                                   "--aht-seconds", "240", "--patience-seconds", "120"])
    assert res.exit_code == 0, res.output
    # two thirds of the day's contacts arrive when nobody is rostered: said, and written
    assert "arrivals_outside_opening_hours_kept" in res.output
    written = json.loads((out / "issues.json").read_text())
    assert written["issues"]["arrivals_outside_opening_hours_kept"] > 0
    assert written["dropped"] == {}


def test_pair_model_predict_checks_is_repeat_as_fit_does():
    from routing_ml.datasets import make_contact_center
    from routing_ml.routing import PairOutcomeModel

    cc = make_contact_center(seed=0, days=2, daily_contacts=200, n_agents=8)
    model = PairOutcomeModel(random_state=0).fit(cc.interactions, cc.agents)
    pairs = cc.interactions.head(3)[["agent_id", "intent", "channel", "is_repeat"]]
    with pytest.raises(FrameError, match=r"pairs: column 'is_repeat' must be bool.*'no'"):
        model.predict(pairs.assign(is_repeat="no"))
    assert len(model.predict(pairs)) == 3

"""Review findings on PairOutcomeModel: ids and codes read as the Router reads them, case
features from contacts that had ended, leak-free intent means, the fast path's language
and priority, text customer ids, one clock, clear roster errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError
from routing_ml.routing.base import AgentPool, Contact
from routing_ml.routing.pair_model import FEATURES, PairOutcomeModel

SMALL = {"n_estimators": 30, "min_child_samples": 20, "random_state": 0}


def test_float_agent_ids_from_a_column_with_gaps_match_the_roster():
    rng = np.random.default_rng(0)
    n = 1500
    agent = rng.choice([101, 102, 103], n).astype(float)  # read from a CSV with gaps
    log = pd.DataFrame({"agent_id": agent, "intent": "x", "channel": "voice"})
    log["handle_seconds"] = np.exp(log.agent_id.map({101.0: 3.5, 102.0: 4.5, 103.0: 5.5})
                                   + rng.normal(0, 0.3, n))
    roster = [{"agent_id": a, "skills": {"x": 3}} for a in (101, 102, 103)]
    m = PairOutcomeModel(**SMALL).fit(log, roster)
    assert m.agent_ids_ == ("101", "102", "103")
    _, h = m.expected_outcomes(Contact(1, "voice", intent="x", skill="x"),
                               AgentPool.from_agents(roster))
    assert h[0] < h[1] < h[2] and h[2] / h[0] > 5  # each agent's own history
    fast = m.predict(pd.DataFrame({"agent_id": [101, 102.0, "103"], "intent": "x"}))
    np.testing.assert_allclose(fast["expected_handle_seconds"], h, rtol=1e-9)


def test_integer_intent_and_channel_codes_are_categories_everywhere():
    rng = np.random.default_rng(1)
    n = 3000
    intent, channel = rng.integers(0, 3, n), rng.integers(1, 3, n)
    log = pd.DataFrame({"agent_id": rng.choice(["A", "B"], n), "intent": intent,
                        "channel": channel})
    log["handle_seconds"] = rng.lognormal(4, 0.3, n) * np.where(intent == 2, 8, 1) \
        * np.where(channel == 2, 3, 1)
    m = PairOutcomeModel(**SMALL).fit(log)
    got = m.predict(pd.DataFrame({"agent_id": "A", "intent": [0, 2, 0, 2],
                                  "channel": [1, 1, 2, 2]}))["expected_handle_seconds"]
    # before: one value for all four (the codes were "unknown"); the channel effect (x3)
    # is partly learned by 30 trees
    assert got[1] > 4 * got[0] and got[2] > 1.4 * got[0] and got[3] > got[1]
    pool = AgentPool.from_agents([{"agent_id": "A", "skills": {"2": 1}}])
    _, h = m.expected_outcomes(Contact(1, "2", intent=2), pool)  # codes in a Contact too
    np.testing.assert_allclose(h[0], got[3], rtol=1e-9)


def _case_log(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    return pd.DataFrame({"agent_id": ["A", "B"] * (n // 2), "intent": "x", "channel": "voice",
                         "ts": np.arange(n) * 1e4, "handle_seconds": 600.0,
                         "customer_id": np.arange(n) + 100, "resolved": rng.random(n) < 0.5})


def test_a_case_is_open_only_after_the_earlier_contact_ended():
    log = _case_log()
    log.loc[1, ["ts", "customer_id"]] = [60.0, 100]  # arrives while row 0 is in service
    log.loc[3, ["ts", "customer_id"]] = [2e4 + 900.0, 102]  # row 2 had ended
    j = FEATURES.index("open_case")
    m = PairOutcomeModel(**SMALL).fit(log)
    for flip in (False, True):
        other = log.copy()
        other.loc[[0, 2], "resolved"] = flip
        X = m.training_features(other)
        assert X[1, j] == 0.0  # row 0's outcome is not known yet at row 1's arrival
        assert X[3, j] == float(not flip)  # row 2's is
    # the same log exported twice: a copy does not carry its twin's label
    twice = pd.concat([log, log]).sort_values("ts", kind="stable").reset_index(drop=True)
    with pytest.warns(UserWarning, match="repeat another row exactly"):
        m2 = PairOutcomeModel(**SMALL).fit(twice)
    X = m2.training_features(twice)
    assert not (X[:, j] == 1 - twice["resolved"].to_numpy()).all()
    assert X[1::2, j].sum() <= X[::2, j].sum() + 2  # a twin is not an open case


def test_text_customer_ids_link_contacts_like_numbers():
    log = pd.DataFrame({"agent_id": "A", "intent": "x", "ts": np.arange(400) * 3600.0,
                        "handle_seconds": 300.0, "customer_id": np.arange(400) // 2 + 1,
                        "resolved": [False, True] * 200})
    text = log.assign(customer_id="C" + log["customer_id"].astype(str))
    m = PairOutcomeModel(**SMALL).fit(log)
    cols = [FEATURES.index(c) for c in ("open_case", "prior_contacts", "is_repeat")]
    a, b = m.training_features(log)[:, cols], m.training_features(text)[:, cols]
    np.testing.assert_array_equal(a, b)
    assert a.mean(axis=0).tolist() == [0.5, 0.5, 0.5]


def test_intent_means_of_the_history_features_are_leak_free():
    rng = np.random.default_rng(3)
    log = pd.DataFrame({"agent_id": rng.choice(["A", "B"], 200),
                        "intent": ["rare"] + ["common"] * 199, "ts": np.arange(200) * 3600.0,
                        "handle_seconds": 100.0, "resolved": rng.random(200) < 0.7})
    j = FEATURES.index("agent_intent_resolved")

    def fitted_features(frame: pd.DataFrame) -> np.ndarray:  # each log fitted anew
        return PairOutcomeModel(**SMALL).fit(frame).training_features(frame)

    base = fitted_features(log)
    for row in (0, 10):  # the rare intent's only row, and a row with history
        own = log.copy()
        own.loc[row, "resolved"] = not own.loc[row, "resolved"]
        assert fitted_features(own)[row, j] == base[row, j]  # it moved 0.17 before
    # later rows of row 10's fold (10, 15, 20, ... : i % 5 == 0) are in neither its
    # history nor its intent means
    later = log.copy()
    rows = [i for i in range(150, 200) if i % 5 == 0]
    later.loc[rows, "resolved"] = ~later.loc[rows, "resolved"]
    assert fitted_features(later)[10, j] == base[10, j]


def test_fast_path_language_nobody_speaks_and_high_priorities():
    rng = np.random.default_rng(4)
    n = 3000
    lang = rng.choice(["es", "ca"], n)
    agents = [{"agent_id": a, "skills": {"x": 3}, "languages": ("es",)} for a in "AB"]
    prio = rng.integers(0, 5, n)
    log = pd.DataFrame({"agent_id": rng.choice(["A", "B"], n), "intent": "x", "language": lang,
                        "priority": prio})
    log["handle_seconds"] = rng.lognormal(4, 0.3, n) * np.where(lang == "ca", 2, 1) \
        * (1 + 0.5 * np.minimum(prio, 2))
    with pytest.warns(UserWarning, match="priorities above 2"):
        m = PairOutcomeModel(**SMALL).fit(log, agents)
    pool = AgentPool.from_agents(agents)  # a pool with no 'ca' column
    for lang_, prio_ in (("es", 0), ("ca", 0), ("es", 4), ("ca", 3)):
        _, h = m.expected_outcomes(Contact(1, "voice", intent="x", skill="x", language=lang_,
                                           priority=prio_), pool)
        slow = m.predict(pd.DataFrame({"agent_id": ["A", "B"], "intent": "x",
                                       "language": lang_, "priority": prio_}))
        np.testing.assert_allclose(h, slow["expected_handle_seconds"], rtol=1e-9)


def test_one_clock_and_clear_roster_errors():
    ts = pd.Timestamp("2024-03-04 09:00") + pd.to_timedelta(np.arange(40) * 15, unit="min")
    log = pd.DataFrame({"agent_id": "A", "intent": "x", "ts": ts, "start": ts,
                        "handle_seconds": 1800.0, "resolved": [True, False] * 20})
    mixed = log.assign(start=log["start"].dt.tz_localize("Europe/Madrid"))
    with pytest.raises(FrameError, match=r"'start' has a time zone and 'ts' has none"):
        PairOutcomeModel(**SMALL).fit(mixed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        both = log.assign(ts=log["ts"].dt.tz_localize("Europe/Madrid"),
                          start=log["start"].dt.tz_localize("Europe/Madrid"))
        PairOutcomeModel(**SMALL).fit(both)
    with pytest.raises(ValueError, match=r"agent 'A' has proficiency 'expert' on skill 'x'"):
        PairOutcomeModel(**SMALL).fit(log, [{"agent_id": "A", "skills": {"x": "expert"}}])


def test_review_of_the_fixes_paths_agree_and_ids_route():
    from routing_ml.routing import Router

    rng = np.random.default_rng(5)
    n = 1500
    agents = [{"agent_id": a, "skills": {"x": 3}, "languages": ("es", "en") if a == "A"
               else ("es",)} for a in "ABC"]
    log = pd.DataFrame({"agent_id": rng.choice(list("ABC"), n), "intent": "x",
                        "language": rng.choice(["es", "en"], n),
                        "handle_seconds": rng.lognormal(5, 0.3, n)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # equal rows without times are not copies
        m = PairOutcomeModel(**SMALL).fit(log.round(0), agents)
    pool = AgentPool.from_agents(agents)
    for lang in ("fr", "es", None):  # a language the model never saw: spoken by none
        _, h = m.expected_outcomes(Contact(1, "voice", intent="x", skill="x", language=lang),
                                   pool)
        slow = m.predict(pd.DataFrame({"agent_id": list("ABC"), "intent": "x",
                                       "language": [lang] * 3}))
        np.testing.assert_allclose(h, slow["expected_handle_seconds"], rtol=1e-9)
    assert m.context_key(Contact(1, "voice", intent="x", priority=np.int64(3))) == \
        m.context_key(Contact(1, "voice", intent="x", priority=2))
    # a roster with float ids (a column with gaps): routed, removed and added by those ids
    roster = pd.DataFrame({"agent_id": [101.0, 102.0], "skills": [{"x": 3}, {"x": 3}],
                           "channels": [("voice",), ("voice",)]})
    r = Router(roster)
    d = r.route(Contact(1, "voice", skill="x"), available_agents=[101.0])
    assert d.agent_id == "101"
    r.remove_agent(r.agent_ids[0])
    assert r.agent_ids == ("102",)
    r.add_agent({"agent_id": 101.0, "skills": {"x": 3}, "channels": ("voice",)})
    assert sorted(r.agent_ids) == ["101", "102"]

"""Tests of the synthetic contact center generator (make_contact_center)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.datasets import ContactCenter, GroundTruth, make_contact_center
from routing_ml.datasets.synthetic import GeneratorParameterError, estimate_agent_effects
from routing_ml.frames import validate_volumes
from routing_ml.routing.base import AgentPool, LongestIdleAgent


@pytest.fixture(scope="module")
def cc() -> ContactCenter:
    # two weeks that include New Year (Monday) and Epiphany (Saturday 6 January 2024)
    return make_contact_center(seed=11, days=14, start="2024-01-01", daily_contacts=1500,
                               n_agents=50)


@pytest.fixture(scope="module")
def small() -> ContactCenter:
    return make_contact_center(seed=5, days=3, daily_contacts=400, n_agents=20)


# -- contract ---------------------------------------------------------------------------
def test_frames_follow_the_contract(small: ContactCenter) -> None:
    c = small.contacts
    for col in ("contact_id", "ts", "channel", "text", "language", "intent", "skill", "queue",
                "priority", "customer_id", "is_repeat", "parent_contact_id",
                "patience_seconds", "deadline_seconds", "abandoned"):
        assert col in c.columns, col
    assert c["contact_id"].dtype == np.int64 and c["customer_id"].dtype == np.int64
    assert c["ts"].dtype == "datetime64[ns]" and c["ts"].is_monotonic_increasing
    assert c["priority"].dtype == np.int8 and set(c["priority"]) <= {0, 1, 2}
    assert str(c["parent_contact_id"].dtype) == "Int64"
    assert c["contact_id"].is_unique
    assert set(c["channel"]) == {"voice", "chat", "email", "web", "messaging"}
    assert (c["queue"] == c["channel"] + ":" + c["skill"]).all()
    written = c["channel"].isin(["email", "web"])
    assert np.isinf(c.loc[written, "patience_seconds"]).all()
    assert np.isfinite(c.loc[~written, "patience_seconds"]).all()
    assert c.loc[written, "deadline_seconds"].gt(0).all()
    assert c.loc[~written, "deadline_seconds"].isna().all()
    intents = small.intents.set_index("intent")["skill"]
    assert (c["skill"] == c["intent"].map(intents)).all()
    for col in ("contact_id", "agent_id", "ts", "start", "wait_seconds", "handle_seconds",
                "resolved", "channel", "intent", "skill", "language", "priority",
                "customer_id", "is_repeat", "text"):
        assert col in small.interactions.columns, col
    assert list(small.shifts.columns) == ["agent_id", "start", "end"]
    assert isinstance(small.ground_truth, GroundTruth)
    v = validate_volumes(small.volumes)
    assert len(v) == len(small.volumes)


def test_agent_pool_from_agents(small: ContactCenter) -> None:
    pool = AgentPool.from_agents(small.agents)
    assert len(pool) == len(small.agents)
    a = small.agents
    chat = pool.channel_index("chat")
    has_chat = a["channels"].map(lambda t: "chat" in t).to_numpy()
    np.testing.assert_array_equal(pool.capacity[has_chat, chat],
                                  a.loc[has_chat, "max_concurrency"].to_numpy())
    for i, sk in enumerate(a["skills"]):
        assert all(1 <= v <= 5 for v in sk.values())
        assert pool.skills[i].sum() == sum(sk.values())
    assert all("es" in langs for langs in a["languages"])
    # the shared policy can route a generated contact
    row = small.contacts.iloc[0]
    from routing_ml.routing.base import Contact

    d = LongestIdleAgent().choose(Contact(contact_id=int(row.contact_id), channel=row.channel,
                                          skill=row.skill), pool, 0.0)
    assert d.routed and row.skill in a.iloc[d.agent]["skills"]


# -- determinism ------------------------------------------------------------------------
def test_same_seed_same_frames() -> None:
    kw = {"days": 2, "daily_contacts": 300, "n_agents": 15}
    a, b = make_contact_center(seed=3, **kw), make_contact_center(seed=3, **kw)
    for name in ("contacts", "interactions", "agents", "shifts", "volumes"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.ground_truth.agent_effect, b.ground_truth.agent_effect)
    c = make_contact_center(seed=4, **kw)
    assert len(c.contacts) != len(a.contacts) or not c.contacts["text"].equals(
        a.contacts["text"])
    assert not np.allclose(c.ground_truth.agent_effect, a.ground_truth.agent_effect)


def test_arrivals_do_not_depend_on_staffing() -> None:
    kw = {"seed": 2, "days": 2, "daily_contacts": 300, "simulate": False}
    a = make_contact_center(n_agents=10, **kw).contacts
    b = make_contact_center(n_agents=40, **kw).contacts
    pd.testing.assert_frame_equal(a, b)


# -- calibration ------------------------------------------------------------------------
def test_ground_truth_parameters_are_calibrated() -> None:
    gt = make_contact_center(seed=0, days=1, daily_contacts=50, n_agents=200,
                             simulate=False).ground_truth
    assert gt.agent_effect.std() == pytest.approx(0.35, abs=0.01)
    assert gt.agent_intent_effect.std() == pytest.approx(0.25, abs=0.01)
    assert gt.handle_sigma == pytest.approx(1.0)
    # resolution spread: 10-90 % half-width of agents' mean resolution around 10 points
    p = gt.resolution_probability(np.arange(200)[:, None], np.arange(len(gt.intents))[None],
                                  0, True).mean(axis=1)
    half = (np.quantile(p, 0.9) - np.quantile(p, 0.1)) / 2
    assert 0.06 < half < 0.14
    # mismatched language: slower and less resolved
    mu_ok = gt.log_handle_mean(0, 0, 0, True)
    mu_bad = gt.log_handle_mean(0, 0, 0, False)
    assert mu_bad > mu_ok
    assert gt.resolution_probability(0, 0, 0, False) < gt.resolution_probability(0, 0, 0, True)
    e = gt.expected_handle_seconds(0, 0, 0, True)
    assert e == pytest.approx(np.exp(mu_ok + 0.5))


def test_proficiency_is_a_noisy_signal_of_true_speed() -> None:
    cc0 = make_contact_center(seed=1, days=1, daily_contacts=50, n_agents=300, simulate=False)
    gt = cc0.ground_truth
    skills = np.array(gt.skills)
    lv, eff = [], []
    for a, sk in enumerate(cc0.agents["skills"]):
        for s, level in sk.items():
            ints = np.flatnonzero(skills[gt.intent_skill] == s)
            lv.append(level)
            eff.append(gt.agent_effect[a] + gt.agent_intent_effect[a, ints].mean())
    r = np.corrcoef(lv, eff)[0, 1]
    assert -0.75 < r < -0.3  # informative (negative: higher level, faster) but noisy


def test_estimator_recovers_known_components() -> None:
    rng = np.random.default_rng(0)
    n_a, n_i, n = 60, 8, 40_000
    agent = rng.integers(0, n_a, n)
    intent = rng.integers(0, n_i, n)
    a_eff = rng.normal(0, 0.35, n_a)
    ai_eff = rng.normal(0, 0.25, (n_a, n_i))
    y = 5 + 0.3 * intent + a_eff[agent] + ai_eff[agent, intent] + rng.normal(0, 1.0, n)
    df = pd.DataFrame({"agent_id": agent, "intent": intent, "handle_seconds": np.exp(y)})
    est = estimate_agent_effects(df, fixed_cols=("intent",), resolved_col=None)
    assert est["residual_sd"] == pytest.approx(1.0, abs=0.02)
    assert est["agent_intent_sd"] == pytest.approx(ai_eff.std(), abs=0.05)
    assert est["agent_sd"] == pytest.approx(a_eff.std(), abs=0.07)


def test_log_reproduces_the_calibration(cc: ContactCenter) -> None:
    est = estimate_agent_effects(cc.interactions)
    assert est["residual_sd"] == pytest.approx(1.0, abs=0.05)
    assert est["agent_sd"] == pytest.approx(0.35, abs=0.1)
    assert est["agent_intent_sd"] == pytest.approx(0.25, abs=0.08)
    assert 0.04 < est["resolution_spread"] < 0.17


def test_log_outcomes_follow_the_ground_truth(cc: ContactCenter) -> None:
    gt, it = cc.ground_truth, cc.interactions
    a = gt.agent_index(it["agent_id"].to_numpy())
    i = gt.intent_index(it["intent"].to_numpy())
    c = gt.channel_index(it["channel"].to_numpy())
    lang = gt.language_index(it["language"].to_numpy())
    match = gt.language_match(a, lang)
    np.testing.assert_array_equal(match, it["language_match"].to_numpy())
    z = np.log(it["handle_seconds"].to_numpy()) - gt.log_handle_mean(a, i, c, match)
    assert abs(z.mean()) < 0.03 and z.std() == pytest.approx(gt.handle_sigma, abs=0.03)
    p = gt.resolution_probability(a, i, c, match)
    assert it["resolved"].mean() == pytest.approx(p.mean(), abs=0.015)
    assert not match.all()  # plain routing ignores language: some mismatches happen
    h, res = gt.sample(np.random.default_rng(0), a, i, c, match)
    assert h.shape == res.shape == (len(it),)


# -- mixes ------------------------------------------------------------------------------
def test_language_and_channel_mix(cc: ContactCenter) -> None:
    first = cc.contacts[~cc.contacts["is_repeat"]]
    lang = first["language"].value_counts(normalize=True)
    for code, share in cc.params["expected_language_mix"].items():
        assert lang.get(code, 0.0) == pytest.approx(share, abs=0.015), code
    chan = first["channel"].value_counts(normalize=True)
    for ch, share in cc.params["expected_channel_mix"].items():
        assert chan.get(ch, 0.0) == pytest.approx(share, abs=0.02), ch
    assert chan["voice"] > 0.35 and (chan > 0.05).all()
    # every language has texts, and texts are not all identical templates
    assert set(first["language"]) == {"es", "en", "ca", "gl", "eu"}
    assert first["text"].nunique() > 0.5 * len(first)


def test_regional_language_mix() -> None:
    c = make_contact_center(seed=0, days=3, start="2024-01-08", region="CT",
                            daily_contacts=800, simulate=False).contacts
    assert c["language"].eq("ca").mean() == pytest.approx(0.36, abs=0.04)
    custom = make_contact_center(seed=0, days=2, daily_contacts=500, simulate=False,
                                 language_mix={"es": 0.5, "en": 0.5}).contacts
    assert set(custom["language"]) == {"es", "en"}


# -- calendar ---------------------------------------------------------------------------
def test_closed_on_holidays_and_sundays(cc: ContactCenter) -> None:
    days = cc.contacts["ts"].dt.normalize()
    for holiday in ("2024-01-01", "2024-01-06"):
        assert not (days == pd.Timestamp(holiday)).any(), holiday
        assert not (cc.volumes["ds"].dt.normalize() == pd.Timestamp(holiday)).any()
        assert not (cc.shifts["start"].dt.normalize() == pd.Timestamp(holiday)).any()
    assert not (cc.contacts["ts"].dt.dayofweek == 6).any()
    cal = cc.calendar.set_index("date")
    assert cal.loc["2024-01-06", "is_holiday"] and not cal.loc["2024-01-06", "is_open"]
    assert cal.loc["2024-01-13", "is_open"]  # an ordinary Saturday opens
    hours = cc.contacts["ts"].dt.hour
    assert hours.min() >= 8 and hours.max() < 20
    sat = cc.contacts["ts"].dt.dayofweek == 5
    assert hours[sat].between(9, 13).all()


def test_weekly_and_intraday_seasonality(cc: ContactCenter) -> None:
    first = cc.contacts[~cc.contacts["is_repeat"]]
    per_day = first.groupby(first["ts"].dt.normalize()).size()
    dow = per_day.groupby(per_day.index.dayofweek).mean()
    assert dow[0] > dow[4] > dow[5]  # Monday busiest, Friday quieter, Saturday small
    voice = first[first["channel"] == "voice"]
    by_hour = voice.groupby(voice["ts"].dt.hour).size()
    assert by_hour[10] > 1.5 * by_hour[14] and by_hour[16] > by_hour[14]


def test_income_tax_campaign_peak() -> None:
    kw = {"seed": 0, "days": 5, "daily_contacts": 1000, "simulate": False}
    march = make_contact_center(start="2024-03-04", **kw).contacts
    may = make_contact_center(start="2024-05-13", **kw).contacts
    assert may["intent"].eq("renta").mean() > 3 * march["intent"].eq("renta").mean()
    off = make_contact_center(start="2024-05-13", campaigns=False, **kw).contacts
    assert off["intent"].eq("renta").mean() < 0.5 * may["intent"].eq("renta").mean()


# -- routing log ------------------------------------------------------------------------
def test_interactions_respect_skills_channels_and_shifts(cc: ContactCenter) -> None:
    it = cc.interactions.merge(cc.agents[["agent_id", "skills", "channels",
                                          "max_concurrency"]], on="agent_id")
    assert all(s in sk for s, sk in zip(it["skill"], it["skills"], strict=True))
    assert all(c in ch for c, ch in zip(it["channel"], it["channels"], strict=True))
    assert (it["wait_seconds"] >= 0).all() and (it["start"] >= it["ts"]).all()
    # each service starts inside one of the agent's shifts
    sh = cc.shifts.sort_values(["agent_id", "start"])
    m = pd.merge_asof(it.sort_values("start"), sh.sort_values("start"), on="start",
                      by="agent_id", suffixes=("", "_shift"), direction="backward")
    assert m["end"].notna().all() and (m["start"] < m["end"]).all()
    # sessions never exceed capacity: calls/email/web exclusive, chats up to concurrency
    for agent, g in it.groupby("agent_id"):
        t0 = g["start"].to_numpy().astype("datetime64[ns]").astype(np.int64)
        # end minus 1 ms: float seconds -> ns rounding may overlap back-to-back sessions
        t1 = t0 + (g["handle_seconds"].to_numpy() * 1e9).astype(np.int64) - 1_000_000
        times = np.concatenate([t0, t1])
        delta = np.concatenate([np.ones(len(g)), -np.ones(len(g))])
        order = np.lexsort((delta, times))  # ends before starts at equal times
        held = np.cumsum(delta[order])
        assert held.max() <= g["max_concurrency"].iloc[0], agent
        excl = g["channel"].isin(["voice", "email", "web"]).to_numpy()
        if excl.any():
            for s, e in zip(t0[excl][:200], t1[excl][:200], strict=True):
                assert ((t0 < e) & (t1 > s)).sum() == 1, agent


def test_conservation_of_first_contacts(cc: ContactCenter) -> None:
    c = cc.contacts
    served = set(cc.interactions["contact_id"])
    assert cc.interactions["contact_id"].is_unique
    answered = c["contact_id"].isin(served)
    np.testing.assert_array_equal(answered.to_numpy(), c["answered"].to_numpy())
    assert not (c["abandoned"] & c["answered"]).any()
    waiting = ~c["abandoned"] & ~c["answered"]
    first = ~c["is_repeat"]
    n = int(first.sum())
    assert int((first & answered).sum() + (first & c["abandoned"]).sum()
               + (first & waiting).sum()) == n
    # abandonment only on real-time channels; the still waiting are few
    assert c.loc[c["abandoned"], "channel"].isin(["voice", "chat", "messaging"]).all()
    assert waiting.mean() < 0.05
    ab = c[c["abandoned"]]
    assert (ab["patience_seconds"] > 0).all()


def test_repeats_link_to_a_parent_of_the_same_customer(cc: ContactCenter) -> None:
    c = cc.contacts.set_index("contact_id")
    rep = c[c["is_repeat"]]
    assert len(rep) > 0.05 * len(c)
    assert c.loc[~c["is_repeat"], "parent_contact_id"].isna().all()
    parent = c.loc[rep["parent_contact_id"].astype("int64").to_numpy()]
    np.testing.assert_array_equal(parent["customer_id"].to_numpy(), rep["customer_id"])
    np.testing.assert_array_equal(parent["intent"].to_numpy(), rep["intent"])
    np.testing.assert_array_equal(parent["language"].to_numpy(), rep["language"])
    assert (parent["ts"].to_numpy() < rep["ts"].to_numpy()).all()
    # a parent came back because it was abandoned, answered without resolution, or (an
    # e-mail / web form) still unanswered when the citizen chased it on another channel
    log = cc.interactions.set_index("contact_id")
    par_res = log["resolved"].reindex(parent.index).eq(False).to_numpy()
    par_start = log["start"].reindex(parent.index).to_numpy()
    chased = (parent["channel"].isin(["email", "web"]).to_numpy()
              & ~(par_start <= rep["ts"].to_numpy()))  # NaT compares False: never answered
    assert (parent["abandoned"].to_numpy() | par_res | chased).all()
    assert (rep["channel"].to_numpy()[chased] != parent["channel"].to_numpy()[chased]).all()
    # a good share come back on another channel (the email-then-call complaint)
    switched = parent["channel"].to_numpy() != rep["channel"].to_numpy()
    assert 0.3 < switched.mean() < 0.8
    email_then_call = (parent["channel"].eq("email").to_numpy()
                       & rep["channel"].eq("voice").to_numpy()).sum()
    assert email_then_call > 0


def test_backlog_of_email_is_chased_on_other_channels() -> None:
    cc0 = make_contact_center(seed=2, days=4, daily_contacts=3000, n_agents=40)
    c = cc0.contacts.set_index("contact_id")
    rep = c[c["is_repeat"]]
    parent = c.loc[rep["parent_contact_id"].astype("int64").to_numpy()]
    start = cc0.interactions.set_index("contact_id")["start"].reindex(parent.index)
    waiting_parent = parent["channel"].isin(["email", "web"]).to_numpy() & ~(
        start.to_numpy() <= rep["ts"].to_numpy())
    assert waiting_parent.sum() > 20
    assert (rep["channel"].to_numpy()[waiting_parent] == "voice").mean() > 0.4


def test_closed_day_gives_empty_frames() -> None:
    sunday = make_contact_center(seed=0, days=1, start="2024-01-07")
    assert len(sunday.contacts) == len(sunday.interactions) == len(sunday.shifts) == 0
    assert list(sunday.contacts.columns) == list(make_contact_center(days=1).contacts.columns)


def test_volumes_count_every_arrival(cc: ContactCenter) -> None:
    v = cc.volumes
    assert v["y"].sum() == len(cc.contacts)
    assert not v.duplicated(["unique_id", "ds"]).any()
    assert set(v["unique_id"]) >= set(cc.contacts["queue"])
    v60 = make_contact_center(seed=5, days=3, daily_contacts=400, n_agents=20,
                              interval_minutes=60).volumes
    assert (v60["ds"].dt.minute == 0).all()


def test_sample_repeat_and_patience() -> None:
    gt = make_contact_center(seed=0, days=1, daily_contacts=50, n_agents=5,
                             simulate=False).ground_truth
    rng = np.random.default_rng(0)
    ch = np.full(20_000, gt.channel_index("email"))
    back, delay, new = gt.sample_repeat(rng, ch)
    assert back.mean() == pytest.approx(gt.repeat_probability, abs=0.02)
    assert delay.mean() / 3600 == pytest.approx(gt.repeat_delay_hours, rel=0.05)
    assert (new == ch).mean() == pytest.approx(gt.repeat_same_channel_probability, abs=0.02)
    assert (new[new != ch] == gt.channel_index("voice")).mean() > 0.5
    pat = gt.sample_patience(rng, np.zeros(20_000, dtype=int))
    assert pat.mean() == pytest.approx(gt.patience_mean_seconds[0], rel=0.05)
    assert np.isinf(gt.sample_patience(rng, np.array([2, 3]))).all()


# -- validation -------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "word"), [
    ({"days": 0}, "days"), ({"region": "XX"}, "region"), ({"interval_minutes": 7},
                                                           "interval_minutes"),
    ({"daily_contacts": -1}, "daily_contacts"), ({"n_agents": 0}, "n_agents"),
    ({"occupancy_target": 1.5}, "occupancy_target"), ({"start": "not a date"}, "start"),
    ({"language_mix": {"xx": 1.0}}, "language_mix"), ({"seed": -1}, "seed"),
])
def test_bad_arguments_name_the_argument(kwargs: dict, word: str) -> None:
    with pytest.raises(GeneratorParameterError, match=word):
        make_contact_center(**kwargs)
    with pytest.raises(ValueError):
        make_contact_center(**kwargs)


def test_unknown_names_in_ground_truth_lookups(small: ContactCenter) -> None:
    gt = small.ground_truth
    assert gt.intent_index("renta") == gt.intents.index("renta")
    np.testing.assert_array_equal(gt.agent_index(["A001", "A000"]), [1, 0])
    with pytest.raises(ValueError, match="intent"):
        gt.intent_index(["nope"])

"""PairOutcomeModel: leak-free history, cross-channel features, fast path = slow path."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError, NotFittedError
from routing_ml.routing.base import AgentPool, Contact
from routing_ml.routing.pair_model import FEATURES, PairOutcomeModel, _prior_sums

AGENTS = [
    {"agent_id": f"A{i}", "skills": {"tax": 1 + i % 5, "census": 5 - i % 5},
     "languages": ("es",) if i % 2 else ("es", "en"), "channels": ("voice", "chat", "email"),
     "max_concurrency": 2, "tenure_months": 3.0 * i}
    for i in range(6)
]
INTENTS = {"ibi": "tax", "plusvalia": "tax", "padron": "census"}


def make_log(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Agents differ in handle time (A0 fastest) and resolution (A5 best)."""
    rng = np.random.default_rng(seed)
    agent = rng.integers(0, 6, n)
    intent = rng.choice(list(INTENTS), n)
    ts = pd.Timestamp("2024-01-08 08:00") + pd.to_timedelta(np.sort(rng.uniform(0, 14 * 86400, n)), unit="s")
    log_h = 5.0 + 0.15 * agent + rng.normal(0, 0.6, n)
    p = 0.55 + 0.06 * agent
    return pd.DataFrame({
        "contact_id": np.arange(n), "agent_id": [f"A{a}" for a in agent], "intent": intent,
        "skill": [INTENTS[i] for i in intent], "ts": ts, "start": ts,
        "handle_seconds": np.exp(log_h), "resolved": rng.random(n) < p,
        "channel": rng.choice(["voice", "chat", "email"], n),
        "language": rng.choice(["es", "en"], n, p=[0.8, 0.2]),
        "priority": rng.choice([0, 1, 2], n, p=[0.8, 0.15, 0.05]),
        "customer_id": rng.integers(1, 400, n), "text": "quiero pagar el ibi",
    })


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_log()


@pytest.fixture(scope="module")
def model(log) -> PairOutcomeModel:
    return PairOutcomeModel(n_estimators=40, min_child_samples=40, random_state=0).fit(log, AGENTS)


def test_prior_sums_match_brute_force():
    rng = np.random.default_rng(1)
    g = rng.integers(-1, 4, 200)
    t_end = rng.uniform(0, 100, 200)
    v = rng.normal(size=(200, 2))
    qg = rng.integers(-1, 4, 50)
    qt = rng.uniform(0, 100, 50)
    cnt, sums = _prior_sums(g, t_end, v, qg, qt)
    for j in range(50):
        sel = (g == qg[j]) & (t_end < qt[j]) & (g >= 0)
        assert cnt[j] == sel.sum()
        np.testing.assert_allclose(sums[j], v[sel].sum(axis=0), atol=1e-9)


def test_history_features_use_only_earlier_finished_interactions(model, log):
    X1 = model.training_features(log)
    k = 700  # change the outcome of one interaction
    log2 = log.copy()
    log2.loc[k, "handle_seconds"] *= 50.0
    log2.loc[k, "resolved"] = not log2.loc[k, "resolved"]
    X2 = model.training_features(log2)
    end_k = log.loc[k, "ts"] + pd.Timedelta(seconds=float(log.loc[k, "handle_seconds"]))
    before = (log["ts"] < end_k).to_numpy()
    # no row that arrived before interaction k ended (k itself included) sees its outcome
    # in its history (tolerance: cumulative sums of other groups are rounded differently).
    # The intent prior the history is shrunk to is out of fold over the whole log, later
    # rows included (a prior, not a history): the rows of k's own fold exclude k there too
    from routing_ml.routing.pair_model import _INTENT_FOLDS

    same_fold = (np.arange(len(log)) % _INTENT_FOLDS) == k % _INTENT_FOLDS
    rows = before & same_fold
    assert rows.sum() > 100
    residual = [FEATURES.index(c) for c in ("agent_log_handle_residual",
                                             "agent_resolved_residual")]
    prior = [FEATURES.index(c) for c in ("agent_intent_log_handle", "agent_intent_resolved")]
    others = [j for j in range(len(FEATURES)) if j not in residual + prior]
    # k's fold: its prior excludes k (the residuals of other folds' history rows are taken
    # from their own priors, which hold k among thousands of rows)
    np.testing.assert_allclose(X1[rows][:, others + prior], X2[rows][:, others + prior],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(X1[before][:, others], X2[before][:, others], rtol=0, atol=1e-12)
    new_end = log.loc[k, "ts"] + pd.Timedelta(seconds=float(log2.loc[k, "handle_seconds"]))
    later_same = (log["ts"] > new_end).to_numpy() & (log["agent_id"] == log.loc[k, "agent_id"]).to_numpy() & \
        (log["intent"] == log.loc[k, "intent"]).to_numpy()
    j = FEATURES.index("agent_intent_log_handle")
    assert later_same.any() and (X2[later_same, j] > X1[later_same, j]).all()


def test_history_is_shrunk_to_the_intent_mean(model, log):
    # no history of the pair yet: the intent mean out of fold (the rows of the other four
    # folds, row i in fold i % 5), shrunk to those rows' mean, computed here row by row
    from routing_ml.routing.pair_model import _INTENT_FOLDS as K
    from routing_ml.routing.pair_model import _INTENT_PRIOR_ROWS as K0

    X = model.training_features(log)
    j = FEATURES.index("agent_intent_log_handle")
    first_rows = np.flatnonzero(~log.duplicated(["agent_id", "intent"]).to_numpy())
    y = np.log(log["handle_seconds"].to_numpy())
    intent = log["intent"].astype(str).to_numpy()
    fold = np.arange(len(log)) % K
    for i in first_rows[:40]:
        other = fold != fold[i]
        same = other & (intent == intent[i])
        expected = (y[same].sum() + K0 * y[other].mean()) / (same.sum() + K0)
        np.testing.assert_allclose(X[i, j], expected, rtol=1e-9)


def test_cross_channel_case_features():
    log = make_log(200)
    log.loc[:, "customer_id"] = np.arange(1000, 1200)
    t0 = log["ts"].iloc[100]
    extra = log.iloc[[100, 100]].copy()
    extra["customer_id"] = 7
    extra["channel"] = ["email", "voice"]
    extra["resolved"] = [False, True]
    extra["ts"] = [t0, t0 + pd.Timedelta(hours=5)]
    extra["start"] = extra["ts"]
    both = pd.concat([log, extra], ignore_index=True).sort_values("ts", ignore_index=True)
    m = PairOutcomeModel(n_estimators=5, min_child_samples=20).fit(both, AGENTS)
    X = m.training_features(both)
    rows = np.flatnonzero(both["customer_id"].to_numpy() == 7)
    F = {f: FEATURES.index(f) for f in ("open_case", "prior_contacts", "channel_switch",
                                         "is_repeat")}
    assert [X[rows[0], F[f]] for f in F] == [0, 0, 0, 0]
    assert [X[rows[1], F[f]] for f in F] == [1, 1, 1, 1]  # email unanswered, now calls


def test_fast_path_equals_slow_path(model):
    pool = AgentPool.from_agents(AGENTS)
    for c in [Contact(1, "voice", intent="ibi", skill="tax", language="es"),
              Contact(2, "chat", intent="padron", skill="census", language="en", priority=2),
              Contact(3, "email", intent="plusvalia", skill="tax", is_repeat=True,
                      prior_contacts=1, open_case=True, previous_channel="voice")]:
        p, h = model.expected_outcomes(c, pool)
        pairs = pd.DataFrame({
            "agent_id": list(pool.agent_ids), "intent": c.intent, "channel": c.channel,
            "language": c.language, "priority": c.priority, "is_repeat": c.is_repeat,
        })
        slow = model.predict(pairs)
        if c.open_case:  # the slow path links contacts itself; give it the same case
            X = model.features(pairs)
            X[:, FEATURES.index("open_case")] = 1
            X[:, FEATURES.index("prior_contacts")] = 1
            X[:, FEATURES.index("channel_switch")] = 1
            ps, mu = model._raw_predict(X)
            slow = pd.DataFrame({"p_resolved": ps,
                                 "expected_handle_seconds": np.exp(mu + model.handle_sigma_**2 / 2)})
        np.testing.assert_allclose(p, slow["p_resolved"], rtol=1e-10)
        np.testing.assert_allclose(h, slow["expected_handle_seconds"], rtol=1e-10)


@pytest.mark.parametrize("as_pool", [True, False])
def test_agents_unseen_at_fit_get_the_fast_path_answers_on_the_slow_path(model, as_pool):
    """An agent hired after fit is scored by the policies (fast path) from the pool's
    proficiency and languages, with no history and the median tenure; the slow path
    given the same roster answers the same."""
    roster = [*AGENTS,
              {"agent_id": "NEW1", "skills": {"tax": 5, "census": 1}, "languages": ("es",), "channels": ("voice",)},
              {"agent_id": "NEW2", "skills": {"tax": 2}, "languages": ("en",), "channels": ("chat",)}]
    pool = AgentPool.from_agents(roster)
    for c in [Contact(1, "voice", intent="ibi", skill="tax", language="es"),
              Contact(2, "chat", intent="padron", skill="census", language="en", priority=2),
              Contact(3, "voice", intent="plusvalia", skill="tax", language=None)]:
        p, h = model.expected_outcomes(c, pool)
        pairs = pd.DataFrame({"agent_id": list(pool.agent_ids), "intent": c.intent, "skill": c.skill,
                              "channel": c.channel, "language": c.language, "priority": c.priority})
        slow = model.predict(pairs, agents=pool if as_pool else roster)
        np.testing.assert_allclose(p, slow["p_resolved"], rtol=1e-10)
        np.testing.assert_allclose(h, slow["expected_handle_seconds"], rtol=1e-10)
    # the two new agents differ (proficiency, language): the roster is read, not ignored
    X = model.features(pairs.iloc[[6, 7]].assign(language="es"), agents=roster)
    assert list(X[:, FEATURES.index("proficiency")]) == [5.0, 2.0]
    assert list(X[:, FEATURES.index("language_match")]) == [1.0, 0.0]


def test_model_learns_agent_differences(model):
    pool = AgentPool.from_agents(AGENTS)
    p, h = model.expected_outcomes(Contact(1, "voice", intent="ibi", skill="tax",
                                           language="es"), pool)
    # A0 fastest ... A5 slowest (log handle +0.15 per agent, noise 0.6, ~250 calls each):
    # the exact order of the two slowest flips with the log's seed for any model (the old
    # argmax == 5 held on 7 of 12 seeds before and after the intent means were made
    # leak-free), so the ranking is tested as a whole
    from scipy.stats import spearmanr

    assert np.argmin(h) == 0
    assert spearmanr(h, np.arange(6))[0] >= 0.9
    assert p[5] > p[0]


def test_determinism_and_pickle(log, model):
    m2 = PairOutcomeModel(n_estimators=40, min_child_samples=40, random_state=0).fit(log, AGENTS)
    pairs = log.head(50)
    pd.testing.assert_frame_equal(model.predict(pairs), m2.predict(pairs))
    m3 = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(model.predict(pairs), m3.predict(pairs))


def test_unknown_agent_and_intent_are_scored(model):
    agents = [*AGENTS, {"agent_id": "NEW", "skills": {"tax": 5}, "languages": ("es",),
                        "channels": ("voice",)}]
    pool = AgentPool.from_agents(agents)
    for c in [Contact(1, "voice", intent="ibi", skill="tax", language="es"),
              Contact(2, "voice", intent="never_seen", skill=None, language="xx")]:
        p, h = model.expected_outcomes(c, pool)
        assert p.shape == h.shape == (7,)
        assert np.isfinite(p).all() and np.isfinite(h).all() and (h > 0).all()
        assert ((p > 0) & (p < 1)).all()


def test_update_history_moves_predictions(log):
    m = PairOutcomeModel(n_estimators=20, min_child_samples=40).fit(log, AGENTS)
    pool = AgentPool.from_agents(AGENTS)
    c = Contact(1, "voice", intent="padron", skill="census", language="es")
    _, h0 = m.expected_outcomes(c, pool)
    slow = log.head(200).assign(agent_id="A0", intent="padron", handle_seconds=5000.0)
    m.update_history(slow)
    _, h1 = m.expected_outcomes(c, pool)
    assert h1[0] > h0[0] and np.allclose(h1[1:], h0[1:], rtol=0.2)


def test_log_without_resolution():
    log = make_log(300).drop(columns="resolved")
    m = PairOutcomeModel(n_estimators=10, min_child_samples=20).fit(log)
    assert not m.has_resolution_
    assert m.predict(log.head(5))["p_resolved"].isna().all()
    p, h = m.expected_outcomes(Contact(1, "voice", intent="ibi"), AgentPool.from_agents(AGENTS))
    assert (p == 1.0).all() and np.isfinite(h).all()


def test_bad_inputs_are_named():
    log = make_log(100)
    with pytest.raises(FrameError, match="handle_seconds"):
        PairOutcomeModel().fit(log.drop(columns="handle_seconds"))
    with pytest.raises(FrameError, match="positive finite"):
        PairOutcomeModel().fit(log.assign(handle_seconds=-1.0))
    with pytest.raises(FrameError, match="agent_id and intent"):
        PairOutcomeModel().fit(log.assign(agent_id=None))
    with pytest.raises(ValueError, match="learning_rate"):
        PairOutcomeModel(learning_rate=0).fit(log)
    with pytest.raises(ValueError, match="context_features"):
        PairOutcomeModel(context_features=("mood",)).fit(log)
    with pytest.raises(NotFittedError):
        PairOutcomeModel().predict(log)
    assert PairOutcomeModel(n_jobs=2).get_params()["n_jobs"] == 2


def test_unfitted_fast_path_and_bad_pairs_frame_are_named():
    # before: expected_outcomes raised AttributeError: _ctx_used, and a pairs frame without
    # its columns was told to rename columns to the forecasting unique_id / ds / y
    with pytest.raises(NotFittedError, match="not fitted"):
        PairOutcomeModel().expected_outcomes(Contact(1, "voice", intent="ibi"),
                                             AgentPool.from_agents(AGENTS))
    m = PairOutcomeModel(n_estimators=5, min_child_samples=20).fit(make_log(300), AGENTS)
    with pytest.raises(FrameError, match=r"missing columns \['agent_id'\]") as err:
        m.predict(pd.DataFrame({"agent": ["A1"], "intent": ["ibi"]}))
    assert "unique_id" not in str(err.value) and "'agent': 'agent_id'" in str(err.value)


def test_default_column_hint_names_the_missing_columns():
    from routing_ml.frames import require_columns

    with pytest.raises(FrameError) as err:
        require_columns(pd.DataFrame({"a": [1]}), ("agent_id", "start"), frame="roster")
    assert "unique_id" not in str(err.value)
    assert "'<your agent_id column>': 'agent_id'" in str(err.value)
    with pytest.raises(FrameError, match="'interval_start': 'ds'"):  # forecasting frames
        require_columns(pd.DataFrame({"a": [1]}), ("unique_id", "ds", "y"), frame="demand")


def test_warm_up_covers_repeat_and_priority_contexts(model):
    # a service's first repeat contacts (or urgent ones) each paid a booster call inside
    # the decision: p99 2.4 ms on the synthetic center's traffic before they were warmed
    model._reset_cache()
    model.warm_up()
    for ch in model.channels_:
        for prio in (0, 1, 2):
            for flags in ({}, {"is_repeat": True}, {"is_repeat": True, "open_case": True}):
                c = Contact(0, ch, intent=model.intents_[0], priority=prio, **flags)
                assert model._context_key(c) in model._cache, (ch, prio, flags)

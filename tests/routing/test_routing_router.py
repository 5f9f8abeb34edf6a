"""Router: fallback paths, thread safety, save/load, bad inputs, intent detection."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pandas as pd
import pytest

from routing_ml.routing import (
    AgentPool,
    BatchAssignment,
    Contact,
    Decision,
    PairOutcomeModel,
    Predictive,
    Router,
    SkillBased,
)

AGENTS = [
    {"agent_id": f"A{i}", "skills": {"tax": 1 + i % 5, "census": 5 - i % 5},
     "languages": ("es",) if i % 2 else ("es", "en"), "channels": ("voice", "chat", "email"),
     "max_concurrency": 2}
    for i in range(8)
]
INTENT_SKILLS = {"ibi": "tax", "plusvalia": "tax", "padron": "census"}
# Routers in these tests get a generous latency budget so that a loaded CI machine cannot
# turn a decision into a latency fallback; the budget itself is tested with a slow model.
BIG = 60_000.0


def make_log(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    agent = rng.integers(0, 8, n)
    intent = rng.choice(list(INTENT_SKILLS), n)
    ts = pd.Timestamp("2024-01-08") + pd.to_timedelta(np.sort(rng.uniform(0, 10 * 86400, n)),
                                                      unit="s")
    return pd.DataFrame({
        "agent_id": [f"A{a}" for a in agent], "intent": intent,
        "skill": [INTENT_SKILLS[i] for i in intent], "ts": ts,
        "handle_seconds": np.exp(5 + 0.1 * agent + rng.normal(0, 0.5, n)),
        "resolved": rng.random(n) < 0.5 + 0.05 * agent,
        "channel": rng.choice(["voice", "chat", "email"], n),
        "language": "es", "priority": 0, "customer_id": rng.integers(1, 300, n),
    })


@pytest.fixture(scope="module")
def pair_model() -> PairOutcomeModel:
    return PairOutcomeModel(n_estimators=30, min_child_samples=30).fit(make_log(), AGENTS)


def contacts(n: int = 50, seed: int = 1) -> list[Contact]:
    rng = np.random.default_rng(seed)
    return [Contact(i, str(rng.choice(["voice", "chat", "email"])), float(i),
                    intent=str(rng.choice(list(INTENT_SKILLS))), language="es",
                    customer_id=int(rng.integers(1000, 2000)))
            for i in range(n)]


class StubIntent:
    """Keyword classifier with the IntentClassifier surface the Router uses."""

    classes_ = np.array(["ibi", "padron"])

    def predict_proba(self, texts):
        return np.array([[0.9, 0.1] if "ibi" in t else [0.2, 0.8] for t in texts])

    def detect_language(self, texts):
        return ["en" if "tax" in t else "es" for t in texts]


class Raising:
    def expected_outcomes(self, contact, pool):
        raise RuntimeError("model exploded")


class Slow:
    def __init__(self, inner, seconds):
        self.inner, self.seconds = inner, seconds

    def expected_outcomes(self, contact, pool):
        time.sleep(self.seconds)
        return self.inner.expected_outcomes(contact, pool)


def valid(d: Decision, c: Contact, pool: AgentPool) -> bool:
    if d.agent < 0:
        return True
    ch = pool.channel_index(c.channel)
    s = pool.skill_index(INTENT_SKILLS.get(c.intent))
    return bool(pool.has_capacity(ch)[d.agent] and (s < 0 or pool.skills[d.agent, s] > 0))


def test_route_uses_the_predictive_policy(pair_model):
    r = Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG)
    assert isinstance(r.policy, Predictive)
    ds = [r.route(c) for c in contacts()]
    assert all(valid(d, c, r.pool) for d, c in zip(ds, contacts(), strict=True))
    assert sum(d.reason.startswith("predicted_best") for d in ds) >= 40
    assert r.stats()["decisions"] == 50 and "fallback:model_error" not in r.stats()


def test_model_that_raises_falls_back_and_is_counted(caplog):
    r = Router(AGENTS, policy=Predictive(Raising()), intent_skills=INTENT_SKILLS)
    with caplog.at_level(logging.WARNING, logger="routing_ml.routing.router"):
        d = r.route(Contact(1, "voice", intent="ibi", language="es"))
    assert d.routed and d.reason.startswith("fallback:model_error:skill_match")
    assert r.stats()["fallback:model_error"] == 1
    assert "model exploded" in caplog.text


def test_slow_model_falls_back_then_opens_the_circuit(pair_model):
    r = Router(AGENTS, policy=Predictive(Slow(pair_model, 0.02)), intent_skills=INTENT_SKILLS,
               latency_budget_ms=5.0, circuit_max_slow=3, circuit_cooldown_decisions=4)
    reasons = [r.route(c).reason for c in contacts(10)]
    assert all(x.startswith("fallback:latency") for x in reasons[:3])
    assert all(x.startswith("fallback:circuit_open") for x in reasons[3:7])
    assert all(x.startswith("fallback:latency") for x in reasons[7:])  # tries again
    st = r.stats()
    assert st["fallback:latency"] == 6 and st["fallback:circuit_open"] == 4


class SlowIntent(StubIntent):
    def predict_proba(self, texts):
        time.sleep(0.02)
        return super().predict_proba(texts)


def test_slow_intent_model_is_counted_then_skipped():
    r = Router(AGENTS, intent_model=SlowIntent(), intent_skills=INTENT_SKILLS,
               latency_budget_ms=5.0, circuit_max_slow=3, circuit_cooldown_decisions=4)
    ds = [r.route(Contact(i, "voice", text="pagar el ibi")) for i in range(9)]
    assert all(d.routed for d in ds)
    st = r.stats()
    assert st["intent:slow"] == 3 + 2 and st["intent:circuit_open"] == 4
    assert st["intent:detected"] == 5  # the slow answers are still used


def test_missing_model_falls_back():
    pol = Predictive(Raising())
    pol.model = None
    r = Router(AGENTS, policy=pol, intent_skills=INTENT_SKILLS)
    d = r.route(Contact(1, "chat", intent="padron", language="es"))
    assert d.routed and d.reason.startswith("fallback:model_missing")


def test_save_load_round_trip(tmp_path, pair_model):
    r = Router(AGENTS, pair_model=pair_model, intent_model=StubIntent(),
               intent_skills=INTENT_SKILLS, history=make_log(), latency_budget_ms=BIG)
    before = [r.route(c) for c in contacts()]
    r.save(tmp_path / "bundle")
    r2 = Router.load(tmp_path / "bundle")
    after = [r2.route(c) for c in contacts()]
    assert before == after
    assert r2.load_error is None and isinstance(r2.intent_model, StubIntent)
    assert r2.policy.model is r2.pair_model


def test_corrupt_intent_model_is_counted_when_text_is_routed_without_intent(tmp_path, pair_model):
    Router(AGENTS, pair_model=pair_model, intent_model=StubIntent(), intent_skills=INTENT_SKILLS,
           latency_budget_ms=BIG).save(tmp_path / "b")
    (tmp_path / "b" / "intent_model.pkl").write_bytes(b"not a pickle")
    r = Router.load(tmp_path / "b")
    assert r.intent_model is None and "intent_model.pkl" in r.load_error
    d = r.route(Contact(1, "voice", text="quiero pagar el ibi"))
    assert d.routed
    assert r.stats()["intent:model_missing"] == 1
    r.route(Contact(2, "voice", intent="ibi", text="quiero pagar el ibi"))  # intent given
    assert r.stats()["intent:model_missing"] == 1


def test_corrupt_model_file_loads_as_fallback(tmp_path, pair_model):
    Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG).save(tmp_path / "b")
    (tmp_path / "b" / "pair_model.pkl").write_bytes(b"not a pickle")
    r = Router.load(tmp_path / "b")
    assert r.pair_model is None and "pair_model.pkl" in r.load_error
    d = r.route(Contact(1, "voice", intent="ibi", language="es"))
    assert d.routed and d.reason.startswith("fallback:model_missing")
    ds = r.route_batch(contacts(5))
    assert all(valid(d, c, r.pool) for d, c in zip(ds, contacts(5), strict=True))
    (tmp_path / "b" / "router.pkl").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="router.pkl"):
        Router.load(tmp_path / "b")
    with pytest.raises(ValueError, match="manifest"):
        Router.load(tmp_path / "nothing-here")


def test_thread_safety_many_threads_consistent(pair_model):
    r = Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG)
    cs = contacts(200)
    expected = [r.route(c) for c in cs]
    results: dict[int, list[Decision]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            results[k] = [r.route(c, [f"A{i}" for i in range(8)]) for c in cs]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(8):
        assert results[k] == expected
    assert r.stats()["decisions"] == 200 * 9


def test_available_agents_and_roster_changes(pair_model):
    r = Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG)
    c = Contact(1, "voice", intent="ibi", language="es")
    d = r.route(c, ["A3", "GHOST"])
    assert d.agent_id == "A3" and r.stats()["unknown_agent"] == 1
    assert r.route(c, []).reason.startswith("no_eligible_agent")
    r.add_agent({"agent_id": "NEW", "skills": {"tax": 5}, "languages": ("es",),
                 "channels": ("voice",)})
    d = r.route(c, ["NEW"])
    assert d.agent_id == "NEW"  # a new agent is scored from its proficiency
    r.remove_agent("NEW")
    assert r.route(c, ["NEW"]).agent == -1
    with pytest.raises(ValueError, match="no skills"):
        r.add_agent({"agent_id": "X", "skills": {}})


def test_channel_capacity_in_route_batch(pair_model):
    r = Router(AGENTS[:2], policy=Predictive(pair_model, holdout_seconds=0),
               intent_skills=INTENT_SKILLS, latency_budget_ms=BIG)
    cs = [Contact(i, "chat", 0.0, intent="ibi", language="es") for i in range(6)]
    ds = r.route_batch(cs)
    routed = [d.agent_id for d in ds if d.routed]
    assert len(routed) == 4 and routed.count("A0") == 2 and routed.count("A1") == 2
    rb = Router(AGENTS[:2], pair_model=pair_model, policy=BatchAssignment(),
                intent_skills=INTENT_SKILLS, latency_budget_ms=BIG)
    ds = rb.route_batch(cs + [Contact(9, "voice", 0.0, intent="ibi", language="es")])
    load = {"A0": set(), "A1": set()}
    for c, d in zip(cs, ds, strict=False):
        if d.routed:
            load[d.agent_id].add(c.channel)
    assert sum(d.routed for d in ds) <= 4 and all(len(v) <= 1 for v in load.values())


def test_intent_and_language_detection_with_stub_classifier(pair_model):
    r = Router(AGENTS, pair_model=pair_model, intent_model=StubIntent(),
               intent_skills=INTENT_SKILLS, min_intent_confidence=0.5, latency_budget_ms=BIG)
    c = r.prepare(Contact(1, "chat", text="quiero pagar el ibi"))
    assert (c.intent, c.skill, c.language) == ("ibi", "tax", "es")
    c = r.prepare(Contact(2, "chat", text="my tax bill, ibi"))
    assert c.language == "en"
    d = r.route(Contact(3, "chat", text="alta en el padron"))
    assert d.routed and r.stats()["intent:detected"] >= 3


def test_case_book_sets_preferred_agent(pair_model):
    r = Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG)
    email = Contact(1, "email", 0.0, intent="ibi", language="es", customer_id=42)
    r.record_outcome(email, "A4", resolved=False, now=100.0)
    call = r.prepare(Contact(2, "voice", 3600.0, intent="ibi", language="es", customer_id=42))
    assert call.open_case and call.preferred_agent_id == "A4"
    assert call.previous_channel == "email" and call.is_repeat
    assert r.route(Contact(2, "voice", 3600.0, intent="ibi", language="es",
                           customer_id=42)).reason == "preferred_agent"
    later = r.prepare(Contact(3, "voice", 100.0 + 4 * 86400, intent="ibi", customer_id=42))
    assert not later.open_case  # outside the 72 h window
    # a contact on another clock (no arrival time: 0 s, against a case in epoch seconds)
    # opens no case of unknown age, and the mismatch is counted
    r.record_outcome(Contact(5, "email", intent="ibi", customer_id=77), "A4", resolved=False,
                     now=1.7e9)
    before = r.prepare(Contact(4, "voice", intent="ibi", customer_id=77))
    assert not before.open_case and before.preferred_agent_id is None
    assert r.stats()["case:clock_mismatch"] == 1
    # the citizen's concurrent contact, recorded a little after this one arrived, links
    concurrent = r.prepare(Contact(6, "voice", 1.7e9 - 60.0, intent="ibi", customer_id=77))
    assert concurrent.open_case and concurrent.preferred_agent_id == "A4"
    assert r.stats()["case:clock_mismatch"] == 1


def test_bad_inputs_never_raise_in_route(pair_model):
    r = Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG)
    assert r.route("not a contact").reason == "no_eligible_agent:bad_input"
    assert r.route(Contact(1, "fax", intent="ibi")).reason.startswith("no_eligible_agent")
    assert r.route(Contact(1, "voice", intent="unknown_intent")).routed  # anyone on voice
    d = r.route(Contact(1, "voice", skill="housing"))
    assert d.reason == "no_eligible_agent:skill_not_staffed"
    assert r.route(Contact(1, "voice", float("nan"), intent="ibi")).routed
    ds = r.route_batch([Contact(1, "voice", intent="ibi"), None])
    assert ds[1].reason == "no_eligible_agent:bad_input"


def test_bad_build_inputs_raise_value_error():
    with pytest.raises(ValueError, match="empty"):
        Router([])
    with pytest.raises(ValueError, match="no skills"):
        Router([{"agent_id": "A", "skills": {}}])
    with pytest.raises(ValueError, match="duplicated"):
        Router([AGENTS[0], AGENTS[0]])
    with pytest.raises(ValueError, match="latency_budget_ms"):
        Router(AGENTS, latency_budget_ms=0)
    with pytest.raises(ValueError, match="choose"):
        Router(AGENTS, policy=object())


def test_default_router_without_model_is_skill_based():
    r = Router(AGENTS, intent_skills=INTENT_SKILLS)
    assert isinstance(r.policy, SkillBased)
    assert r.route(Contact(1, "voice", intent="padron", language="es")).reason.startswith(
        "skill_match")


def test_same_seed_same_decisions():
    def build() -> Router:
        m = PairOutcomeModel(n_estimators=20, min_child_samples=30, random_state=3).fit(
            make_log(seed=5), AGENTS)
        return Router(AGENTS, pair_model=m, intent_skills=INTENT_SKILLS, latency_budget_ms=BIG)

    a, b = build(), build()
    assert [a.route(c) for c in contacts()] == [b.route(c) for c in contacts()]


def test_intent_classifier_predict_one_path(pair_model):
    from types import SimpleNamespace

    class OneShot:
        classes_ = np.array(["ibi", "padron"])

        def predict_one(self, text):
            if "???" in text:
                return SimpleNamespace(intent="triage", confidence=0.2, queue="triage",
                                       language="und", abstained=True)
            return SimpleNamespace(intent="padron", confidence=0.9, queue="census",
                                   language="ca", abstained=False)

    r = Router(AGENTS, pair_model=pair_model, intent_model=OneShot(),
               intent_skills={"ibi": "tax"}, latency_budget_ms=BIG)
    c = r.prepare(Contact(1, "chat", text="vull empadronar-me"))
    assert (c.intent, c.skill, c.language) == ("padron", "census", "ca")  # queue as skill
    c = r.prepare(Contact(2, "chat", text="???"))
    assert c.intent is None and c.skill is None and c.language is None
    assert r.route(Contact(3, "chat", text="???")).routed  # unknown intent: anyone on chat
    assert r.stats()["intent:low_confidence"] == 2


def test_router_with_the_real_intent_classifier(tmp_path, pair_model):
    from routing_ml.routing import IntentClassifier

    texts = ["quiero pagar el ibi", "recibo del ibi de mi casa", "pagar impuesto ibi",
             "duda sobre el ibi", "alta en el padron", "empadronarme en madrid",
             "certificado de padron", "cambio de domicilio en el padron"] * 3
    labels = (["ibi"] * 4 + ["padron"] * 4) * 3
    clf = IntentClassifier(char_min_df=1).fit(texts, labels)
    r = Router(AGENTS, pair_model=pair_model, intent_model=clf, intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG)
    c = r.prepare(Contact(1, "chat", text="tengo que pagar el ibi"))
    assert c.intent == "ibi" and c.skill == "tax" and c.language is not None
    d = r.route(Contact(2, "voice", text="me quiero empadronar"))
    assert d.routed
    r.save(tmp_path / "bundle")
    r2 = Router.load(tmp_path / "bundle")
    assert r2.prepare(Contact(1, "chat", text="tengo que pagar el ibi")).intent == "ibi"
    assert r2.route(Contact(2, "voice", text="me quiero empadronar")) == d


def test_nan_fields_from_frames_mean_unknown(pair_model):
    nan = float("nan")
    r = Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG)
    c = r.prepare(Contact(1, "voice", intent=nan, skill=nan, language=nan, priority=nan,
                          customer_id=nan, text=nan))
    assert (c.intent, c.skill, c.language, c.customer_id, c.priority) == (
        None, None, None, None, 0)
    assert r.route(Contact(1, "voice", intent="ibi", priority=7)).routed
    rb = Router(AGENTS, pair_model=pair_model, policy=BatchAssignment(),
                intent_skills=INTENT_SKILLS, latency_budget_ms=BIG)
    ds = rb.route_batch([Contact(i, "voice", intent="ibi", priority=nan) for i in range(3)])
    assert all(d.routed for d in ds)


def test_pickle_and_deepcopy_keep_the_models(tmp_path, pair_model):
    # before: __getstate__ dropped both models, so a pickled router had no pair model
    import copy
    import pickle

    clf = StubIntent()
    r = Router(AGENTS, pair_model=pair_model, intent_model=clf,
               intent_skills=INTENT_SKILLS, history=make_log(), latency_budget_ms=BIG)
    before = [r.route(c) for c in contacts()]
    for twin in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r)):
        assert isinstance(twin.pair_model, PairOutcomeModel)
        assert isinstance(twin.intent_model, StubIntent)
        assert twin.policy.model is twin.pair_model
        assert [twin.route(c) for c in contacts()] == before
        assert "fallback:model_missing" not in twin.stats()
        assert twin.stats()["decisions"] == 50  # counters start afresh
    # the bundle still writes the models to their own files
    r.save(tmp_path / "b")
    alone = pickle.loads((tmp_path / "b" / "router.pkl").read_bytes())
    assert alone.pair_model is None and alone.intent_model is None
    assert alone.policy.model is None
    assert r.pair_model is pair_model and r.policy.model is pair_model


def test_one_word_utterance_is_not_restricted_to_a_guessed_language():
    # before: "multa" was detected as Catalan and the contact waited for a Catalan speaker
    from routing_ml.routing import IntentClassifier

    texts = ["quiero pagar el ibi", "recibo del ibi", "alta en el padron",
             "certificado de padron"] * 3
    clf = IntentClassifier(char_min_df=1).fit(texts, ["ibi", "ibi", "padron", "padron"] * 3)
    agents = [{"agent_id": "ES1", "skills": {"tax": 3}, "languages": ("es",),
               "channels": ("voice",)},
              {"agent_id": "CA1", "skills": {"tax": 3}, "languages": ("ca",),
               "channels": ("voice",)}]
    r = Router(agents, intent_model=clf, intent_skills=INTENT_SKILLS)
    for word in ("multa", "DNI", "padrón"):
        c = Contact(1, "voice", intent="ibi", text=word)
        assert r.prepare(c).language is None
        d = r.route(c, available_agents=["ES1"])
        assert d.agent_id == "ES1", d
    # a clear sentence still sets (and requires) its language
    c = Contact(2, "voice", intent="ibi", text="vull pagar l'impost del cotxe, si us plau")
    assert r.prepare(c).language == "ca"
    assert not r.route(c, available_agents=["ES1"]).routed


def test_available_agents_as_one_id_or_a_data_frame():
    # before: "A3" was read as the ids "A" and "3", a DataFrame as its column names, and
    # both silently routed nowhere
    r = Router(AGENTS, intent_skills=INTENT_SKILLS)
    c = Contact(1, "voice", intent="ibi", language="es")
    d = r.route(c, available_agents="A3")
    assert d.agent_id == "A3"
    assert "unknown_agent" not in r.stats()
    frame = pd.DataFrame({"agent_id": ["A3"], "skills": [{"tax": 4}]})
    assert r.route(c, available_agents=frame).agent_id == "A3"
    assert r.route_batch([c], available_agents=frame)[0].agent_id == "A3"
    assert r.route(c, available_agents=pd.DataFrame({"id": ["A3"]})).reason == \
        "no_eligible_agent:bad_input"
    assert r.route_batch([c], available_agents=7)[0].reason == "no_eligible_agent:bad_input"
    assert r.stats()["bad_input"] == 2


def test_abstained_contact_goes_to_the_triage_queue():
    # before: an abstained contact got skill=None and went to any agent on the channel
    from routing_ml.routing import IntentClassifier

    texts = ["quiero pagar el ibi", "recibo del ibi", "alta en el padron",
             "certificado de padron"] * 3
    clf = IntentClassifier(char_min_df=1, calibration="none", abstain_threshold=0.6,
                           triage_queue="general").fit(
        texts, ["ibi", "ibi", "padron", "padron"] * 3)
    agents = [{"agent_id": "T1", "skills": {"tax": 5, "census": 5}, "channels": ("voice",)},
              {"agent_id": "G1", "skills": {"general": 3}, "channels": ("voice",)}]
    r = Router(agents, intent_model=clf, intent_skills=INTENT_SKILLS)
    c = Contact(1, "voice", text="una duda")
    assert clf.predict_one(c.text).abstained
    assert r.prepare(c).skill == "general" and r.prepare(c).intent is None
    assert r.route(c).agent_id == "G1"
    assert not r.route(c, available_agents=["T1"]).routed
    assert r.stats()["intent:triage"] == 4
    # a triage queue nobody staffs: the skill stays unknown (any agent on the channel)
    r2 = Router(agents[:1], intent_model=clf, intent_skills=INTENT_SKILLS)
    assert r2.prepare(c).skill is None and r2.route(c).agent_id == "T1"
    assert r2.stats()["intent:triage_not_staffed"] == 2
    # below min_intent_confidence (no abstention): the model's triage_queue too
    clf.set_params(abstain_threshold=None)
    r3 = Router(agents, intent_model=clf, intent_skills=INTENT_SKILLS,
                min_intent_confidence=0.6)
    assert r3.prepare(c).skill == "general"


class NaNModel:
    def expected_outcomes(self, contact, pool):
        return np.full(len(pool), np.nan), np.full(len(pool), np.nan)


def test_nonfinite_score_fallbacks_are_counted():
    # before: Predictive's 'fallback:nonfinite_score' decisions were not in stats()
    r = Router(AGENTS, policy=Predictive(NaNModel()), intent_skills=INTENT_SKILLS,
               latency_budget_ms=BIG)
    ds = [r.route(Contact(i, "voice", intent="ibi", language="es")) for i in range(3)]
    assert all(d.routed and d.reason == "fallback:nonfinite_score" for d in ds)
    ds = r.route_batch([Contact(9, "voice", intent="ibi", language="es")])
    assert ds[0].reason == "fallback:nonfinite_score"
    assert r.stats()["fallback:nonfinite_score"] == 4


def test_non_numeric_budgets_raise_value_error_naming_them():
    # before: latency_budget_ms="5" raised a TypeError from np.isfinite
    with pytest.raises(ValueError, match=r"latency_budget_ms must be a number, got '5'.*=20"):
        Router(AGENTS, latency_budget_ms="5")
    with pytest.raises(ValueError, match="min_intent_confidence must be a number"):
        Router(AGENTS, min_intent_confidence="0.5")
    with pytest.raises(ValueError, match=r"agent 'A0': column 'languages' is nan"):
        Router([{**AGENTS[0], "languages": float("nan")}])
    with pytest.raises(ValueError, match=r"agent 'A0': column 'skills' is 'tax'"):
        Router([{**AGENTS[0], "skills": "tax"}])


def test_save_can_leave_the_case_book_out(tmp_path, pair_model):
    import json

    r = Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS, history=make_log(),
               latency_budget_ms=BIG)
    assert len(r.cases) > 0
    r.save(tmp_path / "with")
    r.save(tmp_path / "without", include_cases=False)
    assert len(Router.load(tmp_path / "with").cases) == len(r.cases)
    assert len(Router.load(tmp_path / "without").cases) == 0
    assert len(r.cases) > 0  # the live router keeps its cases
    manifest = json.loads((tmp_path / "without" / "manifest.json").read_text())
    assert manifest["case_book_citizens"] == 0


def test_route_batch_of_a_data_frame_routes_its_rows(pair_model):
    r = Router(AGENTS, pair_model=pair_model, intent_skills=INTENT_SKILLS, latency_budget_ms=BIG)
    df = pd.DataFrame({"contact_id": [1, 2], "channel": ["voice", ""], "intent": ["ibi", "ibi"],
                       "is_repeat": ["no", "no"]})
    ds = r.route_batch(df)
    assert len(ds) == 2 and ds[0].routed and ds[1].reason == "no_eligible_agent:bad_input"
    assert r.route(Contact(3, "voice", intent="ibi"), now="abc").reason == \
        "no_eligible_agent:bad_input"
    assert [d.reason for d in r.route_batch([Contact(3, "voice", intent="ibi")], now="abc")] == \
        ["no_eligible_agent:bad_input"]

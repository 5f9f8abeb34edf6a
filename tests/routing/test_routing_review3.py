"""Review findings on routing (2026-12-01): intent codes that are numbers, a detected
intent whose queue nobody is rostered on, the triage label changed after ``fit``,
``resolved`` flags given as text, and a roster that is not a roster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.routing import CaseBook, Contact, IntentClassifier, PairOutcomeModel, Router

ROSTER = [
    {"agent_id": "A1", "skills": {"tax": 3}, "channels": ("voice", "chat")},
    {"agent_id": "A2", "skills": {"census": 4}, "channels": ("voice", "chat")},
]


@pytest.mark.parametrize("code", [2, np.int64(2), 2.0, "2"])
def test_a_numeric_intent_code_finds_its_skill(code: object) -> None:
    # intent 2 is census: only A2 has it (A1 has tax only)
    r = Router(ROSTER, intent_skills={2: "census", 1: "tax"})
    d = r.route(Contact(1, "voice", intent=code))
    assert d.agent_id == "A2", d
    assert r.prepare(Contact(1, "voice", intent=code)).skill == "census"


TEXTS = ["quiero pagar el ibi", "pagar impuesto de vehiculos", "recibo del ibi",
         "alta en el padron", "cambio de domicilio en el padron", "certificado de empadronamiento"] * 3
LABELS = ["tax_payment"] * 3 + ["census_change"] * 3
LABELS = LABELS * 3


def test_a_detected_intent_whose_queue_nobody_staffs_is_still_routed() -> None:
    # the classifier's queue of an intent is the intent's name, a skill nobody has here:
    # the contact must not wait for nobody (it goes to any agent on the channel, counted)
    clf = IntentClassifier().fit(TEXTS, LABELS)
    r = Router(ROSTER, intent_model=clf)
    d = r.route(Contact(1, "chat", text="quiero pagar el ibi"))
    assert d.agent >= 0, d
    assert r.stats().get("intent:queue_not_staffed") == 1
    # a queue someone is rostered on is still the skill
    r2 = Router(ROSTER, intent_model=clf.set_params(
        intent_to_queue={"tax_payment": "tax", "census_change": "census"}))
    c = Contact(2, "chat", text="alta en el padron")
    assert r2.prepare(c).skill == "census"
    assert r2.route(c).agent_id == "A2"


def test_the_triage_label_set_after_fit_is_checked() -> None:
    clf = IntentClassifier(abstain_threshold=0.99).fit(TEXTS, LABELS)
    clf.set_params(triage_label="tax_payment")  # an intent: abstentions would look like it
    with pytest.raises(ValueError, match="also an intent"):
        clf.predict(["hola"])
    with pytest.raises(ValueError, match="also an intent"):
        clf.predict_one("hola")
    clf.set_params(triage_label=-1)  # not of the labels' type
    with pytest.raises(ValueError, match="type"):
        clf.predict(["hola"])
    clf.set_params(triage_label="general")  # a valid change is taken
    assert clf.predict(["zzz qqq"])[0] == "general"


def _log(resolved: object) -> pd.DataFrame:
    # citizen 7 calls twice within the window; the first contact's outcome decides whether
    # the second finds an open case
    return pd.DataFrame({"customer_id": [7, 7], "agent_id": ["A1", "A2"],
                         "intent": ["tax", "tax"], "handle_seconds": [100.0, 100.0],
                         "ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00"]),
                         "channel": "voice", "resolved": resolved})


def test_text_zero_one_resolved_flags_mean_what_they_say() -> None:
    # bool("0") is True: the open-case feature read text "0" as resolved
    clean = PairOutcomeModel._clean_log(_log(["0", "1"]))
    assert clean["resolved"].tolist() == [False, True]


@pytest.mark.parametrize(("resolved", "open_case"), [([True, False], True), (["1", "0"], True),
                                                     ([0, 1], False), ([1, np.nan], True)])
def test_the_case_book_reads_resolved_flags(resolved: list, open_case: bool) -> None:
    # the case is that of the citizen's last contact (10:00): open unless it was resolved
    book = CaseBook.from_interactions(_log(resolved))
    later = pd.Timestamp("2024-01-01 10:30").value / 1e9
    assert book.lookup(7, later)[0] is open_case


def test_the_case_book_refuses_text_outcomes() -> None:
    with pytest.raises(ValueError, match="'resolved'"):
        CaseBook.from_interactions(_log(["no", "yes"]))


@pytest.mark.parametrize("agents", ["agents.csv", {"agent_id": "A1"}, ["A1", "A2"], None, 5])
def test_a_roster_that_is_not_a_roster_is_named(agents: object) -> None:
    with pytest.raises(ValueError, match="agents"):
        Router(agents)  # type: ignore[arg-type]


class _Garbage:
    """An intent model whose answer lacks the fields the Router reads."""

    def __init__(self, answer):
        self.answer = answer

    def predict_one(self, text):
        return self.answer


@pytest.mark.parametrize("answer", [None, object(), "tax"])
def test_an_intent_model_with_a_strange_answer_routes_without_intent(answer) -> None:
    r = Router(ROSTER, intent_model=_Garbage(answer))
    d = r.route(Contact(1, "voice", text="quiero pagar el ibi"))
    assert d.agent >= 0, d  # routed by the rules, not "fallback:router_error"
    assert r.stats().get("intent:error") == 1


def test_pair_model_is_repeat_as_text_names_the_column() -> None:
    log = _log([True, False]).assign(is_repeat=["yes", "no"])
    with pytest.raises(ValueError, match="is_repeat"):
        PairOutcomeModel._clean_log(log)


class _LanguageScorer:
    """Values that depend on the contact's language agent by agent (a pair model's
    language match does), with a context key that leaves language out (as
    PairOutcomeModel.context_key does by default)."""

    def expected_outcomes(self, contact, pool):
        p = np.array([0.9, 0.5]) if contact.language is None else np.array([0.95, 0.1])
        return p, np.full(len(pool), 300.0)

    def context_key(self, contact):
        return (contact.channel, contact.skill)


def test_batch_assignment_does_not_share_values_across_languages() -> None:
    from routing_ml.routing import AgentPool, BatchAssignment

    agents = [{"agent_id": "A", "skills": {"tax": 3}, "languages": ("es",), "channels": ("voice",)},
              {"agent_id": "B", "skills": {"tax": 3}, "languages": ("es",), "channels": ("voice",)}]
    pool = AgentPool.from_agents(agents)
    # no agent speaks French: both contacts have no language index at the bullseye
    contacts = [Contact(1, "voice", 0.0, skill="tax", language=None),
                Contact(2, "voice", 0.0, skill="tax", language="fr")]
    got = BatchAssignment(_LanguageScorer(), lambda_per_second=0.0).assign_batch(contacts, pool, 0.0)
    # optimum: the French contact to A (0.95), the other to B (0.5): 1.45 against 1.0
    assert [d.agent_id for d in got] == ["B", "A"], got


@pytest.mark.parametrize("arrival", [-np.inf, np.inf, np.nan])
def test_a_non_finite_arrival_waits_zero_seconds(arrival) -> None:
    agents = [{"agent_id": "EN", "skills": {"tax": 3}, "languages": ("en",), "channels": ("voice",)},
              {"agent_id": "ES", "skills": {"tax": 3}, "languages": ("es",), "channels": ("voice",)}]
    r = Router(agents, warm_up=False)
    d = r.route(Contact(1, "voice", arrival, skill="tax", language="en"), now=1000.0)
    assert d.agent_id == "EN" and d.reason.endswith("step=0"), d


def test_predictive_refuses_values_that_are_not_one_per_agent() -> None:
    from routing_ml.routing import Predictive

    class Short:
        def expected_outcomes(self, contact, pool):
            return np.array([0.9]), np.array([100.0])

    agents = [{"agent_id": f"A{i}", "skills": {"tax": 3}, "channels": ("voice",)} for i in range(3)]
    r = Router(agents, policy=Predictive(Short()), warm_up=False)
    d = r.route(Contact(1, "voice", 0.0, skill="tax"), now=0.0)
    assert d.reason.startswith("fallback:model_error"), d


def test_the_pair_models_row_cache_sees_a_pools_other_languages() -> None:
    import dataclasses
    import pickle

    from routing_ml.datasets.synthetic import make_contact_center
    from routing_ml.routing import AgentPool

    cc = make_contact_center(seed=1, days=3, daily_contacts=300, n_agents=12)
    m = PairOutcomeModel(n_estimators=50, min_child_samples=20).fit(cc.interactions, cc.agents)
    pool = AgentPool.from_agents(cc.agents)
    c = Contact(1, "voice", 0.0, intent="cita_previa", skill="citas", language="en")
    m.expected_outcomes(c, pool)
    langs = pool.languages.copy()
    langs[:, pool.language_names.index("en")] = True  # everybody speaks English now
    pool2 = dataclasses.replace(pool, languages=langs)  # shares agent_ids and skills
    cached, _ = m.expected_outcomes(c, pool2)
    fresh, _ = pickle.loads(pickle.dumps(m)).expected_outcomes(c, pool2)
    np.testing.assert_allclose(cached, fresh)


def test_batch_scores_are_value_plus_urgency_however_the_contact_was_placed() -> None:
    from routing_ml.routing import AgentPool, BatchAssignment, BullseyeStep

    pool = AgentPool.from_agents([
        {"agent_id": "X", "skills": {"tax": 5}, "channels": ("voice", "chat"), "max_concurrency": 2},
        {"agent_id": "Y", "skills": {"tax": 2}, "channels": ("chat",), "max_concurrency": 2}])
    cs = [Contact(1, "voice", 0.0, skill="tax", priority=2),
          Contact(2, "chat", 0.0, skill="tax", priority=1),
          Contact(3, "chat", 0.0, skill="tax", priority=1)]
    pol = BatchAssignment(bullseye=[BullseyeStep(0, 1, False)])
    for c, d in zip(cs, pol.assign_batch(cs, pool, 60.0), strict=True):
        # without a model the value is proficiency / 5 (X: 1.0, Y: 0.4) less the idle-rank
        # tie-break (under 1e-4)
        value = pol._values(c, pool, 0)[d.agent]
        assert abs(value - pool.skills[d.agent, 0] / 5) < 1e-4
        assert d.score == pytest.approx(value + pol._urgency(c, 60.0)), (c, d)

"""Review findings on the Router (2026-11-30): a contact on another clock than ``now``,
a batch model without finite values, configuration errors at build time, citizen ids
that change type on the wire, fields that are not names, ``record_outcome`` in a service,
bundles of another format."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from routing_ml.routing import (
    BatchAssignment,
    CaseBook,
    Contact,
    PairOutcomeModel,
    Predictive,
    Router,
    SkillBased,
)

SKILLS = {"padron": "census"}
ROSTER = [
    {"agent_id": "ES", "skills": {"census": 3}, "languages": ("es",), "channels": ("voice",)},
    {"agent_id": "EU", "skills": {"census": 3}, "languages": ("es", "eu"),
     "channels": ("voice",)},
]
BAD = "no_eligible_agent:bad_input"


class NaNModel:
    """Pair model stub that gives no finite value."""

    def expected_outcomes(self, contact, pool):
        n = len(pool)
        return np.full(n, np.nan), np.full(n, np.nan)


def test_a_contact_on_another_clock_keeps_its_language_step():
    # arrival_seconds left at 0 against an epoch now: the contact "waited" 54 years, every
    # bullseye step was open and a Basque speaker went to an agent without Basque
    r = Router(ROSTER, intent_skills=SKILLS)
    c = Contact(1, "voice", intent="padron", language="eu")
    d = r.route(c, available_agents=["ES", "EU"], now=time.time())
    assert d.agent_id == "EU" and d.reason.endswith("step=0"), d
    assert r.stats()["clock_mismatch"] == 1
    # a real wait on one clock is untouched
    d = r.route(Contact(2, "voice", intent="padron", language="eu", arrival_seconds=1_000.0),
                available_agents=["ES"], now=1_100.0)
    assert r.stats()["clock_mismatch"] == 1


def test_batch_assignment_without_finite_values_falls_back_and_says_so():
    r = Router(ROSTER, policy=BatchAssignment(NaNModel()), intent_skills=SKILLS)
    ds = r.route_batch([Contact(i, "voice", intent="padron", language="es") for i in range(2)])
    assert [d.reason for d in ds] == ["fallback:nonfinite_score"] * 2
    assert {d.agent_id for d in ds} == {"ES", "EU"}
    assert r.stats()["fallback:nonfinite_score"] == 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(policy=SkillBased), r"policy=SkillBased is a class; pass an instance"),
    (dict(fallback="skill_based"), r"fallback must have choose"),
    (dict(intent_model="intent.pkl"), r"intent_model='intent.pkl' is a path"),
    (dict(history="log.csv"), r"history must be a DataFrame"),
    (dict(history=pd.DataFrame({"a": [1]})), r"history is missing columns \['customer_id', 'ts'\]"),
    (dict(case_window_hours=-5), r"case_window_hours must be a finite number of hours > 0"),
    (dict(case_window_hours=float("nan")), r"case_window_hours"),
    (dict(intent_skills=["padron"]), r"intent_skills must be a mapping"),
    (dict(pair_model=PairOutcomeModel()), r"pair_model is not fitted"),
])
def test_bad_configuration_is_a_value_error_at_build_time(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Router(ROSTER, **kwargs)


@pytest.mark.parametrize("make, match", [
    (lambda: BatchAssignment(None, lambda_per_second=float("nan")), "lambda_per_second"),
    (lambda: BatchAssignment(None, retry_seconds=0), "retry_seconds must be > 0"),
    (lambda: BatchAssignment(None, fairness_weight=-1), "fairness_weight"),
    (lambda: BatchAssignment(None, preferred_agent_bonus=float("inf")), "preferred_agent_bonus"),
    (lambda: SkillBased(sla_seconds={"voice": 0}), r"sla_seconds\['voice'\]"),
    (lambda: Predictive(NaNModel(), sla_seconds={"chat": float("nan")}), r"sla_seconds\['chat'\]"),
    (lambda: SkillBased(priority_weight=float("nan")), "priority_weight"),
])
def test_policy_parameters_are_checked(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_an_agent_without_id_is_refused():
    with pytest.raises(ValueError, match=r"rows \[1\] have no agent_id"):
        Router([ROSTER[0], {**ROSTER[1], "agent_id": float("nan")}])


def test_the_case_book_reads_a_citizen_id_the_same_whatever_its_type():
    book = CaseBook()
    book.record(57327003, 1_000.0, "voice", "EU", False)
    for key in ("57327003", " 57327003 ", 57327003.0, np.int64(57327003)):
        assert book.lookup(key, 1_100.0) == (True, 1, "voice", "EU"), key
    for nobody in (None, 0, "", float("nan"), [1]):
        assert book.lookup(nobody, 1_100.0) == (False, 0, None, None)


def test_record_outcome_never_raises_into_the_service():
    r = Router(ROSTER, intent_skills=SKILLS)
    r.record_outcome(None, "ES", True)
    r.record_outcome(Contact(1, "voice", customer_id=5), "ES", True, now="yesterday")
    r.record_outcome(Contact(1, "voice", customer_id=5, arrival_seconds=float("nan")), "ES", True)
    assert r.stats()["bad_input"] == 3
    assert len(r.cases) == 0


@pytest.mark.parametrize("contact", [
    Contact(1, "voice", skill=["census"]),
    Contact(1, "voice", intent={"padron": 1}),
    Contact(1, "voice", customer_id=[1]),
    Contact(1, ["voice"]),
    Contact(1, "voice", intent="padron", is_repeat="no"),
    Contact(1, "voice", intent="padron", open_case="no"),
])
def test_fields_that_are_not_names_or_flags_are_bad_input(contact):
    r = Router(ROSTER, intent_skills=SKILLS)
    assert r.route(contact).reason == BAD
    assert r.stats() == {"bad_input": 1}


def test_a_bundle_of_another_format_is_a_value_error(tmp_path):
    r = Router(ROSTER, intent_skills=SKILLS)
    r.save(tmp_path / "b")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    (tmp_path / "b" / "manifest.json").write_text("[]")
    with pytest.raises(ValueError, match="manifest format 'list'"):
        Router.load(tmp_path / "b")
    (tmp_path / "b" / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(ValueError, match="format_version 99"):
        Router.load(tmp_path / "b")
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    assert Router.load(tmp_path / "b").agent_ids == ("ES", "EU")


def test_a_contact_twice_in_one_batch_gets_one_agent():
    r = Router(ROSTER, intent_skills=SKILLS)
    c = Contact(7, "voice", intent="padron", language="es")
    ds = r.route_batch([c, c, Contact(8, "voice", intent="padron", language="es")])
    assert ds[0].routed and ds[1].reason == BAD and ds[2].routed
    assert ds[0].agent_id != ds[2].agent_id
    assert r.stats()["bad_input"] == 1

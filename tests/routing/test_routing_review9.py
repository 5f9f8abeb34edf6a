"""Review findings on the rule policies and the pair model (2026-12-02): a chat given to an
agent holding chats while an equal one sat idle, a preferred agent who could not take his
own open case when freed, LongestIdleAgent serving a skill nobody has, and an intent whose
skill cells are all empty getting the skill "None". Each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.routing import (
    AgentPool,
    BatchAssignment,
    Contact,
    LongestIdleAgent,
    PairOutcomeModel,
    Predictive,
    SkillBased,
)


def _chat_pool() -> AgentPool:
    agents = [{"agent_id": a, "skills": {"padron": 3}, "languages": "es", "channels": "chat",
               "max_concurrency": 3} for a in ("A", "B")]
    pool = AgentPool.from_agents(agents)
    pool.load[0, pool.channel_index("chat")] = 2  # A holds two chats, last fully idle at 0
    pool.idle_since[:] = [0.0, 50.0]  # B fully idle since 50
    return pool


@pytest.mark.parametrize("policy", [SkillBased(), LongestIdleAgent(), BatchAssignment()],
                         ids=lambda p: p.name)
def test_an_idle_agent_takes_a_chat_before_one_holding_chats(policy):
    c = Contact(1, "chat", arrival_seconds=100.0, skill="padron", language="es")
    assert policy.choose(c, _chat_pool(), 100.0).agent_id == "B"


def test_with_every_agent_holding_chats_the_fewest_sessions_come_first():
    pool = _chat_pool()
    pool.load[1, pool.channel_index("chat")] = 1  # B holds one chat, A two
    c = Contact(1, "chat", arrival_seconds=100.0, skill="padron", language="es")
    assert SkillBased().choose(c, pool, 100.0).agent_id == "B"
    assert LongestIdleAgent().choose(c, pool, 100.0).agent_id == "B"


def test_the_freed_agent_of_an_open_case_takes_it_whatever_the_step():
    agents = [{"agent_id": "A", "skills": {"padron": 5}, "channels": "voice"},
              {"agent_id": "B", "skills": {"padron": 1}, "channels": "voice"}]
    pool = AgentPool.from_agents(agents)
    c = Contact(1, "voice", arrival_seconds=0.0, skill="padron", preferred_agent_id="B")
    for policy in (SkillBased(), Predictive(_Flat())):
        assert policy.choose(c, pool, 5.0).agent_id == "B"
        # before: B could not take it when freed (bullseye proficiency), and A may not
        assert policy.choose_contact(1, [c], pool, 5.0) == 0
        assert policy.choose_contact(0, [c], pool, 5.0) == -1


class _Flat:
    def expected_outcomes(self, contact, pool):
        return np.full(len(pool), 0.7), np.full(len(pool), 300.0)


def test_longest_idle_with_require_skill_finds_nobody_for_an_unknown_skill():
    pool = AgentPool.from_agents([{"agent_id": "A", "skills": {"padron": 3}, "channels": "voice"}])
    c = Contact(1, "voice", skill="tributos")
    d = LongestIdleAgent().choose(c, pool, 0.0)
    assert d.agent == -1 and d.reason == "no_eligible_agent:skill_not_staffed"
    assert LongestIdleAgent().choose_contact(0, [c], pool, 0.0) == -1
    assert LongestIdleAgent(require_skill=False).choose(c, pool, 0.0).agent_id == "A"
    assert LongestIdleAgent().choose(Contact(2, "voice"), pool, 0.0).agent_id == "A"  # no skill asked


def test_an_intent_with_no_skill_in_the_log_keeps_its_own_name():
    from routing_ml.datasets import make_contact_center

    cc = make_contact_center(seed=0, days=2, daily_contacts=200, n_agents=8)
    log = cc.interactions.copy()
    intent = log["intent"].iloc[0]
    log["skill"] = log["skill"].astype(object)
    log.loc[log["intent"] == intent, "skill"] = None
    model = PairOutcomeModel(random_state=0).fit(log, cc.agents)
    # before: the skill "None", which nobody has
    assert model.intent_skills_[intent] == intent
    assert "None" not in model.skills_
    assert pd.Series(model.intent_skills_).drop(intent).ne("None").all()


def test_a_log_whose_service_starts_before_arrival_is_refused():
    # review: start one hour before ts (UTC against local time) let each row's own outcome
    # into its history features (correlation 0.29 on pure noise), silently
    from routing_ml.datasets import make_contact_center
    from routing_ml.errors import FrameError

    cc = make_contact_center(seed=0, days=2, daily_contacts=200, n_agents=8)
    log = cc.interactions.copy()
    shifted = log.assign(start=log["start"] - pd.Timedelta("1h"))
    with pytest.raises(FrameError, match=r"'start' is before 'ts' in \d+ of \d+ rows.*two clocks"):
        PairOutcomeModel(random_state=0).fit(shifted, cc.agents)
    # a few rows of clock noise are read as starting at arrival
    noisy = log.copy()
    noisy.loc[noisy.index[:2], "start"] = noisy["ts"].iloc[:2] - pd.Timedelta("5s")
    assert PairOutcomeModel(random_state=0).fit(noisy, cc.agents).n_interactions_ == len(log)


def test_route_cli_now_lets_held_contacts_move_on(tmp_path):
    # review: the CLI had no --now: a contact waiting for the next bullseye step got the same
    # "no eligible agent, retry" answer however often it was routed again
    from typer.testing import CliRunner

    from routing_ml.cli import app
    from routing_ml.routing import Router

    roster = [{"agent_id": "junior", "skills": {"padron": 1}, "channels": ("voice",)}]
    Router(roster, policy=SkillBased(), warm_up=False).save(tmp_path / "bundle")
    pd.DataFrame({"contact_id": [1], "channel": ["voice"], "skill": ["padron"],
                  "arrival_seconds": ["2024-01-08 09:00:00"]}).to_csv(tmp_path / "c.csv", index=False)

    def routed(*extra: str) -> str:
        res = CliRunner().invoke(app, ["route", "--bundle", str(tmp_path / "bundle"), "--contacts",
                                       str(tmp_path / "c.csv"), "--out", str(tmp_path / "o.csv"), *extra])
        assert res.exit_code == 0, res.output
        return str(pd.read_csv(tmp_path / "o.csv")["reason"].iloc[0])

    assert routed().startswith("no_eligible_agent:bullseye_step=0")  # proficiency 3 asked first
    assert routed("--now", "2024-01-08 09:01:10").startswith("skill_match:step=2")  # waited 70 s
    res = CliRunner().invoke(app, ["route", "--bundle", str(tmp_path / "bundle"), "--contacts",
                                   str(tmp_path / "c.csv"), "--out", str(tmp_path / "o.csv"), "--now", "soon"])
    assert res.exit_code == 1 and "--now 'soon' is neither seconds nor a timestamp" in res.output


def test_one_contact_scored_against_several_agents_is_not_its_own_repeat():
    # review: with a customer_id, row k of the pairs was read as the citizen's k-th repeat,
    # so predict ranked the agents differently from expected_outcomes (the policies' path)
    from routing_ml.datasets import make_contact_center
    from routing_ml.routing.pair_model import FEATURES

    cc = make_contact_center(seed=0, days=2, daily_contacts=300, n_agents=8)
    model = PairOutcomeModel(n_estimators=30, random_state=0).fit(cc.interactions, cc.agents)
    agents = list(cc.agents["agent_id"][:4])
    intent = cc.interactions["intent"].iloc[0]
    pairs = pd.DataFrame([{"agent_id": a, "intent": intent, "channel": "voice", "language": "es",
                           "customer_id": 777} for a in agents])
    X = model.features(pairs)
    assert X[:, [FEATURES.index("is_repeat"), FEATURES.index("prior_contacts")]].sum() == 0
    pool = AgentPool.from_agents(cc.agents.set_index("agent_id").loc[agents].reset_index())
    fast = model.expected_outcomes(Contact(1, "voice", intent=intent, language="es", customer_id=777), pool)[0]
    np.testing.assert_allclose(model.predict(pairs)["p_resolved"], fast, atol=1e-9)
    # two distinct contacts of the customer are still linked (the later one is a repeat)
    two = pd.DataFrame([{"agent_id": agents[0], "intent": intent, "channel": "voice", "customer_id": 5,
                         "ts": pd.Timestamp("2024-01-10 09:00") + pd.Timedelta(hours=h)} for h in (0, 1)])
    assert model.features(two)[:, FEATURES.index("prior_contacts")].tolist() == [0.0, 1.0]

"""Review findings on the routing policies (2026-12-02, afternoon)."""

from __future__ import annotations

import pytest

from routing_ml.routing import AgentPool, BatchAssignment, BullseyeStep, Contact


@pytest.mark.parametrize(("bonus", "expected"), [(0.05, "A"), (0.25, "B")])
def test_batch_preferred_agent_bonus_is_a_share_of_a_proficiency_level(bonus, expected):
    """Without a model a level is worth 0.2: the documented 0.25 gives the open case to its
    agent over one a level above; the default 0.05 only breaks ties."""
    agents = [{"agent_id": "A", "skills": {"padron": 5}, "channels": "voice"},
              {"agent_id": "B", "skills": {"padron": 4}, "channels": "voice"}]
    pool = AgentPool.from_agents(agents)
    c = Contact(1, "voice", arrival_seconds=0.0, skill="padron", preferred_agent_id="B")
    policy = BatchAssignment(preferred_agent_bonus=bonus, bullseye=(BullseyeStep(0, 1),))
    assert policy.choose(c, pool, 0.0).agent_id == expected


def _contended_batch(n_agents: int = 10, n_contacts: int = 30):
    """Agents who can work voice or chat, more contacts than sessions: the channel each
    agent works decides how many are served (the integer program's case)."""
    import numpy as np

    rng = np.random.default_rng(0)
    skills = ["a", "b", "c", "d"]
    agents = [{"agent_id": f"A{i}", "channels": "voice,chat", "max_concurrency": 3,
               "skills": {s: int(rng.integers(1, 6)) for s in rng.choice(skills, 2, replace=False)}}
              for i in range(n_agents)]
    contacts = [Contact(i, str(rng.choice(["voice", "chat"])), arrival_seconds=0.0,
                        skill=str(rng.choice(skills))) for i in range(n_contacts)]
    return AgentPool.from_agents(agents), contacts


def test_batch_milp_seconds_none_and_zero_are_reproducible_answers():
    pool, contacts = _contended_batch()

    def served(policy: BatchAssignment) -> int:
        return sum(d.agent >= 0 for d in policy.assign_batch(contacts, pool, 1.0))

    exact, relaxed = served(BatchAssignment(milp_seconds=None)), served(
        BatchAssignment(milp_seconds=0))
    # the integer program serves more than the channel-held relaxation on this batch
    assert exact > relaxed
    assert served(BatchAssignment(milp_seconds=30.0)) == exact
    for bad in (-1.0, True, "1"):
        with pytest.raises(ValueError, match="milp_seconds"):
            BatchAssignment(milp_seconds=bad)  # type: ignore[arg-type]

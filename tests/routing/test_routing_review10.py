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

"""Small roster instances shared by the scheduling tests (built in code, no files)."""

from __future__ import annotations

import pandas as pd
import pytest
from scheduling_helpers import requirements

from routing_ml.scheduling import BreakRule, RosterRules, RosterWeights, ShiftTemplate, SolverConfig


@pytest.fixture
def cfg():
    return SolverConfig(num_workers=1, time_limit_seconds=10, random_seed=0)


@pytest.fixture
def day_shift():
    return ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,))


@pytest.fixture
def no_soft():
    return RosterWeights(unstable_start_per_day=0, weekend_fairness_per_day=0, preference_per_day=0)


@pytest.fixture(scope="session")
def mixed_instance():
    """Two queues, 6 agents, early/late shifts with breaks and a night shift across midnight."""
    lunch = BreakRule(name="lunch", duration_minutes=30, paid=False, earliest_offset_minutes=180, latest_offset_minutes=270)
    coffee = BreakRule(name="coffee", duration_minutes=15, paid=True, earliest_offset_minutes=60, latest_offset_minutes=120)
    shifts = [
        ShiftTemplate(name="early", start_minutes=7 * 60, latest_start_minutes=9 * 60, start_step_minutes=60,
                      lengths_minutes=(480,), breaks=(coffee, lunch), cost_per_hour=20),
        ShiftTemplate(name="late", start_minutes=13 * 60, latest_start_minutes=14 * 60, start_step_minutes=60,
                      lengths_minutes=(480, 360), breaks=(lunch,), cost_per_hour=22),
        ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,), queues=("voice",), cost_per_hour=30),
    ]
    req = pd.concat([
        requirements([(7, 12, 2), (12, 18, 2), (18, 22, 1), (22, 24, 1)], queue="voice"),
        requirements([(0, 6, 1)], queue="voice", days=range(1, 7)),
        requirements([(9, 17, 1)], queue="chat", days=range(5)),
    ], ignore_index=True)
    agents = pd.DataFrame({
        "agent_id": ["ana", "ben", "cris", "dan", "eva", "fer"],
        "skills": ["voice;chat", "voice", "voice", "chat;voice", "voice", "chat"],
        "unavailable": ["", "2026-12-09", "", "Sun", "", ""],
        "earliest_start": ["", "", "", "", "20:00", ""],
        "latest_end": ["", "", "", "", "31:00", "19:00"],
        "preferred_start": ["08:00", "", "", "", "", ""],
        "preferred_days_off": ["Sat;Sun", "", "", "", "", ""],
    })
    rules = RosterRules(min_hours_per_week=0, max_hours_per_week=40, max_days_per_week=5, max_consecutive_days=5,
                        min_rest_hours=11, min_consecutive_days_off=2)
    return req, agents, shifts, rules


@pytest.fixture(scope="session")
def mixed_result(mixed_instance):
    """The mixed instance solved once (1 worker, 4 s) for the tests that only read it."""
    from routing_ml.scheduling import build_roster

    req, agents, shifts, rules = mixed_instance
    return build_roster(req, agents, shifts, rules, config=SolverConfig(num_workers=1, time_limit_seconds=4))

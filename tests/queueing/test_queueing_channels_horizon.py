"""Deferred work at the end of the horizon gets a message that says so."""

import numpy as np
import pytest

from routing_ml.queueing import InfeasibleTargetError, deferred_required_agents


def test_items_due_after_the_horizon_name_the_horizon():
    working = np.array([True] * 4 + [False] * 4)
    with pytest.raises(InfeasibleTargetError, match="due after the horizon ends"):
        deferred_required_agents(np.ones(8), 300, 60, 24, working=working)


def test_items_due_inside_the_horizon_name_the_working_hours():
    working = np.array([True] * 4 + [False] * 4)
    with pytest.raises(InfeasibleTargetError, match="extend the working hours"):
        deferred_required_agents(np.ones(8), 300, 60, 2, working=working)
    # the same items without the closed tail are feasible
    assert deferred_required_agents(np.ones(4), 300, 60, 2).max() >= 1

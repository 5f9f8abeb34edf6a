"""Review findings (2026-12-01, second session): Erlang A with a patience of years,
float32 inputs, and shapes ``deferred_required_agents`` and ``occupancy`` did not check."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from routing_ml.queueing import (
    QueueingInputError,
    apply_shrinkage,
    deferred_required_agents,
    erlang_a,
    occupancy,
    required_agents,
    service_level,
)


def test_erlang_a_with_an_endless_patience_tends_to_erlang_c():
    # 12.5 erlangs, AHT 1 s, patience 1e15 s: the answered-within term lost its precision
    # (SL 0.63 / 0 / 0.8 for 8 / 9 / 10 agents, and 8 agents "met" 80 % in an hour)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (AHT of 1 s: "minutes?")
        n = np.arange(8, 17)
        sl = erlang_a(12.5, n, 1.0, 1e15, 3600).service_level
        np.testing.assert_allclose(sl[n <= 12], 0.0, atol=1e-9)
        np.testing.assert_allclose(sl[n > 12], service_level(12.5, n[n > 12], 1.0, 3600), atol=1e-9)
        assert np.all(np.diff(sl) >= -1e-12)
        assert required_agents(12.5 * 1800, 1.0, 30, 0.4, 3600, patience_seconds=1e15) == \
            required_agents(12.5 * 1800, 1.0, 30, 0.4, 3600) == 13
        big = erlang_a(2250, np.arange(2240, 2250), 180.0, 1e17, 3600).service_level
        np.testing.assert_allclose(big, 0.0, atol=1e-9)
    # a realistic patience is untouched by the switch (the closed form is exact there)
    ref = erlang_a(12.5, n, 180.0, 120.0, 20).service_level
    assert 0 < ref[0] < ref[-1] < 1


def test_float32_inputs_are_read_at_their_decimal_value():
    assert apply_shrinkage(14, np.float32(0.3)) == apply_shrinkage(14, 0.3) == 20
    assert required_agents(100, 180, 30, shrinkage=np.float32(0.3)) == 20
    got = required_agents(np.array([100, 200], dtype=np.float32), 180, 30, shrinkage=0.3)
    np.testing.assert_array_equal(got, required_agents(np.array([100.0, 200.0]), 180, 30,
                                                       shrinkage=0.3))


def test_shapes_are_checked_where_the_docstring_says():
    with pytest.raises(QueueingInputError, match="aht_seconds must be one number or one per interval"):
        deferred_required_agents([1, 2, 3], [[50], [60]], 60, 2)
    with pytest.raises(QueueingInputError, match="aht_seconds"):
        occupancy([1, 2], [3, 4], aht_seconds=[1, 2, 3])
    np.testing.assert_allclose(occupancy([1, 2], [3, 4], aht_seconds=[180, 200]), [1 / 3, 0.5])

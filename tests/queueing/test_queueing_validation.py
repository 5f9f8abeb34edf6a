"""Every kind of bad input gives a ValueError naming the argument; numpy types work."""

from __future__ import annotations

import numpy as np
import pytest

from routing_ml.queueing import (
    QueueingInputError,
    StaffingTarget,
    apply_shrinkage,
    asa_seconds,
    chat_required_agents,
    deferred_required_agents,
    erlang_a,
    erlang_b,
    erlang_b_required_agents,
    erlang_c,
    occupancy,
    required_agents,
    service_level,
    traffic_erlangs,
)

GOOD = {"volume": 100, "aht_seconds": 300, "interval_minutes": 15, "service_level": 0.8,
        "answer_seconds": 20, "max_occupancy": 0.9, "shrinkage": 0.3,
        "patience_seconds": 120}

BAD_REQUIRED = [
    ("volume", -1), ("volume", float("nan")), ("volume", "ten"), ("volume", float("inf")),
    ("volume", True), ("volume", None), ("volume", [1, [2, 3]]), ("volume", 1 + 2j),
    ("aht_seconds", 0), ("aht_seconds", -300), ("aht_seconds", float("nan")),
    ("interval_minutes", 0), ("interval_minutes", -15),
    ("service_level", 0), ("service_level", 1.5), ("service_level", -0.2),
    ("service_level", float("nan")),
    ("answer_seconds", -1), ("answer_seconds", float("nan")),
    ("max_occupancy", 0), ("max_occupancy", 1.2),
    ("shrinkage", 1.0), ("shrinkage", -0.1), ("shrinkage", float("nan")),
    ("patience_seconds", 0), ("patience_seconds", -5),
    ("volume", np.array([1.0, -2.0])), ("aht_seconds", np.array([300.0, 0.0])),
]


@pytest.mark.parametrize("arg,value", BAD_REQUIRED)
def test_required_agents_bad_inputs_name_the_argument(arg, value):
    kwargs = {**GOOD, arg: value}
    with pytest.raises(ValueError, match=arg) as info:
        required_agents(**kwargs)
    assert isinstance(info.value, QueueingInputError)


@pytest.mark.parametrize("arg,value", [a for a in BAD_REQUIRED if a[0] != "patience_seconds"])
def test_chat_bad_inputs_name_the_argument(arg, value):
    kwargs = {**GOOD, arg: value}
    with pytest.raises(ValueError, match=arg):
        chat_required_agents(concurrency=2, **kwargs)


def test_mismatched_shapes():
    with pytest.raises(ValueError, match=r"volume \(3,\).*aht_seconds \(2,\)"):
        required_agents(np.ones(3), np.ones(2) * 300, 15)
    with pytest.raises(ValueError, match="shapes"):
        erlang_c(np.ones(3), np.array([1, 2]))
    with pytest.raises(ValueError, match="shapes"):
        service_level(np.ones(3), 5, np.ones(4) * 300, 20)


@pytest.mark.parametrize(
    "call,arg",
    [
        (lambda: erlang_b(-1, 3), "traffic_erlangs"),
        (lambda: erlang_b(2, 2.5), "agents"),
        (lambda: erlang_b(2, -1), "agents"),
        (lambda: erlang_c(float("nan"), 3), "traffic_erlangs"),
        (lambda: erlang_c(2, "3"), "agents"),
        (lambda: service_level(2, 3, 0, 20), "aht_seconds"),
        (lambda: service_level(2, 3, 300, -1), "answer_seconds"),
        (lambda: service_level(2, 3, 300, 20, 0), "patience_seconds"),
        (lambda: asa_seconds(2, 3, -300), "aht_seconds"),
        (lambda: occupancy(2, 3, None, 120), "aht_seconds"),
        (lambda: occupancy(2, np.array([3, 4.5])), "agents"),
        (lambda: erlang_a(2, 3, 300, -1), "patience_seconds"),
        (lambda: erlang_a(2, 3, 300, 100, float("nan")), "answer_seconds"),
        (lambda: traffic_erlangs(10, 300, 0), "interval_minutes"),
        (lambda: traffic_erlangs(-10, 300, 15), "volume"),
        (lambda: apply_shrinkage(10, 1.0), "shrinkage"),
        (lambda: apply_shrinkage(-1, 0.3), "agents"),
        (lambda: erlang_b_required_agents(10, 0), "max_blocking"),
        (lambda: erlang_b_required_agents(-10, 0.1), "traffic_erlangs"),
        (lambda: erlang_b_required_agents(10, 0.1, 1.5), "max_occupancy"),
        (lambda: deferred_required_agents(np.ones((2, 2)), 300, 15, 24), "volume"),
        (lambda: deferred_required_agents(np.ones(4), 300, 15, 0), "deadline_hours"),
        (lambda: deferred_required_agents(np.ones(4), 300, 15, 24, working=np.ones(3)),
         "working"),
        (lambda: StaffingTarget(service_level=0), "service_level"),
        (lambda: StaffingTarget(shrinkage=1), "shrinkage"),
        (lambda: StaffingTarget(channel="fax"), "channel"),
        (lambda: StaffingTarget(channel="email"), "deadline_hours"),
        (lambda: StaffingTarget(concurrency=0), "concurrency"),
        (lambda: StaffingTarget(channel="web", deadline_hours=8, working_hours=(20, 8)),
         "working_hours"),
    ],
)
def test_bad_inputs_other_functions(call, arg):
    with pytest.raises(ValueError, match=arg):
        call()


@pytest.mark.parametrize("cast", [np.int64, np.int32, np.uint16, np.float32, np.float64])
def test_numpy_scalar_types_accepted(cast):
    ref = required_agents(100, 300, 15, 0.8, 20, shrinkage=0.3)
    got = required_agents(cast(100), cast(300), cast(15), np.float64(0.8), cast(20),
                          shrinkage=np.float32(0.3) if cast is np.float32 else 0.3)
    assert got == ref and isinstance(got, int)
    assert required_agents(np.int64(100), np.float32(300), np.int16(15),
                           patience_seconds=np.int64(120)) == required_agents(
        100, 300, 15, patience_seconds=120)
    assert erlang_b_required_agents(cast(10), 0.02) == 17
    assert chat_required_agents(cast(100), cast(600), cast(30), cast(3)) == \
        chat_required_agents(100, 600, 30, 3)


def test_lists_and_zero_dim_arrays():
    assert required_agents(np.array(100.0), 300, 15) == required_agents(100, 300, 15)
    assert required_agents([100, 200], 300, 15).tolist() == [
        required_agents(100, 300, 15), required_agents(200, 300, 15)]


@pytest.mark.parametrize("call, names", [
    (lambda: required_agents(5e19, 180, 15), "volume, aht_seconds and interval_minutes"),
    (lambda: required_agents([10, 5e19], 180, 15), "volume, aht_seconds and interval_minutes"),
    (lambda: required_agents(100, 1e300, 15), "volume, aht_seconds and interval_minutes"),
    (lambda: chat_required_agents(1e20, 300, 15, concurrency=2), "volume, aht_seconds and interval_minutes"),
    (lambda: erlang_b_required_agents(2e19, 0.01), "traffic_erlangs and max_blocking"),
    (lambda: apply_shrinkage(1e19, 0.5), "agents and shrinkage"),
])
def test_absurd_scale_is_a_units_error_not_a_negative_count(call, names):
    # int64 overflow used to turn these into negative agent counts (or a bisection error)
    with pytest.raises(QueueingInputError, match=f"{names} give .* beyond 2\\*\\*53.* Fix: check the units"):
        call()


def test_large_but_exact_scales_still_work():
    assert required_agents(1e9, 180, 15) > 2e8  # two hundred million erlangs is still exact
    assert apply_shrinkage(2**40, 0.5) == 2**41

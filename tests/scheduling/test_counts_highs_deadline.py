"""The HiGHS interrupt stops at the last check before the deadline, not the first after."""

from routing_ml.scheduling._counts_highs import _Deadline


def test_stops_when_the_next_check_would_pass_the_deadline():
    clock = _Deadline(deadline=1.0)
    # checks every 0.2 s: 0.8 + 0.2 reaches the deadline, so the call at 0.8 stops
    assert [clock.passed(t) for t in (0.0, 0.2, 0.4, 0.6)] == [False, False, False, False]
    assert clock.passed(0.8)


def test_a_first_check_stops_only_at_the_deadline():
    assert not _Deadline(deadline=1.0).passed(0.99)
    assert _Deadline(deadline=1.0).passed(1.0)


def test_uneven_checks_use_the_last_interval():
    clock = _Deadline(deadline=1.0)
    assert not clock.passed(0.5)
    assert not clock.passed(0.7)   # next expected at 0.9
    assert not clock.passed(0.75)  # next expected at 0.8
    assert clock.passed(0.9)       # next expected at 1.05

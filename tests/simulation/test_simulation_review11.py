"""A newcomer's review (2026-12-02, evening): the service-level plot's title listed the
answer time of messaging, a channel the simulated plan did not have."""

from __future__ import annotations

from routing_ml.simulation._cli import _answer_label
from routing_ml.simulation._stats import DEFAULT_ANSWER_SECONDS


def test_the_plot_title_names_only_the_channels_shown():
    answer = dict(DEFAULT_ANSWER_SECONDS)
    assert _answer_label(answer, ["all", "voice", "chat"]) == "voice 20 s, chat 60 s"
    assert _answer_label(answer, ["all", "voice:tributos"]) == "20 s"
    assert "messaging" in _answer_label(answer)  # nothing known: every real-time channel

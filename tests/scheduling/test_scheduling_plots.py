"""Planner plots: the coverage plot draws every interval to its end, shades each shortfall and
leaves closed hours blank; the Gantt chart has hour ticks and a legend entry for breaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.scheduling import plots

T0 = pd.Timestamp("2026-12-07 09:00")
Q = pd.Timedelta(minutes=15)
DAY = 1440.0  # matplotlib date units are days: one 15-minute interval is 15 / 1440


@pytest.fixture
def figures(monkeypatch):
    """The figures the plot functions draw, kept open instead of closed."""
    plt = plots._plt()
    kept: list = []
    monkeypatch.setattr(plt, "close", kept.append)
    yield kept
    monkeypatch.undo()
    for fig in kept:
        plt.close(fig)


def _coverage():
    # open 09:00-10:00 then 13:00-13:30 (closed in between): under-staffed only at 09:30
    # (1 agent short) and at 13:15, the last interval (2 short)
    ds = [T0 + k * Q for k in range(4)] + [T0 + pd.Timedelta(hours=4) + k * Q for k in range(2)]
    return pd.DataFrame({"unique_id": "voice", "ds": ds,
                         "required": [1, 1, 2, 1, 1, 3], "scheduled": [1, 2, 1, 1, 1, 1]})


def _area(path) -> float:
    """Area of a closed matplotlib path (shoelace formula), in data units."""
    x, y = path.vertices[:, 0], path.vertices[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2


def test_coverage_runs_end_one_interval_after_the_last_start_and_split_at_closed_hours():
    runs = plots._coverage_runs(_coverage(), Q)
    assert len(runs) == 2  # nothing drawn across the closed 10:00-13:00
    edges, req, sched = runs[0]
    assert list(pd.to_datetime(edges)) == [T0 + k * Q for k in range(5)]  # ends at 10:00
    assert req.tolist() == [1, 1, 2, 1] and sched.tolist() == [1, 2, 1, 1]
    edges, req, sched = runs[1]
    assert list(pd.to_datetime(edges)) == [pd.Timestamp("2026-12-07 13:00"), pd.Timestamp("2026-12-07 13:15"),
                                           pd.Timestamp("2026-12-07 13:30")]
    assert req.tolist() == [1, 3] and sched.tolist() == [1, 1]


def test_interval_length_is_the_given_one_or_the_smallest_step():
    assert plots._interval(_coverage(), None) == Q
    assert plots._interval(_coverage(), 30) == pd.Timedelta(minutes=30)
    assert plots._interval(_coverage().iloc[:1], None) == Q  # one row: the 15-minute default


def test_coverage_plot_shades_each_isolated_shortfall_to_its_end(tmp_path, figures):
    plots.plot_coverage(_coverage(), tmp_path / "c.png", interval_minutes=15)
    (fig,) = figures
    ax = fig.axes[0]
    from matplotlib.colors import to_hex

    def filled(color: str) -> list:
        return [p for p in ax.patches if p.get_fill() and to_hex(p.get_facecolor()) == to_hex(color)]

    shaded = filled("tab:red")
    # over-staffing (09:15, one agent over) has its own shade
    np.testing.assert_allclose(sum(_area(p.get_path()) for p in filled("tab:green")), 15 / DAY,
                               rtol=1e-6)
    # the isolated 09:30 shortfall (1 agent x 15 min) and the last interval (2 agents x 15
    # min) are shaded in full: before the fix neither was (zero width)
    np.testing.assert_allclose(sum(_area(p.get_path()) for p in shaded), (1 + 2) * 15 / DAY, rtol=1e-9)
    xs = np.concatenate([p.get_path().vertices[:, 0] for p in shaded])
    ys = np.concatenate([p.get_path().vertices[:, 1] for p in shaded])
    t = pd.to_datetime(xs * 86400, unit="s")
    # the shaded 09:30 interval spans 09:30-09:45 between 1 and 2 agents
    assert {pd.Timestamp("2026-12-07 09:30"), pd.Timestamp("2026-12-07 09:45")} <= set(t.round("s"))
    assert pd.Timestamp("2026-12-07 13:30") == t.round("s").max()  # the series ends at 13:30
    assert ys.max() == 3
    # required and scheduled are drawn up to the end of their last interval, and no line
    # crosses the closed 10:00-13:00
    lines = [p for p in ax.patches if not p.get_fill()]
    ends = sorted(p.get_path().vertices[:, 0].max() for p in lines)
    np.testing.assert_allclose(ends, [_num("10:00")] * 2 + [_num("13:30")] * 2, rtol=0, atol=1e-6)
    for p in lines:  # each stretch is one path inside the opening hours
        x = p.get_path().vertices[:, 0]
        assert x.max() <= _num("10:00") + 1e-6 or x.min() >= _num("13:00") - 1e-6
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["required", "scheduled", "under-staffed", "over-staffed"]  # once each


def _num(hhmm: str) -> float:
    import matplotlib.dates as mdates

    return float(mdates.date2num(pd.Timestamp(f"2026-12-07 {hhmm}")))


def test_gantt_has_hour_ticks_and_a_break_legend_entry(tmp_path, figures):
    day = pd.Timestamp("2026-12-07")
    roster = pd.DataFrame({"agent_id": ["a", "b"], "unique_id": ["voice", "chat"],
                           "start": [day + pd.Timedelta(hours=8), day + pd.Timedelta(days=1, hours=9)],
                           "end": [day + pd.Timedelta(hours=16), day + pd.Timedelta(days=1, hours=17)]})
    breaks = pd.DataFrame({"agent_id": ["a"], "start": [day + pd.Timedelta(hours=12)],
                           "end": [day + pd.Timedelta(hours=12, minutes=30)]})
    plots.plot_gantt(roster, breaks, tmp_path / "g.png")
    (fig,) = figures
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["chat", "voice", "break"]
    fig.canvas.draw()
    minor = {t.get_text() for t in ax.get_xticklabels(minor=True)}
    assert {"06:00", "12:00", "18:00"} <= minor
    assert any(t.get_text().startswith("Tue 08") for t in ax.get_xticklabels())


def test_schedule_help_says_what_gap_means():
    result = CliRunner().invoke(app, ["schedule", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "gap = scheduled - required (negative: under-staffed" in text


@pytest.mark.parametrize(("days", "want"), [(7, "Mon 07 Dec"), (70, "Jan")])
def test_day_ticks_name_the_month_past_five_weeks(days, want):
    """Past 35 days the labels were weekday and day of month only, every few days: a
    two-month requirement read 'Mon 03 Tue 01 Wed 29 ...' with no month."""
    plt = plots._plt()
    fig, ax = plt.subplots()
    start = pd.Timestamp("2026-12-07")
    ax.plot([start, start + pd.Timedelta(days=days)], [0, 1])
    plots._day_hour_ticks(ax, start, start + pd.Timedelta(days=days))
    fig.canvas.draw()
    labels = " ".join(t.get_text() for t in ax.get_xticklabels())
    plt.close(fig)
    assert want in labels

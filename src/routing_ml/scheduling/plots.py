"""Planner plots: coverage vs requirement per queue, and the roster as a Gantt chart.

matplotlib is imported inside the functions with the Agg backend (files only, no display).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from routing_ml.frames import ID, TIME


def _plt():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _interval(coverage: pd.DataFrame, interval_minutes: int | None) -> pd.Timedelta:
    """The interval length: ``interval_minutes``, or the smallest step between the ``ds`` of a
    queue (15 minutes when no queue has two intervals)."""
    if interval_minutes is not None:
        return pd.Timedelta(minutes=interval_minutes)
    steps = coverage.sort_values(TIME).groupby(ID, sort=False)[TIME].diff()
    step = steps[steps > pd.Timedelta(0)].min()
    return pd.Timedelta(minutes=15) if pd.isna(step) else pd.Timedelta(step)


def _coverage_runs(c: pd.DataFrame, step: pd.Timedelta) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One queue's coverage as stretches of consecutive intervals, each ``(edges, required,
    scheduled)`` with ``len(edges) == len(required) + 1``: interval k spans ``edges[k]`` to
    ``edges[k + 1]``, and the last one ends one interval after its start. A new stretch starts
    where consecutive ``ds`` are more than one interval apart (closed hours), so nothing is
    drawn across them."""
    c = c.sort_values(TIME)
    runs = []
    for _, g in c.groupby((c[TIME].diff() > step).cumsum(), sort=True):
        starts = g[TIME].to_numpy()
        edges = np.append(starts, starts[-1] + step.to_timedelta64())
        runs.append((edges, g["required"].to_numpy(dtype=float), g["scheduled"].to_numpy(dtype=float)))
    return runs


def plot_coverage(coverage: pd.DataFrame, path: str | Path, *, title: str = "Coverage vs requirement",
                  interval_minutes: int | None = None) -> Path:
    """Write a PNG with one panel per queue: required (step) and scheduled agents, the
    under-staffed intervals shaded. Each interval is drawn to its end; closed hours (missing
    intervals) are left blank.

    Parameters
    ----------
    coverage : ``RosterResult.coverage`` (``unique_id``, ``ds``, ``required``, ``scheduled``).
    path : output file (PNG).
    interval_minutes : length of one interval; None = the smallest step between the ``ds``
        of a queue.

    Returns
    -------
    The path written.
    """
    plt = _plt()
    from matplotlib.ticker import MaxNLocator

    coverage = coverage.assign(**{TIME: pd.to_datetime(coverage[TIME])})  # also a frame read from CSV
    step = _interval(coverage, interval_minutes)
    queues = list(dict.fromkeys(coverage[ID]))
    fig, axes = plt.subplots(len(queues), 1, figsize=(14, 2.6 * len(queues) + 0.6), sharex=True, squeeze=False)
    for ax, q in zip(axes[:, 0], queues, strict=True):
        for k, (edges, req, sched) in enumerate(_coverage_runs(coverage[coverage[ID] == q], step)):
            first = k == 0
            ax.stairs(req, edges, baseline=None, color="black", lw=1.2, label="required" if first else None)
            ax.stairs(sched, edges, baseline=None, color="tab:blue", lw=1.0, label="scheduled" if first else None)
            # the shortfall interval by interval: scheduled up to required where under, else empty
            ax.stairs(np.maximum(req, sched), edges, baseline=sched, fill=True, color="tab:red",
                      alpha=0.35, lw=0, zorder=0.9, label="under-staffed" if first else None)
            ax.stairs(np.maximum(req, sched), edges, baseline=req, fill=True, color="tab:green",
                      alpha=0.2, lw=0, zorder=0.8, label="over-staffed" if first else None)
            # a mark under every under-staffed interval: one short quarter hour stays
            # visible on a four-week axis
            short = sched < req
            if short.any():
                ax.plot(edges[:-1][short], np.zeros(int(short.sum())), "|", color="tab:red",
                        ms=8, mew=1.2, clip_on=False, zorder=3)
        ax.set_ylabel(f"{q}\nagents")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole agents
        ax.grid(alpha=0.3)
    # above the first panel, not over its peak
    axes[0, 0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=4, fontsize=8,
                      frameon=False)
    axes[0, 0].set_title(title, loc="left")
    axes[-1, 0].set_xlabel("interval start (local time); red marks: under-staffed intervals")
    if len(coverage):
        _day_hour_ticks(axes[-1, 0], pd.Timestamp(coverage[TIME].min()), pd.Timestamp(coverage[TIME].max()) + step)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _day_hour_ticks(ax, start: pd.Timestamp, end: pd.Timestamp) -> None:  # type: ignore[no-untyped-def]
    """Whole days from ``start`` to ``end`` on the x axis: dates at midnight (each label starts
    at its day's midnight) and, over up to 16 days, hours (6-hourly up to 8 days, else
    12-hourly) as labelled minor ticks; past 35 days, matplotlib's concise dates (month and
    year where they change)."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    start, end = start.floor("D"), max(end.ceil("D"), start.floor("D") + pd.Timedelta(days=1))
    ax.set_xlim(start, end)
    days = (end - start) / pd.Timedelta(days=1)
    if days > 35:  # weekday and day of month alone would repeat: dates with month (and year)
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="x", which="major", alpha=0.5)
        return
    # every day labelled up to five weeks: in two short lines past two weeks
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, math.ceil(days / 35))))
    date = mdates.DateFormatter("%a %d %b" if days <= 14 else "%a\n%d")
    last = float(mdates.date2num(end)) - 1e-6  # no label for the day after the end
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, pos: date(x, pos) if x < last else ""))
    for label in ax.get_xticklabels(which="major"):
        label.set_horizontalalignment("left")
    ax.tick_params(axis="x", which="major", labelrotation=0)
    if days <= 16:
        every = 6 if days <= 8 else 12
        ax.xaxis.set_minor_locator(mdates.HourLocator(byhour=range(every, 24, every)))
        ax.xaxis.set_minor_formatter(mdates.DateFormatter("%H:%M"))
        ax.tick_params(axis="x", which="minor", labelsize=6, labelcolor="0.35")
        ax.tick_params(axis="x", which="major", pad=11)
    ax.grid(axis="x", which="major", alpha=0.5)
    ax.grid(axis="x", which="minor", alpha=0.15)


def plot_gantt(roster: pd.DataFrame, breaks: pd.DataFrame, path: str | Path, *,
               max_agents: int | None = None) -> Path:
    """Write the roster as a Gantt chart (one row per agent, shifts coloured by queue, breaks
    hatched, dates and hours on the time axis, at the top too past 40 agents). Every agent is
    drawn unless ``max_agents`` caps them (the title then says how many of how many).

    Returns
    -------
    The path written.
    """
    plt = _plt()
    everyone = sorted(roster["agent_id"].unique()) if len(roster) else []
    agents = everyone[:max_agents] if max_agents is not None else everyone
    queues = sorted(roster[ID].unique()) if len(roster) else []
    colors = {q: plt.cm.tab10(i % 10) for i, q in enumerate(queues)}
    row_inches = 0.28 if len(agents) <= 60 else 0.2
    fig, ax = plt.subplots(figsize=(14, row_inches * max(len(agents), 4) + 1.2))
    y = {a: i for i, a in enumerate(agents)}
    for row in roster[roster["agent_id"].isin(y)].itertuples(index=False):
        ax.barh(y[row.agent_id], row.end - row.start, left=row.start, height=0.7,
                color=colors[getattr(row, ID)], edgecolor="none")
    brk = {"facecolor": "white", "hatch": "////", "edgecolor": "0.3", "lw": 0}
    drawn = breaks[breaks["agent_id"].isin(y)]
    for row in drawn.itertuples(index=False):
        ax.barh(y[row.agent_id], row.end - row.start, left=row.start, height=0.7, **brk)
    ax.set_yticks(range(len(agents)), agents, fontsize=7 if len(agents) <= 60 else 6)
    ax.set_ylim(max(len(agents), 1) - 0.5, -0.5)  # the first agent on top, no empty margin
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[q]) for q in queues]
    labels = list(queues)
    if len(drawn):
        handles.append(plt.Rectangle((0, 0), 1, 1, **brk))
        labels.append("break")
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    if len(roster):
        _day_hour_ticks(ax, pd.Timestamp(roster["start"].min()), pd.Timestamp(roster["end"].max()))
        if len(agents) > 40:  # a tall chart: the time axis at the top too
            ax.tick_params(axis="x", which="both", labeltop=True)
    shown = f" (the first {len(agents)} of {len(everyone)} agents by id)" \
        if len(agents) < len(everyone) else f" ({len(everyone)} agents)"
    ax.set_title("Roster" + (shown if len(roster) else ""))
    ax.set_xlabel("local time")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

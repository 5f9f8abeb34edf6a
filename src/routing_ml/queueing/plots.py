"""Planner plot of a staffing requirement: agents per interval and queue over the horizon.

matplotlib is imported inside the function with the Agg backend (files only, no display).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from routing_ml.errors import FrameError
from routing_ml.frames import ID, TIME, as_datetime_column, require_columns
from routing_ml.queueing._validate import interval_minutes_array


def plot_staffing(requirements: pd.DataFrame, path: str | Path, *, max_queues: int = 4,
                  interval_minutes: float | None = None) -> Path:
    """Write a PNG of a staffing requirement: a first panel with the agents the centre needs
    at once (all queues added up, when there are several), then one panel per queue for the
    ``max_queues`` queues of most agent-hours (the title says how many there are): the
    agents to schedule (``agents``, shrinkage included) and, when the frame has them, the
    agents on the phones (``net_agents``). Closed hours (missing intervals) are left blank.

    Parameters
    ----------
    requirements : :func:`~routing_ml.queueing.staffing_requirements` output (``unique_id``,
        ``ds``, ``agents``, optionally ``net_agents``), or the CSV ``routing-ml staff`` writes.
    path : output file (PNG).
    max_queues : queue panels drawn, the busiest first.
    interval_minutes : length of one interval in minutes (> 0); None = the smallest step
        between the ``ds`` of each queue (of the whole frame for a queue of one interval).

    Returns
    -------
    The path written.

    Raises
    ------
    FrameError
        Missing columns, unreadable timestamps, or no rows.
    """
    from matplotlib.ticker import MaxNLocator

    from routing_ml.scheduling.plots import _coverage_runs, _day_hour_ticks, _plt

    require_columns(requirements, (ID, TIME, "agents"), frame="plot_staffing: requirements",
                    hint="Pass the frame staffing_requirements(...) returns.")
    if requirements.empty:
        raise FrameError("plot_staffing: the requirements have no rows; nothing to plot. Fix: check the "
                         "forecast covers the horizon.")
    if max_queues < 1:
        raise ValueError(f"plot_staffing: max_queues must be >= 1, got {max_queues!r}.")
    fixed = (None if interval_minutes is None
             else pd.Timedelta(minutes=float(interval_minutes_array(interval_minutes))))
    req = requirements.assign(**{TIME: as_datetime_column(requirements, TIME, frame="plot_staffing: requirements"),
                                 ID: requirements[ID].astype(str)}).reset_index(drop=True)
    panels, n_queues = _panels(req, max_queues, fixed)
    has_net = "net_agents" in req.columns
    plt = _plt()
    fig, axes = plt.subplots(len(panels), 1, figsize=(14, 2.4 * len(panels) + 0.9), sharex=True, squeeze=False)
    for i, (ax, (name, frame, step)) in enumerate(zip(axes[:, 0], panels, strict=True)):
        centre = i == 0 and n_queues > 1
        hours = step / pd.Timedelta(hours=1)
        for k, (edges, agents, on_phones) in enumerate(_coverage_runs(frame, step)):
            first = k == 0 and i == int(n_queues > 1)  # one legend entry per line kind
            ax.stairs(agents, edges, baseline=0, fill=True, color="0.3" if centre else "tab:blue", alpha=0.2, lw=0)
            ax.stairs(agents, edges, baseline=None, color="black", lw=1.1,
                      label="agents to schedule (shrinkage included)" if first else None)
            if not centre and has_net:
                ax.stairs(on_phones, edges, baseline=None, color="tab:blue", lw=0.9,
                          label="agents on the phones" if first else None)
        peak = frame.iloc[int(frame["required"].to_numpy().argmax())]
        ax.set_title(f"{name}: peak {int(peak['required'])} agents{' at once' if centre else ''} "
                     f"({pd.Timestamp(peak[TIME]):%a %d %H:%M}), {frame['required'].sum() * hours:,.0f} "
                     f"agent-hours", loc="left", fontsize=9)
        ax.set_ylabel("agents")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    shown = (f"the {max_queues} busiest of {n_queues} queues" if n_queues > max_queues
             else f"{n_queues} queue{'s' if n_queues > 1 else ''}")
    fig.suptitle(f"Staffing requirement, {shown}", x=0.01, ha="left")
    fig.legend(loc="upper right", ncol=2, fontsize=8, frameon=False)
    axes[-1, 0].set_xlabel("interval start (local time)")
    _day_hour_ticks(axes[-1, 0], pd.Timestamp(req[TIME].min()),
                    max(pd.Timestamp(f[TIME].max()) + st for _n, f, st in panels))
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _panels(req: pd.DataFrame, max_queues: int, step: pd.Timedelta | None = None
            ) -> tuple[list[tuple[str, pd.DataFrame, pd.Timedelta]], int]:
    """The panels of :func:`plot_staffing` as (name, frame with ``ds``, ``required`` = agents
    to schedule, ``scheduled`` = agents on the phones, interval length), and the number of
    queues: the centre's agents at once (every queue's added up on the finest interval, a
    queue planned hourly counting in each of its half hours) when there are several queues,
    then the ``max_queues`` queues of most agent-hours, busiest first. ``step``: the interval
    of every queue (None: each queue's smallest step between its ``ds``)."""
    from routing_ml.scheduling.plots import _interval

    net = "net_agents" if "net_agents" in req.columns else "agents"
    # a queue of one interval has no step of its own: the frame's smallest
    every = _interval(req, None)
    steps = {q: step if step is not None else (_interval(g, None) if g[TIME].nunique() > 1 else every)
             for q, g in req.groupby(ID, sort=False)}
    hours = req[ID].map({q: st / pd.Timedelta(hours=1) for q, st in steps.items()})
    load = (req["agents"] * hours).groupby(req[ID], sort=False).sum().sort_values(ascending=False, kind="stable")
    panels: list[tuple[str, pd.DataFrame, pd.Timedelta]] = []
    if load.size > 1:
        fine = min(steps.values())
        parts = []
        for q, g in req.groupby(ID, sort=False):
            for i in range(max(1, round(steps[q] / fine))):  # each finer interval the row spans
                parts.append(g[[TIME, "agents"]].assign(**{TIME: g[TIME] + i * fine}))
        total = pd.concat(parts).groupby(TIME, as_index=False)["agents"].sum()
        panels.append(("all queues", total.assign(required=total["agents"], scheduled=total["agents"]), fine))
    for q in load.index[:max_queues]:
        g = req[req[ID] == q]
        panels.append((str(q), g.assign(required=g["agents"], scheduled=g[net]), steps[q]))
    return panels, int(load.size)


__all__ = ["plot_staffing"]

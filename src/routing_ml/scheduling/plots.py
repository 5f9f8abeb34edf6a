"""Planner plots: coverage vs requirement per queue, and the roster as a Gantt chart.

matplotlib is imported inside the functions with the Agg backend (files only, no display).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from routing_ml.frames import ID, TIME


def _plt():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_coverage(coverage: pd.DataFrame, path: str | Path, *, title: str = "Coverage vs requirement") -> Path:
    """Write a PNG with one panel per queue: required (step) and scheduled agents.

    Parameters
    ----------
    coverage : ``RosterResult.coverage`` (``unique_id``, ``ds``, ``required``, ``scheduled``).
    path : output file (PNG).

    Returns
    -------
    The path written.
    """
    plt = _plt()
    queues = list(dict.fromkeys(coverage[ID]))
    fig, axes = plt.subplots(len(queues), 1, figsize=(14, 2.6 * len(queues) + 0.6), sharex=True, squeeze=False)
    for ax, q in zip(axes[:, 0], queues, strict=True):
        c = coverage[coverage[ID] == q]
        ax.step(c[TIME], c["required"], where="post", color="black", lw=1.2, label="required")
        ax.step(c[TIME], c["scheduled"], where="post", color="tab:blue", lw=1.0, label="scheduled")
        under = c["scheduled"] < c["required"]
        ax.fill_between(c[TIME], c["scheduled"], c["required"], where=under, step="post",
                        color="tab:red", alpha=0.35, label="under-staffed")
        ax.set_ylabel(f"{q}\nagents")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper right", ncol=3, fontsize=8)
    axes[0, 0].set_title(title)
    fig.autofmt_xdate()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_gantt(roster: pd.DataFrame, breaks: pd.DataFrame, path: str | Path, *, max_agents: int = 60) -> Path:
    """Write the roster as a Gantt chart (one row per agent, shifts coloured by queue, breaks
    hatched). Only the first ``max_agents`` agents are drawn.

    Returns
    -------
    The path written.
    """
    plt = _plt()
    agents = sorted(roster["agent_id"].unique())[:max_agents] if len(roster) else []
    queues = sorted(roster[ID].unique()) if len(roster) else []
    colors = {q: plt.cm.tab10(i % 10) for i, q in enumerate(queues)}
    fig, ax = plt.subplots(figsize=(14, 0.28 * max(len(agents), 4) + 1.2))
    y = {a: i for i, a in enumerate(agents)}
    for row in roster[roster["agent_id"].isin(y)].itertuples(index=False):
        ax.barh(y[row.agent_id], row.end - row.start, left=row.start, height=0.7,
                color=colors[getattr(row, ID)], edgecolor="none")
    for row in breaks[breaks["agent_id"].isin(y)].itertuples(index=False):
        ax.barh(y[row.agent_id], row.end - row.start, left=row.start, height=0.7, color="white",
                hatch="////", edgecolor="grey", lw=0)
    ax.set_yticks(range(len(agents)), agents, fontsize=7)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[q]) for q in queues]
    if handles:
        ax.legend(handles, queues, loc="upper right", fontsize=8)
    ax.set_title("Roster" + (f" (first {max_agents} agents)" if len(roster) and roster["agent_id"].nunique() > max_agents else ""))
    fig.autofmt_xdate()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

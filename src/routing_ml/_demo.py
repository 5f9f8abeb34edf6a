"""The main job behind `make demo` / `routing-ml demo`: the bundled data, end to end.

Each step is a small function that returns what it made, so the CLI can show it and a
notebook can reuse it. Nothing here prints: the caller passes ``echo``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

Echo = Callable[[str], None]


def profile_datasets(echo: Echo) -> dict[str, object]:
    """Load every bundled dataset and describe it in a few lines."""
    from routing_ml.datasets import (
        anonymous_bank_volumes,
        avisos_madrid_volumes,
        load_anonymous_bank,
        load_avisos_madrid,
        load_bank_calls,
        load_banking77,
    )

    bank = load_bank_calls()
    echo(f"bank_calls      {len(bank):>7,} five-minute intervals, "
         f"{bank['ds'].dt.normalize().nunique()} weekdays "
         f"{bank['ds'].min():%Y-%m-%d} – {bank['ds'].max():%Y-%m-%d}, "
         f"{bank['y'].sum():,.0f} calls")
    calls = load_anonymous_bank()
    c = calls.attrs["cleaning"]
    echo(f"anonymous_bank  {len(calls):>7,} calls in Feb 1999, "
         f"{calls['served'].mean():.0%} served, {calls['abandoned'].mean():.0%} abandoned, "
         f"{calls['agent_id'].nunique()} agents; {c['phantom']} phantom calls flagged, "
         f"{c['vru_time_negative']} negative VRU times set to missing")
    bank_vol = anonymous_bank_volumes(calls, freq="30min")
    b77 = load_banking77()
    echo(f"banking77       {len(b77):>7,} utterances, {b77['intent'].nunique()} intents")
    avisos = load_avisos_madrid()
    hourly = avisos_madrid_volumes(avisos, freq="1h")
    echo(f"avisos_madrid   {len(avisos):>7,} citizen reports, "
         f"{avisos['service'].nunique()} services, "
         f"{hourly['y'].isna().mean():.0%} of hours missing (collection gaps, not zeros)")
    return {"bank": bank, "calls": calls, "bank_volumes": bank_vol, "banking77": b77,
            "avisos": avisos, "avisos_hourly": hourly}


def plot_profiles(data: dict[str, object], out: Path) -> Path:
    """One figure: intraday profiles of the two arrival series and the Madrid weekly shape."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    bank: pd.DataFrame = data["bank"]  # type: ignore[assignment]
    hourly: pd.DataFrame = data["avisos_hourly"]  # type: ignore[assignment]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    prof = bank.groupby([bank["ds"].dt.dayofweek, bank["ds"].dt.time])["y"].mean()
    for dow, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri"]):
        s = prof.loc[dow]
        axes[0].plot([t.hour + t.minute / 60 for t in s.index], s.to_numpy(), label=name)
    axes[0].set(title="Bank 2003: mean calls per 5 min", xlabel="hour of day",
                ylabel="calls")
    axes[0].legend(ncols=5, fontsize=8)
    h = hourly.dropna(subset=["y"])
    week = h.groupby([h["ds"].dt.dayofweek, h["ds"].dt.hour])["y"].mean()
    axes[1].plot(range(len(week)), week.to_numpy(), color="tab:red")
    axes[1].set_xticks(range(0, 168, 24), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    axes[1].set(title="Madrid citizen reports: mean per hour of the week",
                ylabel="reports per hour")
    fig.tight_layout()
    path = out / "arrival_profiles.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_demo(out: Path, echo: Echo) -> None:
    """Run the demo pipeline and write its files to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    echo("== 1. The bundled real data")
    data = profile_datasets(echo)
    path = plot_profiles(data, out)
    echo(f"   plot: {path}")
    echo(f"done in {time.perf_counter() - t0:.1f} s; files in {out}/")

"""Fan chart of a forecast over the recent history."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from routing_ml.errors import FrameError
from routing_ml.frames import FORECAST, ID, TARGET, TIME, as_datetime_column, require_columns


def plot_forecast(history: pd.DataFrame, forecast: pd.DataFrame, path: str | Path,
                  *, history_days: int = 14, max_series: int = 4) -> Path:
    """Save a fan chart (forecast with its intervals over the last ``history_days`` days of
    history) for the ``max_series`` series of most forecast volume (the title says how
    many there are) to ``path`` (PNG); returns the path.

    Raises
    ------
    FrameError
        A frame without its columns (history: ``unique_id``, ``ds``, ``y``; forecast:
        ``unique_id``, ``ds``, ``yhat``), timestamps that cannot be read, or an empty
        forecast.
    """
    require_columns(history, (ID, TIME, TARGET), frame="plot_forecast: history")
    require_columns(forecast, (ID, TIME, FORECAST), frame="plot_forecast: forecast",
                    hint="Pass the frame Forecaster.predict(...) returns.")
    if forecast.empty:
        raise FrameError("plot_forecast: the forecast has no rows; nothing to plot. Fix: "
                         "check the horizon reaches the series' open hours.")
    history = history.assign(**{TIME: as_datetime_column(history, TIME,
                                                         frame="plot_forecast: history")})
    forecast = forecast.assign(**{TIME: as_datetime_column(forecast, TIME,
                                                           frame="plot_forecast: forecast")})
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    # the busiest queues first (a planner looks at those): by forecast volume
    volume = forecast.assign(_id=forecast[ID].astype(str)).groupby("_id", sort=False)[FORECAST].sum()
    all_ids = list(volume.sort_values(ascending=False, kind="stable").index)
    ids = all_ids[:max_series]
    fig, axes = plt.subplots(len(ids), 1, figsize=(11, 3.2 * len(ids)), squeeze=False)
    if len(all_ids) > len(ids):
        fig.suptitle(f"the {len(ids)} busiest of {len(all_ids)} queues (by forecast volume)",
                     fontsize=9)
    levels = sorted({c.rsplit("_", 1)[1] for c in forecast.columns
                     if c.startswith(f"{FORECAST}_lo_") and f"{FORECAST}_hi_{c.rsplit('_', 1)[1]}" in forecast},
                    key=float, reverse=True)
    for ax, uid in zip(axes[:, 0], ids, strict=True):
        f = _break_gaps(forecast[forecast[ID].astype(str) == uid].sort_values(TIME))
        h = history[history[ID].astype(str) == uid].sort_values(TIME)
        # whole days of history (a cut at the last timestamp left a stray first interval)
        h = h[h[TIME] >= (h[TIME].max() - pd.Timedelta(days=history_days)).ceil("D")]
        ax.plot(h[TIME], h[TARGET], ".", ms=2, color="0.3", label="history")
        for i, L in enumerate(levels):
            ax.fill_between(f[TIME], f[f"{FORECAST}_lo_{L}"], f[f"{FORECAST}_hi_{L}"],
                            color="tab:blue", alpha=0.15 + 0.15 * i, lw=0,
                            label=f"{L}% interval")
        ax.plot(f[TIME], f[FORECAST], ".", ms=2, color="tab:blue", label="forecast")
        if len(f):
            first, last = f[TIME].min(), f[TIME].max()
            ax.set_title(f"{uid}: forecast {first:%a %d %b %Y} – {last:%a %d %b}", loc="left")
        else:
            ax.set_title(uid, loc="left")
        ax.set_ylabel(" ".join(filter(None, ("contacts per", _step_label(f), "interval"))))
        ax.legend(loc="upper left", fontsize=7, markerscale=4)
    axes[-1, 0].set_xlabel("interval start (local time)")
    from routing_ml.scheduling.plots import _day_hour_ticks

    for ax in axes[:, 0]:  # dates that do not run into each other
        lo, hi = ax.get_xlim()
        _day_hour_ticks(ax, pd.Timestamp(mdates.num2date(lo)).tz_localize(None),
                        pd.Timestamp(mdates.num2date(hi)).tz_localize(None))
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _break_gaps(f: pd.DataFrame) -> pd.DataFrame:
    """Insert NaN rows where the forecast skips closed hours, so bands do not bridge them."""
    if len(f) < 3:
        return f
    step = f[TIME].diff().min()
    gaps = f[TIME].diff() > step
    if not gaps.any():
        return f
    filler = f.loc[gaps.shift(-1, fill_value=False)].copy()
    filler[TIME] = filler[TIME] + step
    filler.loc[:, [c for c in f.columns if c.startswith(FORECAST)]] = float("nan")
    return pd.concat([f, filler]).sort_values(TIME)


def _step_label(f: pd.DataFrame) -> str:
    """'30-minute' (the forecast's smallest step), '' when it has a single row."""
    step = f[TIME].diff().min()
    if pd.isna(step) or step <= pd.Timedelta(0):
        return ""
    minutes = step / pd.Timedelta(minutes=1)
    return f"{minutes:g}-minute" if minutes < 60 or minutes % 60 else f"{minutes / 60:g}-hour"

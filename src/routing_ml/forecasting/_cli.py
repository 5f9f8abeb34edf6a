"""`routing-ml forecast`: history CSV in, forecast CSV (and fan chart) out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from routing_ml._cli_hints import as_flags, bad_output, clashing_paths
from routing_ml._csv import read_table, write_table


def register(app: typer.Typer) -> None:
    """Add the ``forecast`` command to ``app``."""

    @app.command()
    def forecast(
        history: Annotated[Path, typer.Option(help="Volumes CSV: unique_id, ds, y.")],
        out: Annotated[Path, typer.Option(help="Forecast CSV to write.")],
        horizon: Annotated[str, typer.Option(help="Horizon: '1w', '2d', '12h' or a number "
                                                  "of intervals.")] = "1w",
        model: Annotated[str, typer.Option(
            help="Model: topdown (default), mstl, ets, lightgbm, ensemble, window_average, "
                 "seasonal_naive_week or seasonal_naive_day (see Forecaster).")] = "topdown",
        freq: Annotated[str | None, typer.Option(help="Interval length, e.g. 30min.")] = None,
        country: Annotated[str, typer.Option(help="Holiday country ('' for none).")] = "ES",
        subdiv: Annotated[str | None, typer.Option(help="Holiday region, e.g. MD.")] = None,
        level: Annotated[list[int] | None, typer.Option(
            help="Prediction-interval level in percent; repeat for several: --level 80 "
                 "--level 95 (default: 80 and 95).")] = None,
        plot: Annotated[Path | None, typer.Option(help="Fan chart PNG to write.")] = None,
        seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
        calibration_horizon: Annotated[str, typer.Option(
            help="Span of the backtest windows the prediction intervals are calibrated "
                 "on, e.g. '7D'; give at least the --horizon.")] = "7D",
        closed_on_holidays: Annotated[str, typer.Option(
            help="Leave the holidays out of the forecast: 'auto' (per series, when its "
                 "history shows it closed on past holidays), 'yes' or 'no'.")] = "auto",
        extra_holidays: Annotated[str | None, typer.Option(
            help="Local holidays on top of --country/--subdiv, comma-separated: 'MM-DD' "
                 "every year, 'MM-DD*' and the Monday after when on a Sunday, 'YYYY-MM-DD' once; "
                 "'madrid-city' for San Isidro and La Almudena.")] = None,
        time_zone: Annotated[str | None, typer.Option(
            help="Zone of the forecast's clock, e.g. Europe/Madrid, for a history whose ds "
                 "carry a UTC offset or Z: read on the local wall clock (the two intervals of "
                 "the autumn change's repeated hour are added up).")] = None,
        short_series: Annotated[str, typer.Option(
            help="A queue with less than a week of history: 'raise' (an error naming it) or "
                 "'skip' (the other queues are forecast; a warning names it).")] = "raise",
    ) -> None:
        """Forecast interval volumes with prediction intervals."""
        import warnings

        import numpy as np
        import pandas as pd

        from routing_ml.forecasting import Forecaster, plot_forecast
        from routing_ml.frames import as_datetime_column

        if not history.is_file():
            what = "is a directory" if history.is_dir() else "does not exist"
            typer.echo(f"error: --history {history} {what}; give the volumes CSV "
                       f"(unique_id, ds, y).", err=True)
            raise typer.Exit(1)
        for problem in (bad_output(out, "--out"), bad_output(plot, "--plot", plot=True),
                        clashing_paths({"--out": out, "--plot": plot}, {"--history": history})):
            if problem:
                typer.echo(f"error: {problem}", err=True)
                raise typer.Exit(1)
        if subdiv and not country:
            typer.echo(f"error: --subdiv {subdiv} needs a --country (e.g. --country ES): with "
                       f"--country '' no holiday is read.", err=True)
            raise typer.Exit(1)
        choices: dict[str, bool | str] = {"auto": "auto", "yes": True, "no": False}
        closed = choices.get(closed_on_holidays.lower())
        if closed is None:
            typer.echo(f"error: --closed-on-holidays {closed_on_holidays!r} must be 'auto', "
                       f"'yes' or 'no'.", err=True)
            raise typer.Exit(1)
        if (country or "").upper() == "ES" and (subdiv or "").upper() == "MD" and not extra_holidays:
            typer.echo("note: --subdiv MD reads the Comunidad de Madrid's holidays; the city's "
                       "own (San Isidro 15 May, La Almudena 9 November) are not among them and "
                       "are forecast as ordinary days. For the city council's services add "
                       "--extra-holidays madrid-city.", err=True)
        try:
            df = read_table(history)
            extra = _extra_holidays(extra_holidays)
            if time_zone:
                df, note = _on_local_clock(df, time_zone)
                if note:
                    typer.echo(note, err=True)
            elif "ds" in df.columns and df["ds"].astype(str).str.contains(
                    r"(?:Z|[+-]\d\d:?\d\d)\s*$", regex=True).any():
                typer.echo("error: column 'ds' of --history holds times with a UTC offset or Z; "
                           "forecasts are made on a local wall clock. Fix: --time-zone "
                           "Europe/Madrid (the zone of your center).", err=True)
                raise typer.Exit(1)
            read = {"unique_id", "ds", "y", "aht_seconds"}
            if "aht_seconds" in df.columns:
                read.add("served")  # the calls each handle time averages (else y)
            unread = [c for c in df.columns if c not in read]
            if unread:
                typer.echo(f"warning: column(s) {unread} of --history are not read (holidays come "
                           f"from --country, --subdiv and --extra-holidays).", err=True)
            h: int | str = int(horizon) if horizon.isdigit() else horizon
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                f = Forecaster(model, freq=freq, holidays_country=country or None,
                               holidays_subdiv=subdiv, random_state=seed,
                               closed_on_holidays=closed, extra_holidays=extra,
                               calibration_horizon=calibration_horizon,
                               short_series=short_series).fit(df)
                fc = f.predict(h=h, level=tuple(level) if level else (80, 95))
        except ValueError as exc:
            typer.echo(f"error: {as_flags(exc)}", err=True)
            raise typer.Exit(1) from exc
        for w in caught:  # one line each, as in routing-ml staff and schedule
            if fc.empty and "covers no open interval" in str(w.message):
                continue  # the error below says it, with the next open interval
            if issubclass(w.category, UserWarning):
                typer.echo(f"warning: {as_flags(w.message)}", err=True)
        if fc.empty:
            from routing_ml.frames import ID, TIME, validate_volumes

            # the horizon counts from each series' own last timestamp
            ends = validate_volumes(df, allow_missing=True).groupby(ID)[TIME].max()
            nxt = f.predict(h=1, level=(80,))
            gap = nxt[TIME].to_numpy() - ends.loc[nxt[ID]].to_numpy()
            first = nxt.iloc[int(np.argmin(gap))]
            days = int(np.ceil(gap.min() / np.timedelta64(1, "D")))
            typer.echo(f"error: the series are closed for all of --horizon {horizon} after "
                       f"the end of their history (last timestamp {ends.max()}), so there "
                       f"is nothing to forecast; the next open interval is {first[TIME]} "
                       f"({first[TIME]:%A}, series '{first[ID]}'). Fix: give a horizon "
                       f"that reaches it, e.g. --horizon {days}d.", err=True)
            raise typer.Exit(1)
        from routing_ml.frames import ID, TIME, validate_volumes

        last_day = validate_volumes(df, allow_missing=True).groupby(ID)[TIME].max().dt.normalize()
        if last_day.nunique() > 1:
            # each series' horizon counts from its own last timestamp: say so when the
            # histories end on different days (the forecasts then cover different days)
            shown = ", ".join(f"'{q}' on {t:%Y-%m-%d}" for q, t in last_day.sort_values().items())
            typer.echo(f"note: the queues' histories end on different days ({shown[:300]}): "
                       f"each forecast covers --horizon {horizon} after its own last "
                       f"timestamp, so they cover different days. Give every queue the same "
                       f"history end (0 where closed) to plan them together.", err=True)
        if "y" in df.columns:
            n_nan = int(pd.to_numeric(df["y"], errors="coerce").isna().sum())
            if n_nan:
                typer.echo(f"note: {n_nan} of {len(df)} history rows have no count (empty or "
                           f"NaN y): read as unknown, not zero, and left out of the fit. If "
                           f"they are quiet intervals, write 0.", err=True)
        if time_zone:
            # the spring hour the clocks skip exists on the forecast's even grid, not in the zone
            stamps = pd.to_datetime(fc[TIME])
            # (the autumn hour that happens twice exists: ambiguous=True reads it)
            skipped = stamps.dt.tz_localize(time_zone, nonexistent="NaT", ambiguous=True).isna() \
                & stamps.notna()
            if skipped.any():
                first = fc.loc[skipped, TIME].min()
                typer.echo(f"note: {int(skipped.sum())} forecast rows fall in a local hour that "
                           f"does not exist in {time_zone} (clocks go forward; e.g. {first}): "
                           f"their contacts arrive in the hour after. Drop or merge those rows "
                           f"before staffing.", err=True)
        if "aht_seconds" in df.columns:  # staff reads it beside the volumes
            fc, note = _with_handle_time(df, fc, freq=freq, country=country or None,
                                         subdiv=subdiv, extra=extra)
            typer.echo(note, err=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_table(fc, out, like=history)
        typer.echo(f"wrote {len(fc)} rows to {out}")
        if plot is not None:
            plot.parent.mkdir(parents=True, exist_ok=True)
            # the history's timestamps as fit read them (day-first slash dates included)
            plot_forecast(df.assign(ds=as_datetime_column(df, "ds", frame=history.name)), fc, plot)
            n_q = fc["unique_id"].nunique()
            typer.echo(f"wrote {plot}" + (f" (the 4 busiest of {n_q} queues)" if n_q > 4 else ""))
        from routing_ml._mlflow_run import log_cli_outputs

        log_cli_outputs([out, plot], {"forecast_total": float(fc["yhat"].sum()),
                                      "forecast_rows": float(len(fc))})


def _extra_holidays(text: str | None) -> tuple[str, ...]:
    """``--extra-holidays`` as the Forecaster's ``extra_holidays`` ('madrid-city' expanded)."""
    from routing_ml.forecasting import MADRID_CITY_HOLIDAYS

    out: list[str] = []
    for item in (text or "").replace(";", ",").split(","):
        item = item.strip()
        if item.lower() == "madrid-city":
            out.extend(MADRID_CITY_HOLIDAYS)
        elif item:
            out.append(item)
    return tuple(out)


def _on_local_clock(df: Any, zone: str) -> tuple[Any, str | None]:
    """``df`` with ``ds`` on the wall clock of ``zone`` (naive), the autumn change's repeated
    intervals added up; and a note saying how many were."""
    import zoneinfo

    import pandas as pd

    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"--time-zone {zone}: not a known IANA time zone. Fix: e.g. "
                         f"--time-zone Europe/Madrid (or Atlantic/Canary).") from exc
    fix = "Fix: write ds as ISO times with their offset ('2024-10-27T02:30:00+02:00') or Z"
    if "ds" in df.columns:
        text = df["ds"].astype(str).str.strip()
        # an offset-free time would be read as UTC: every row shifted by the zone's offset
        # an offset (Z, +02, +0200, +02:00, a space before it or not) after a time part
        # (a "T" or a ":"): a date alone ends in "-27", which is no offset
        offset = text.str.contains(r"(?:Z|\s?[+-]\d{2}(?::?\d{2})?)$", regex=True)
        timed = text.str.contains(r"[T:]", regex=True)
        naive = ~(offset & timed) & df["ds"].notna()
        if naive.any():
            raise ValueError(
                f"--time-zone {zone}: {int(naive.sum())} value(s) of column 'ds' of --history "
                f"have no UTC offset (e.g. {text[naive].iloc[0]!r}), so their clock is unknown. "
                f"{fix}; or, if they are already local times of {zone}, leave --time-zone out.")
    try:
        ds = pd.to_datetime(df["ds"], utc=True, format="ISO8601")
        local = ds.dt.tz_convert(zone).dt.tz_localize(None)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"--time-zone {zone}: could not read column 'ds' of --history as "
                         f"timestamps with a UTC offset ({exc}). {fix}.") from exc
    keys = ["unique_id", "ds"] if "unique_id" in df.columns else ["ds"]
    # rows of one instant twice are duplicates (refused as without --time-zone); only rows
    # of different instants on one local time (the autumn hour) are added up
    same_instant = df.assign(ds=ds).duplicated(keys, keep=False)
    if same_instant.any():
        first = df.loc[same_instant, keys].iloc[0].tolist()
        raise ValueError(
            f"--history has {int(same_instant.sum())} rows repeating a queue and instant (e.g. "
            f"{first}). Fix: keep one row per queue and interval (sum or drop the repeats).")
    df = df.assign(ds=local)
    dup = df.duplicated(keys, keep=False)
    if not dup.any():
        return df, None
    y = pd.to_numeric(df["y"], errors="coerce")
    agg = df.assign(y=y)
    if "aht_seconds" in df.columns:  # handle time weighted by the contacts it averages
        aht = pd.to_numeric(df["aht_seconds"], errors="coerce")
        agg = agg.assign(aht_seconds=aht * y)
    agg = agg.groupby(keys, as_index=False, sort=False).sum(numeric_only=True, min_count=1)
    if "aht_seconds" in agg.columns:
        agg["aht_seconds"] = agg["aht_seconds"] / agg["y"].where(agg["y"] > 0)
    n = int(dup.sum())
    return agg, (f"note: {n} rows fall in the hour the clocks of {zone} repeat in autumn: "
                 f"added up into {n - (len(df) - len(agg))} local intervals.")


def _with_handle_time(history: Any, fc: Any, *, freq: str | None, country: str | None,
                      subdiv: str | None, extra: tuple[str, ...] = ()) -> tuple[Any, str]:
    """``fc`` with an ``aht_seconds`` column forecast from the history's handle times
    (:class:`~routing_ml.forecasting.HandleTimeForecaster`: per queue, weekday and
    interval, weighted by the calls served, or ``y``), and a note saying so. Each queue is
    fit on all its history rows (an interval without calls has no handle time, not a
    closed one), so its calendar is the volume forecast's. A queue without a handle time
    in its history, or one the fit refuses, gets none (NaN), and the note names it with
    the reason: ``staff`` then asks for it by name."""
    import warnings

    import pandas as pd

    from routing_ml.forecasting import HandleTimeForecaster
    from routing_ml.frames import ID, TIME

    if ID not in history.columns:
        history = history.assign(**{ID: "series"})
    known = pd.to_numeric(history["aht_seconds"], errors="coerce").notna()
    ids = history[ID].astype(str)
    with_aht = set(ids[known])
    ahts = []
    refused: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the volume forecast has said what matters)
        for q in sorted(with_aht):  # one queue at a time: a queue the fit refuses keeps no AHT
            rows = fc.loc[fc[ID].astype(str) == q, [ID, TIME]]
            if rows.empty:
                continue
            try:
                model = HandleTimeForecaster(freq=freq, holidays_country=country,
                                             holidays_subdiv=subdiv, extra_holidays=extra)
                ahts.append(model.fit(history.loc[ids == q]).predict(h=None, future=rows))
            except ValueError as exc:  # FrameError included
                refused[q] = str(exc).split("\n")[0]
    none = sorted(set(fc[ID].astype(str)) - with_aht)
    why = "".join(f"; '{q}': {msg}" for q, msg in list(refused.items())[:3])
    if not ahts:
        return fc, ("note: the history's aht_seconds column has no usable handle time"
                    f"{why}: the forecast has none (give --aht-seconds to staff).")
    aht = pd.concat(ahts, ignore_index=True)
    out = fc.merge(aht, on=[ID, TIME], how="left")
    note = ("note: aht_seconds forecast per queue, weekday and interval from the history's "
            "handle times (weighted by calls)")
    if none:
        note += f"; no handle time in the history of {none[:5]} (staff asks for it)"
    if refused:
        note += f"; none for {sorted(refused)[:5]}, the fit refused them{why}"
    return out, note + "."

"""`routing-ml forecast`: history CSV in, forecast CSV (and fan chart) out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``forecast`` command to ``app``."""

    @app.command()
    def forecast(
        history: Annotated[Path, typer.Option(help="Volumes CSV: unique_id, ds, y.")],
        out: Annotated[Path, typer.Option(help="Forecast CSV to write.")],
        horizon: Annotated[str, typer.Option(help="Horizon: '1w', '2d', '12h' or a number "
                                                  "of intervals.")] = "1w",
        model: Annotated[str, typer.Option(help="Model name (see Forecaster).")] = "topdown",
        freq: Annotated[str | None, typer.Option(help="Interval length, e.g. 30min.")] = None,
        country: Annotated[str, typer.Option(help="Holiday country ('' for none).")] = "ES",
        subdiv: Annotated[str | None, typer.Option(help="Holiday region, e.g. MD.")] = None,
        level: Annotated[list[int] | None, typer.Option(help="Interval levels.")] = None,
        plot: Annotated[Path | None, typer.Option(help="Fan chart PNG to write.")] = None,
        seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    ) -> None:
        """Forecast interval volumes with prediction intervals."""
        import warnings

        import pandas as pd

        from routing_ml.forecasting import Forecaster, plot_forecast
        from routing_ml.frames import as_datetime_column

        if not history.is_file():
            what = "is a directory" if history.is_dir() else "does not exist"
            typer.echo(f"error: --history {history} {what}; give the volumes CSV "
                       f"(unique_id, ds, y).", err=True)
            raise typer.Exit(1)
        try:
            df = pd.read_csv(history)
            h: int | str = int(horizon) if horizon.isdigit() else horizon
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                f = Forecaster(model, freq=freq, holidays_country=country or None,
                               holidays_subdiv=subdiv, random_state=seed).fit(df)
                fc = f.predict(h=h, level=tuple(level) if level else (80, 95))
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        for w in caught:  # one line each, as in routing-ml staff and schedule
            if issubclass(w.category, UserWarning):
                typer.echo(f"warning: {w.message}", err=True)
        if fc.empty:
            from routing_ml.frames import TIME, validate_volumes

            last = validate_volumes(df, allow_missing=True)[TIME].max()
            typer.echo(f"error: --horizon {horizon} gives no interval to forecast after the "
                       f"history's last timestamp {last}; give a span of at least "
                       f"one interval, e.g. '1w', '2d' or '12h'.", err=True)
            raise typer.Exit(1)
        out.parent.mkdir(parents=True, exist_ok=True)
        fc.to_csv(out, index=False)
        typer.echo(f"wrote {len(fc)} rows to {out}")
        if plot is not None:
            plot.parent.mkdir(parents=True, exist_ok=True)
            # the history's timestamps as fit read them (day-first slash dates included)
            plot_forecast(df.assign(ds=as_datetime_column(df, "ds", frame=history.name)), fc, plot)
            typer.echo(f"wrote {plot}")

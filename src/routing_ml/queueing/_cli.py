"""``routing-ml staff``: a forecast in, a requirements file out (thin; logic in the library)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routing_ml._cli_hints import as_flags, bad_output, clashing_paths
from routing_ml._csv import read_table, write_table

if TYPE_CHECKING:
    from routing_ml.queueing import StaffingTarget


def _abandon_cap(targets: dict[str, StaffingTarget], cap: float, name: str,
                 notes: list[str]) -> dict[str, StaffingTarget]:
    """``--max-abandon-rate`` without ``--patience-seconds``: the cap of every queued target
    of the targets file that gives a patience and no cap of its own; a QueueingInputError
    when none does (Erlang C: nobody hangs up)."""
    from dataclasses import replace

    from routing_ml.queueing import QueueingInputError

    out = dict(targets)
    capped = []
    for q, t in targets.items():
        if not t.deferrable and t.patience_seconds is not None and t.max_abandon_rate is None:
            out[q] = replace(t, max_abandon_rate=cap)
            capped.append(q)
    if not capped:
        raise QueueingInputError(
            f"--max-abandon-rate {cap:g} needs a patience: neither --patience-seconds nor {name} "
            f"gives one, and without it nobody hangs up (Erlang C). Fix: --patience-seconds 120, "
            f"or patience_seconds for the queues in {name}.")
    uncapped = sorted(q for q, t in targets.items() if not t.deferrable and t.patience_seconds is None)
    if uncapped:
        notes.append(f"--max-abandon-rate {cap:g} applies to the queues {name} gives a patience "
                     f"({sorted(capped)}); {uncapped} have none (Erlang C, nobody hangs up).")
    return out


def register(app: typer.Typer) -> None:
    """Add the ``staff`` command to ``app``."""

    @app.command()
    def staff(
        forecast: Annotated[Path, typer.Option(
            help="CSV with unique_id, ds and the volume column (yhat).")],
        out: Annotated[Path, typer.Option(help="Where to write the requirements CSV.")],
        aht_seconds: Annotated[float | None, typer.Option(
            help="Mean handle time in seconds (default: the targets file for the queues "
                 "it names, else the forecast's aht_seconds column).")] = None,
        service_level: Annotated[float, typer.Option(
            help="Target fraction answered within --answer-seconds.")] = 0.8,
        answer_seconds: Annotated[float, typer.Option(
            help="Service-level threshold in seconds.")] = 20.0,
        shrinkage: Annotated[float, typer.Option(
            help="Fraction of paid time off the phones, in [0, 1).")] = 0.0,
        max_occupancy: Annotated[float | None, typer.Option(
            help="Cap on occupancy in (0, 1].")] = None,
        patience_seconds: Annotated[float | None, typer.Option(
            help="Mean caller patience in seconds: Erlang A instead of Erlang C.")] = None,
        max_asa_seconds: Annotated[float | None, typer.Option(
            help="Cap on the average speed of answer in seconds, met beside the service "
                 "level.")] = None,
        max_abandon_rate: Annotated[float | None, typer.Option(
            help="Cap on the fraction of callers who hang up, in (0, 1]; needs "
                 "--patience-seconds.")] = None,
        interval_minutes: Annotated[float | None, typer.Option(
            help="Interval length in minutes (default: inferred from ds, with a warning).")]
        = None,
        targets: Annotated[Path | None, typer.Option(
            help="YAML or CSV with per-queue targets (unique_id, service_level, "
                 "answer_seconds, shrinkage, patience_seconds, max_asa_seconds, "
                 "max_abandon_rate, channel, concurrency, deadline_hours, working_hours, "
                 "aht_seconds); the options above are the defaults.")] = None,
        volume_col: Annotated[str, typer.Option(
            help="Column holding the volumes.")] = "yhat",
        plot: Annotated[Path | None, typer.Option(
            help="PNG to write: agents per interval, the centre's total and the busiest "
                 "queues.")] = None,
    ) -> None:
        """Agents per queue and interval for a forecast (Erlang C / A, chat, email).

        The output has agents (to schedule, shrinkage included), net_agents (on the
        phones), and the service_level, asa_seconds and occupancy of the net agents.
        """
        import warnings

        import pandas as pd

        from routing_ml.errors import RoutingMLError
        from routing_ml.queueing import (
            InfeasibleTargetError,
            StaffingTarget,
            read_staffing_targets,
            staffing_requirements,
        )

        for label, path in (("--forecast", forecast), ("--targets", targets)):
            if path is not None and not path.is_file():
                typer.echo(f"{label}: file not found: {path}", err=True)
                raise typer.Exit(1)
        if problem := (bad_output(out, "--out") or bad_output(plot, "--plot", plot=True)
                       or clashing_paths({"--out": out, "--plot": plot},
                                         {"--forecast": forecast, "--targets": targets})):
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(1)
        try:
            # without --patience-seconds an abandonment cap is for the targets file's
            # queues that give a patience (set below), not part of the defaults
            cap_per_queue = max_abandon_rate is not None and patience_seconds is None and targets is not None
            default = StaffingTarget(
                service_level=service_level, answer_seconds=answer_seconds,
                max_occupancy=max_occupancy, shrinkage=shrinkage,
                patience_seconds=patience_seconds, max_asa_seconds=max_asa_seconds,
                max_abandon_rate=None if cap_per_queue else max_abandon_rate,
            )
            per_queue: object = default
            aht: object = aht_seconds
            notes: list[str] = []  # printed as warnings with the library's
            if targets is not None:
                per_queue, aht_map = read_staffing_targets(targets, default)
                if cap_per_queue and max_abandon_rate is not None:
                    per_queue = _abandon_cap(per_queue, max_abandon_rate, targets.name, notes)
                # the file's '*' handle time is the default of the queues it does not name
                star = aht_map.pop("*", None)
                if aht_map or star is not None:
                    if aht_seconds is not None:
                        aht = {"__default__": aht_seconds, **aht_map}
                        if star is not None:
                            notes.append(f"--aht-seconds {aht_seconds:g} is the handle time "
                                         f"of the queues {targets.name} does not name; its "
                                         f"'*' aht_seconds ({star:g}) is not used.")
                    else:
                        aht = {**aht_map, **({} if star is None else {"*": star})}
            frame = read_table(forecast)
            if aht_seconds is not None and "aht_seconds" in frame.columns:
                notes.append(f"--aht-seconds {aht_seconds:g} is used for every queue and "
                             f"interval instead of {forecast.name}'s aht_seconds column; leave "
                             f"--aht-seconds out to staff with the column's handle times.")
            if volume_col not in frame.columns:
                others = [c for c in frame.columns if c not in ("unique_id", "ds", "aht_seconds")]
                typer.echo(f"error: {forecast.name} has no column '{volume_col}' (the volumes "
                           f"to staff); its columns are {list(frame.columns)}. Fix: "
                           + (f"--volume-col {others[0]}" if len(others) == 1 else
                              "--volume-col <the volumes column>") + ".", err=True)
                raise typer.Exit(1)
            if (isinstance(aht, dict) and "__default__" not in aht and "unique_id" in frame
                    and "aht_seconds" in frame):
                # the targets file names some queues' handle time: the forecast's
                # aht_seconds column stays the handle time of the queues it leaves out
                if "*" in aht:
                    notes.append(f"{forecast.name}'s aht_seconds column is the handle time "
                                 f"of the queues {targets.name if targets else ''} does not "
                                 f"name; its '*' aht_seconds ({aht['*']:g}) is not used.")
                named = frame["unique_id"].astype(str).map(
                    {q: v for q, v in aht.items() if q != "*"})
                frame["aht_seconds"] = named.where(named.notna(), frame["aht_seconds"])
                aht = None
            if isinstance(aht, dict) and "__default__" in aht and "unique_id" in frame:
                fill = aht.pop("__default__")
                aht = {str(q): aht.get(str(q), fill) for q in frame["unique_id"].unique()}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = staffing_requirements(
                    frame, per_queue,  # type: ignore[arg-type]
                    aht_seconds=aht,  # type: ignore[arg-type]
                    interval_minutes=interval_minutes, volume_col=volume_col,
                )
            for note in notes:
                typer.echo(f"warning: {note}", err=True)
            for w in caught:
                typer.echo(f"warning: {as_flags(w.message)}", err=True)
        except InfeasibleTargetError as exc:
            typer.echo(f"infeasible: {exc}", err=True)
            raise typer.Exit(2) from exc
        except (RoutingMLError, ValueError, KeyError) as exc:
            typer.echo(f"error: {as_flags(exc)}", err=True)
            raise typer.Exit(1) from exc
        out.parent.mkdir(parents=True, exist_ok=True)
        write_table(result, out, like=forecast)
        if plot is not None and len(result):
            from routing_ml.queueing import plot_staffing

            plot.parent.mkdir(parents=True, exist_ok=True)
            plot_staffing(result, plot, interval_minutes=interval_minutes)
        from routing_ml._mlflow_run import log_cli_outputs

        # the centre's peak: the queues' agents at the same interval added up
        at_once = result.groupby("ds")["agents"].sum() if len(result) else pd.Series(dtype=float)
        peak = int(at_once.max()) if len(at_once) else 0
        n_queues = result["unique_id"].nunique()
        log_cli_outputs([out, plot], {"peak_agents": float(peak), "rows": float(len(result))})
        largest = (f"; the largest queue at one interval {int(result['agents'].max())}"
                   if n_queues > 1 else "")
        typer.echo(
            f"wrote {len(result):,} rows for {n_queues} queue{'s' if n_queues != 1 else ''} "
            f"to {out} (peak {peak} agents at once{largest})"
        )
        if plot is not None and len(result):
            typer.echo(f"wrote {plot}" + (f" (the 4 busiest of {n_queues} queues)" if n_queues > 4 else ""))
        elif plot is not None:
            typer.echo(f"warning: no requirement rows to plot; {plot} not written", err=True)
        for queue, b in result.attrs.get("deferred_backlog", {}).items():
            if b["items"] > 0:
                typer.echo(
                    f"queue {queue}: {b['items']:.1f} items ({b['work_hours']:.2f} work hours) "
                    f"still open at the horizon end {b['horizon_end']}: answered within their "
                    f"deadline in the next working hours at the same level; add them to the "
                    f"next horizon's plan"
                )

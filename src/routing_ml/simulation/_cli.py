"""``routing-ml simulate``: replicate a day under a schedule and a forecast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from routing_ml._cli_hints import as_flags, bad_output
from routing_ml._csv import read_table, write_table

_POLICIES = ("longest_idle", "skill_based", "batch_assignment")


def _read(path: Path, dates: tuple[str, ...]):
    import pandas as pd

    if path.suffix in (".parquet", ".pq"):
        df = pd.read_parquet(path)
    elif path.suffix == ".json":
        try:
            df = pd.read_json(path, orient="records", dtype={"agent_id": str})
        except ValueError as exc:
            raise ValueError(
                f"{path.name}: not a JSON list of records ({exc}). Fix: one object per row "
                f"in a list, e.g. [{{\"agent_id\": \"a1\", \"skills\": {{\"tributos\": 3}}}}].") from exc
    else:
        df = read_table(path, dtype={"agent_id": str})  # '007' stays '007'
    from routing_ml.frames import as_datetime_column

    for c in dates:
        # the library's parsing (day-first slash dates, time zones: named errors); a log's
        # 'ts' is parsed by the simulator, which counts unparsable rows as dropped
        if c in df.columns and c != "ts":
            df[c] = as_datetime_column(df, c, frame=path.name)
    return df


def _json_default(value: object) -> object:
    """numpy numbers (and anything else) in the issues and dropped counts, for json."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def _forecast_aht(fc) -> dict[str, float]:
    """Mean handle seconds per queue of a forecast's ``aht_seconds`` column, weighted by its
    expected contacts (``yhat``, else ``y``); queues without a usable value are left out."""
    import pandas as pd

    value = "yhat" if "yhat" in fc.columns else "y"
    if "unique_id" not in fc.columns or value not in fc.columns:
        return {}
    d = pd.DataFrame({"q": fc["unique_id"].astype(str),
                      "w": pd.to_numeric(fc[value], errors="coerce"),
                      "aht": pd.to_numeric(fc["aht_seconds"], errors="coerce")})
    d = d[(d["w"] > 0) & (d["aht"] > 0) & d["aht"].notna()]
    if d.empty:
        return {}
    d["wa"] = d["w"] * d["aht"]
    g = d.groupby("q")[["wa", "w"]].sum()
    return {str(q): float(r.wa / r.w) for q, r in g.iterrows()}


def _targets_answer(per_queue: dict, path: Any) -> float | dict[str, float]:
    """The service level's answer seconds per channel from a targets file's queues
    (``StaffingTarget.channel`` / ``answer_seconds``); without a file, every channel's
    default. Queues of one channel with different answer times: the shortest, with a note."""
    if not per_queue:
        return {}  # every channel keeps its default (voice 20, chat 60, ...)
    by_channel: dict[str, set[float]] = {}
    for q, t in per_queue.items():
        if q != "*" or len(per_queue) == 1:
            by_channel.setdefault(t.channel, set()).add(float(t.answer_seconds))
    out = {ch: min(v) for ch, v in by_channel.items()}
    for ch, v in by_channel.items():
        if len(v) > 1:
            typer.echo(f"note: {path.name} gives the {ch} queues different answer_seconds "
                       f"({', '.join(f'{x:g}' for x in sorted(v))}); the service level is "
                       f"measured at {min(v):g} s. Fix: --answer-seconds {ch}=<seconds>.", err=True)
    return out


def _targets_patience(per_queue: dict) -> dict[str, float] | None:
    """Mean patience seconds per queue of a targets file (its ``'*'`` for the channels of
    the queues it does not name is not known here: a queue without one never abandons)."""
    out = {q: float(t.patience_seconds) for q, t in per_queue.items()
           if q != "*" and t.patience_seconds is not None}
    return out or None


def _targets_aht(aht_map: dict[str, float], aht: Any, fc: Any) -> dict[str, float]:
    """Handle seconds per forecast queue: the targets file's where it names the queue, else
    ``aht`` (--aht-seconds, or the forecast's column per queue), else the file's ``'*'``,
    else 300 (as `staff`)."""
    star = aht_map.get("*")
    queues = sorted(fc["unique_id"].astype(str).unique()) if "unique_id" in fc.columns else []
    out: dict[str, float] = {}
    for q in queues:
        if q in aht_map:
            out[q] = float(aht_map[q])
        elif isinstance(aht, dict) and q in aht:
            out[q] = float(aht[q])
        elif isinstance(aht, int | float):
            out[q] = float(aht)
        else:
            out[q] = float(star) if star is not None else 300.0
    return out


def _answer_seconds(text: str) -> float | dict[str, float]:
    """``--answer-seconds``: one number for the real-time channels ("20"), or seconds per
    channel ("voice=20,chat=60,email=86400"); channels not named keep their defaults."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if len(parts) == 1 and "=" not in parts[0]:
            return float(parts[0])
        out: dict[str, float] = {}
        for part in parts:
            channel, sep, value = part.partition("=")
            if not sep or not channel.strip():
                raise ValueError(part)
            out[channel.strip().lower()] = float(value)
        if out:
            return out
    except ValueError:
        pass
    raise ValueError(f"--answer-seconds {text!r} is not seconds. Fix: one number for the "
                     f"real-time channels, e.g. --answer-seconds 20, or seconds per channel, "
                     f"e.g. --answer-seconds voice=20,chat=60.")


def _answer_label(answer: float | dict[str, float], queues: object = ()) -> str:
    """"20 s", or "voice 20 s, chat 60 s" (the real-time channels of ``queues``, the
    queues the plot shows, else all of them) when they differ."""
    from routing_ml.frames import split_queue
    from routing_ml.simulation._inputs import REALTIME_CHANNELS
    from routing_ml.simulation._stats import answer_targets

    targets = answer_targets(answer)
    present = set()
    for q in queues:  # type: ignore[attr-defined]
        try:
            present.add(split_queue(str(q))[0])
        except ValueError:  # 'all', or a name of another convention
            pass
    channels = [k for k in REALTIME_CHANNELS if k in present] or list(REALTIME_CHANNELS)
    shown = {k: targets[k] for k in channels}
    if len(set(shown.values())) == 1:
        return f"{next(iter(shown.values())):g} s"
    return ", ".join(f"{k} {v:g} s" for k, v in shown.items())


def _policy(name: str):
    from routing_ml.routing.base import LongestIdleAgent

    if name == "longest_idle":
        return LongestIdleAgent()
    from routing_ml.routing import policies

    return policies.SkillBased() if name == "skill_based" else policies.BatchAssignment()


def _plot(band, path: Path, answer: str, target: float | None) -> None:
    """One panel per real-time queue (and the queues together, ``all``, when there are
    several): mean service level per interval with the 5-95 % band of the replications."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from routing_ml.scheduling.plots import _day_hour_ticks

    queues = sorted(band["unique_id"].unique(), key=lambda q: (q != "all", q))
    span = band["ds"].max() - band["ds"].min() if len(band) else pd.Timedelta(0)
    marker = "o" if span <= pd.Timedelta(days=1) else None  # a week of dots is a comb
    if len(queues) == 2:  # 'all' and its only queue: the same numbers twice
        queues = [q for q in queues if q != "all"]
    fig, axes = plt.subplots(len(queues), 1, figsize=(9, 1.2 + 2.6 * len(queues)),
                             sharex=True, squeeze=False)
    for ax, queue in zip(axes[:, 0], queues, strict=True):
        for name, g in band.loc[band["unique_id"] == queue].groupby("policy"):
            # intervals with no arrivals (closed hours, the night) are gaps, not a line
            g = g.sort_values("ds")
            step = g["ds"].diff().min()
            if pd.notna(step) and step > pd.Timedelta(0):
                g = g.set_index("ds").reindex(pd.date_range(g["ds"].min(), g["ds"].max(),
                                                            freq=step))
                g = g.rename_axis("ds").reset_index()
            ax.plot(g["ds"], g["service_level"], marker=marker, ms=3, lw=1.2,
                    label=f"{name} (mean)")
            ax.fill_between(g["ds"], g["p05"], g["p95"], alpha=0.2,
                            label=f"{name} 5–95 % of replications")
        if target is not None:
            ax.axhline(target, color="black", ls="--", lw=1,
                       label=f"target {target:.0%}")
        ax.set_ylim(0, 1.02)
        ax.set_ylabel(f"{'all real-time' if queue == 'all' else queue}\nservice level")
        ax.grid(alpha=0.3)
    axes[0, 0].set_title(f"Simulated service level per interval: answered within {answer}")
    axes[-1, 0].set_xlabel("interval start (local time)")
    if len(band):
        _day_hour_ticks(axes[-1, 0], pd.Timestamp(band["ds"].min()),
                        pd.Timestamp(band["ds"].max()))
    # below the axes: inside, it covers the low intervals that matter
    legend = axes[-1, 0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=3,
                                frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight", bbox_extra_artists=(legend,))
    plt.close(fig)


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to ``app``."""

    @app.command("simulate")
    def simulate_command(
        schedule: Annotated[Path, typer.Option(
            exists=True, dir_okay=False,
            help="Shifts (agent_id, start, end) or requirements (unique_id, ds, agents); "
                 "CSV, Parquet or JSON records.")],
        forecast: Annotated[Path, typer.Option(
            exists=True, dir_okay=False,
            help="Forecast (unique_id, ds, yhat) or a contacts log (ts, channel, skill, "
                 "...). unique_id is a queue: a channel ('voice', 'chat', 'email', "
                 "'web'), 'channel:skill' ('chat:tributos'), or a bare skill, taken as a "
                 "voice skill ('tributos' = 'voice:tributos').")],
        out: Annotated[Path, typer.Option(help="Folder for the statistics files.")],
        policy: Annotated[str, typer.Option(
            help=f"Routing policy: {', '.join(_POLICIES)}.")] = "longest_idle",
        replications: Annotated[int, typer.Option(min=1, help="Replications.")] = 10,
        agents: Annotated[Path | None, typer.Option(
            exists=True, dir_okay=False,
            help="Agents: CSV (the agents file of `routing-ml schedule`: skills 'voice;chat') or "
                 "JSON records, with agent_id, skills and optionally channels, max_concurrency; "
                 "default: each scheduled agent takes the queues of its schedule rows (their "
                 "unique_id, over the whole schedule), or every queue when the schedule names "
                 "none.")] = None,
        aht_seconds: Annotated[float | None, typer.Option(
            help="Mean handle time in seconds (exponential), unless the forecast is a "
                 "contacts log with handle_seconds; give the AHT `staff` used. Default: "
                 "per queue, the forecast's aht_seconds column weighted by its contacts "
                 "(what `staff` read), else 300 (with a note).")] = None,
        patience_seconds: Annotated[float | None, typer.Option(
            help="Mean patience (exponential) of real-time contacts; default: the "
                 "--targets file's patience_seconds per queue, else none = no "
                 "abandonment.")] = None,
        chat_slowdown: Annotated[float, typer.Option(
            min=0.0,
            help="Slowdown of a chat / messaging session per other session its agent holds "
                 "(0.25: +25 % each). Default 0: the handle time (--aht-seconds or the "
                 "forecast's aht_seconds) is a session's measured time at the usual "
                 "concurrency, as `staff` read it, so it holds the slowdown already.")] = 0.0,
        answer_seconds: Annotated[str | None, typer.Option(
            help="Answer time of the service level in seconds: one number for the real-time "
                 "channels (voice, chat, messaging), or per channel, e.g. "
                 "'voice=20,chat=60,email=86400'; a channel not named keeps its default "
                 "(voice 20, chat 60, messaging 300, email and web 86400; with --targets, "
                 "the file's answer_seconds of the channel's queues).")] = None,
        targets: Annotated[Path | None, typer.Option(
            exists=True, dir_okay=False,
            help="The per-queue targets file `staff --targets` read (YAML or CSV): its "
                 "aht_seconds and patience_seconds per queue are simulated, and its "
                 "answer_seconds set each channel's service level, so the simulation "
                 "judges the plan that was staffed. --patience-seconds and --answer-seconds, "
                 "when given, win; --aht-seconds is the handle time of the queues the file "
                 "does not name, as in `staff`.")] = None,
        interval_minutes: Annotated[int | None, typer.Option(
            min=1, help="Statistics interval in minutes (default: the forecast's own "
                        "step). The forecast's and a requirements schedule's intervals are "
                        "read from their own 'ds'.")] = None,
        seed: Annotated[int, typer.Option(help="Master seed.")] = 0,
        n_jobs: Annotated[int, typer.Option(help="Worker processes.")] = 1,
        plot: Annotated[Path | None, typer.Option(
            help="PNG of the service level per interval with its band.")] = None,
        breaks: Annotated[Path | None, typer.Option(
            exists=True, dir_okay=False,
            help="Breaks of a roster (agent_id, start, end), e.g. the <out>_breaks.csv "
                 "written by `routing-ml schedule`: agents are logged out during them.")] = None,
        outside_hours: Annotated[str, typer.Option(
            help="Real-time contacts arriving when nobody of their queue is on shift: "
                 "'auto' (keep them for a forecast: a staffing gap, they wait or abandon; "
                 "drop them for a contacts log), 'keep', 'drop' (counted as dropped) or "
                 "'raise'.")] = "auto",
        target_service_level: Annotated[float | None, typer.Option(
            min=0.0, max=1.0,
            help="Service-level target drawn on the plot (share answered within "
                 "--answer-seconds).")] = 0.8,
        shrinkage: Annotated[float, typer.Option(
            min=0.0, max=0.99,
            help="Share of the scheduled time agents are logged out beyond their breaks "
                 "(absence, training, meetings): pieces of each shift, one statistics "
                 "interval long, are left out at random with this probability. Give the "
                 "part of `staff --shrinkage` that --breaks does not model: a roster staffed "
                 "with shrinkage and simulated without it looks over-staffed.")] = 0.0,
    ) -> None:
        """Simulate the schedule against the forecast; write statistics (and a plot)."""
        from routing_ml.errors import RoutingMLError

        if policy not in _POLICIES:
            typer.echo(f"--policy must be one of {', '.join(_POLICIES)}, got {policy!r}.",
                       err=True)
            raise typer.Exit(1)
        for problem in (bad_output(out, "--out", folder=True), bad_output(plot, "--plot", plot=True)):
            if problem:
                typer.echo(f"error: {problem}", err=True)
                raise typer.Exit(1)
        try:
            from routing_ml.simulation import compare_policies

            per_queue: dict = {}
            aht_map: dict[str, float] = {}
            if targets is not None:
                from routing_ml.queueing.requirements import read_staffing_targets

                per_queue, aht_map = read_staffing_targets(targets)
            answer = (_answer_seconds(answer_seconds) if answer_seconds is not None
                      else _targets_answer(per_queue, targets))
            if patience_seconds is None and per_queue:
                patience_seconds = _targets_patience(per_queue)  # type: ignore[assignment]

            sched = _read(schedule, ("start", "end", "ds"))
            if {"break", "paid"} <= set(sched.columns) and "shift" not in sched.columns:
                raise ValueError(
                    f"--schedule {schedule.name} has the columns of a breaks file ('break', "
                    f"'paid'): its rows are breaks, and agents would be simulated as logged in "
                    f"during their breaks only. Fix: --schedule <the roster> --breaks "
                    f"{schedule.name} (`routing-ml schedule` writes both).")
            if breaks is None and "breaks" in sched.columns and \
                    sched["breaks"].fillna("").astype(str).str.strip().ne("").any():
                typer.echo(f"warning: {schedule.name} lists breaks but --breaks was not given: "
                           f"agents are simulated as logged in during their breaks. Pass "
                           f"--breaks {schedule.with_name(schedule.stem + '_breaks.csv')} "
                           f"(written by `routing-ml schedule`).", err=True)
            brk = None
            if breaks is not None:
                from routing_ml.simulation import shifts_from_roster

                brk = _read(breaks, ("start", "end"))
                if len(sched) and shifts_from_roster(sched, brk).empty:
                    raise ValueError(
                        f"--breaks {breaks.name} covers every minute of every shift in "
                        f"--schedule {schedule.name}, so nobody would be logged in: is it the "
                        f"roster itself? Fix: pass the breaks file `routing-ml schedule` wrote "
                        f"beside the roster ({schedule.stem}_breaks.csv).")
            fc = _read(forecast, ("ds", "ts"))
            aht: float | dict[str, float] | None = aht_seconds
            if aht is None and "aht_seconds" in fc.columns and "ds" in fc.columns:
                aht = _forecast_aht(fc)
                if aht:
                    typer.echo("note: mean handle time per queue from the forecast's aht_seconds "
                               "(weighted by its contacts; `staff` staffed with the same column): "
                               + ", ".join(f"{q} {v:.0f} s" for q, v in aht.items()), err=True)
                else:
                    aht = None
            if aht_map and "handle_seconds" not in fc.columns:
                # as `staff`: the file's handle time for the queues it names, the other
                # queues keep --aht-seconds, the forecast's column or the file's '*'
                aht = _targets_aht(aht_map, aht, fc)
                typer.echo(f"note: mean handle time per queue from {targets.name if targets else ''}"
                           f" where it names one: " + ", ".join(f"{q} {v:.0f} s" for q, v in aht.items()),
                           err=True)
            if aht is None:
                aht = 300.0
                if "handle_seconds" not in fc.columns:
                    typer.echo("note: --aht-seconds not given: contacts are simulated with a "
                               "mean handle time of 300 s. Pass the AHT the requirements "
                               "were staffed with (`staff --aht-seconds`).", err=True)
            ag = _read(agents, ()) if agents is not None else None
            res = compare_policies(
                {policy: _policy(policy)}, fc, ag, sched, n_replications=replications,
                seed=seed, n_jobs=n_jobs, aht_seconds=aht,
                patience_seconds=patience_seconds, answer_seconds=answer,
                chat_slowdown=chat_slowdown,
                interval_minutes=interval_minutes, shrinkage=shrinkage,
                outside_hours=outside_hours, breaks=brk,
            )
        except (ValueError, RoutingMLError, KeyError) as exc:
            typer.echo(f"error: {as_flags(exc)}", err=True)
            raise typer.Exit(1) from exc
        out.mkdir(parents=True, exist_ok=True)
        write_table(res.summary, out / "summary.csv", like=forecast)
        write_table(res.replications, out / "replications.csv", like=forecast)
        write_table(res.by_interval, out / "service_level_by_interval.csv", like=forecast)
        import json

        (out / "issues.json").write_text(json.dumps(
            {"dropped": res.dropped, "issues": res.issues}, indent=2, default=_json_default) + "\n")
        plot_written = False
        if plot is not None:
            if res.by_interval.empty:
                typer.echo(f"no plot written to {plot}: the service-level band covers "
                           f"real-time channels (voice, chat, messaging) and the arrivals "
                           f"have none.", err=True)
            else:
                plot.parent.mkdir(parents=True, exist_ok=True)
                _plot(res.by_interval, plot,
                      _answer_label(answer, res.by_interval["unique_id"].unique()),
                      target_service_level)
                plot_written = True
        s = res.summary.set_index("metric")
        counts = [f"{m} {s.loc[m, 'mean']:.0f}" for m in ("arrivals", "answered", "abandoned",
                                                         "waiting") if m in s.index]
        if counts:
            typer.echo("contacts per replication (mean): " + ", ".join(counts))
        # asa_offered_seconds: the ASA staff --max-asa-seconds caps (abandoned waits too)
        for m in ("service_level", "asa_seconds", "asa_offered_seconds", "abandon_rate",
                  "occupancy_mean"):
            row = s.loc[m]
            typer.echo(f"{m:<19} {row['mean']:.3f}  [{row['ci_low']:.3f}, "
                       f"{row['ci_high']:.3f}]")
        if res.dropped:
            typer.echo(f"dropped input records, all {replications} replications: {res.dropped} "
                       f"(per replication: dropped_* columns of replications.csv)", err=True)
        if res.issues:
            # input problems simulated as documented (after-hours arrivals kept, imputed
            # handle times, agents without skills, ...): they change what the figures mean
            typer.echo(f"input issues (first replication), simulated as documented: "
                       f"{res.issues}", err=True)
        typer.echo(f"wrote {out} (summary.csv, replications.csv, service_level_by_interval.csv, "
                   f"issues.json)"
                   + (f" and {plot}" if plot_written else ""))
        from routing_ml._mlflow_run import log_cli_outputs

        log_cli_outputs([out, plot], {m if m.endswith("_mean") else f"{m}_mean":  # not ..._mean_mean
                                      float(s.loc[m, "mean"]) for m in
                                      ("service_level", "asa_seconds", "asa_offered_seconds",
                                       "abandon_rate", "occupancy_mean") if m in s.index})

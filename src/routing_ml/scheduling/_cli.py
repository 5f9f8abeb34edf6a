"""`routing-ml schedule`: roster agents from requirements, agents and shift templates.

Only typer, pathlib and typing are imported at module level; the scheduling room and its
solver load inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from routing_ml._cli_hints import as_flags, bad_output, clashing_paths
from routing_ml._csv import read_table, write_table


def register(app: typer.Typer) -> None:
    """Add the ``schedule`` command to ``app``."""

    @app.command("schedule")
    def schedule(
        requirements: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                                help="CSV with unique_id (queue), ds (interval start), agents.")],
        agents: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                          help="CSV with agent_id and optional skills, min/max_hours_per_week, "
                               "unavailable, earliest_start, latest_end, preferred_start, "
                               "preferred_days_off.")],
        shifts: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                          help="YAML with shift templates (and optional rules/weights).")],
        weeks: Annotated[int | None, typer.Option(min=1, max=4, help="Weeks to roster (default: span of the requirements).")] = None,
        time_limit: Annotated[float, typer.Option(min=0.1, help="Time limit of the solver phases in seconds (wall clock); building the "
                                      "model and writing the files come on top (about a second on a small roster). "
                                      "When the hard rules cannot all hold, finding which ones and a partial plan "
                                      "may take up to half the limit more.")] = 60.0,
        workers: Annotated[int, typer.Option(min=0, help="CP-SAT workers (0 = all cores; 1 with a fixed --seed "
                                             "gives the same roster when the solve ends before the "
                                             "time limit).")] = 0,
        seed: Annotated[int, typer.Option(min=0, help="CP-SAT random seed.")] = 0,
        deterministic_time: Annotated[float | None, typer.Option(
            min=0.0, help="Also stop each CP-SAT phase at this deterministic time (CP-SAT's "
                          "max_deterministic_time, machine-independent units): with --workers 1 "
                          "and a generous --time-limit, runs give the same roster.")] = None,
        gap: Annotated[float, typer.Option(min=0.0, max=0.99, help="Stop at this relative gap (0.01 = 1%).")] = 0.0,
        interval_minutes: Annotated[int, typer.Option(min=1, help="Length of a requirement interval, in minutes.")] = 15,
        out: Annotated[Path, typer.Option(help="Roster CSV (agent_id, date, start, end, breaks, shift, unique_id, paid_hours); the breaks "
                                             "also go to <out>_breaks.csv (agent_id, start, end), "
                                             "the file `routing-ml simulate --breaks` reads.")] = Path("roster.csv"),
        coverage_out: Annotated[Path | None, typer.Option(
            help="Coverage CSV (default: <out>_coverage.csv): unique_id, ds, required, scheduled, "
                 "gap = scheduled - required (negative: under-staffed).")] = None,
        plot: Annotated[Path | None, typer.Option(help="Coverage plot PNG; the Gantt chart goes to <plot>_gantt.png.")] = None,
        previous_roster: Annotated[Path | None, typer.Option(
            exists=True, dir_okay=False,
            help="The roster CSV published before this horizon (agent_id, start, end): rest after "
                 "each agent's last shift and its working days in a row carry over, and its shifts "
                 "running into the new week staff their queue.")] = None,
        time_zone: Annotated[str | None, typer.Option(
            help="Zone of the clock times, e.g. Europe/Madrid: a daylight-saving change in "
                 "the horizon is noted with the shifts that run across it and the hours they "
                 "really last.")] = None,
    ) -> None:
        """Roster named agents on shifts (a weekly-pattern model on HiGHS first, CP-SAT when
        it misses the gap); write the roster, coverage and plots.

        The coverage CSV has one row per queue and interval: unique_id, ds, required,
        scheduled and gap = scheduled - required (negative: under-staffed, positive:
        over-staffed).
        """
        import warnings

        import pandas as pd
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from routing_ml.errors import RoutingMLError
        from routing_ml.scheduling import (
            SolverConfig,
            build_roster,
            load_rules_yaml,
            load_shifts_yaml,
        )
        from routing_ml.scheduling.plots import plot_coverage, plot_gantt

        console = Console(stderr=True)
        cov_path = coverage_out or out.with_name(out.stem + "_coverage.csv")
        breaks_path = out.with_name(out.stem + "_breaks.csv")
        gantt_path = None if plot is None else plot.with_name(plot.stem + "_gantt.png")
        outputs = [p for p in (out, cov_path, breaks_path, plot, gantt_path) if p is not None]
        clash = clashing_paths(
            {"--out": out, "--coverage-out": cov_path, "the breaks file": breaks_path,
             "--plot": plot, "the Gantt chart": gantt_path},
            {"--requirements": requirements, "--agents": agents, "--shifts": shifts,
             "--previous-roster": previous_roster},
            fix="give distinct output paths (the breaks file is <out>_breaks.csv, the Gantt "
                "chart <plot>_gantt.png).")
        if clash:
            typer.echo(f"error: {clash}", err=True)
            raise typer.Exit(1)
        for problem in (bad_output(out, "--out"), bad_output(coverage_out, "--coverage-out"),
                        bad_output(plot, "--plot", plot=True)):
            if problem:
                typer.echo(f"error: {problem}", err=True)
                raise typer.Exit(1)
        try:  # before solving: a missing output folder must not cost a solve
            for path in outputs:
                path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            typer.echo(f"error: cannot create the folder of output {exc.filename}: {exc.strerror}. "
                       f"Fix: choose a writable --out/--coverage-out/--plot path.", err=True)
            raise typer.Exit(1) from exc
        try:
            templates = load_shifts_yaml(shifts)
            rules, weights = load_rules_yaml(shifts)
            req = read_table(requirements)
            ag = read_table(agents, dtype={"agent_id": str, "skills": str, "unavailable": str,
                                            "earliest_start": str,
                                            "latest_end": str, "preferred_start": str,
                                            "preferred_days_off": str})
            prev = None if previous_roster is None else read_table(previous_roster, dtype={"agent_id": str})
            extra = {} if deterministic_time is None else {"max_deterministic_time": deterministic_time}
            config = SolverConfig(time_limit_seconds=time_limit, num_workers=workers, random_seed=seed,
                                  relative_gap_limit=gap, extra_parameters=extra)
            with Progress(TextColumn("[bold]solving[/]"), BarColumn(), TimeElapsedColumn(),
                          TextColumn("{task.description}"), console=console, transient=False) as bar:
                task = bar.add_task("building model", total=time_limit)

                def on_progress(point) -> None:  # type: ignore[no-untyped-def]
                    bar.update(task, completed=min(time_limit, point.wall_time_seconds),
                               description=f"best {point.objective:,.1f}  bound {max(point.best_bound, 0.0):,.1f}")

                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    result = build_roster(req, ag, templates, rules, weights=weights,
                                          interval_minutes=interval_minutes, weeks=weeks,
                                          config=config, progress=on_progress,
                                          previous_roster=prev, time_zone=time_zone)
                bar.update(task, completed=time_limit)
        except (RoutingMLError, ValueError) as exc:
            typer.echo(f"error: {as_flags(exc)}", err=True)
            raise typer.Exit(1) from exc

        k = result.kpis
        gap_txt = "n/a" if result.gap is None else f"{100 * result.gap:.2f}%"
        obj_txt = "n/a" if result.objective is None else f"{result.objective:,.2f}"
        bound_txt = "n/a" if result.best_bound is None else f"{result.best_bound:,.2f}"
        typer.echo(f"status: {result.status.value}  objective: {obj_txt}  bound: {bound_txt}  "
                   f"gap: {gap_txt}  time: {result.wall_time_seconds:.1f}s  solver: {result.method}")
        if result.method == "greedy":
            typer.echo(f"note: no solver found a roster within --time-limit {time_limit:g}: this is "
                       f"the greedy roster (breaks at their earliest starts; bound 0, so the gap "
                       f"says nothing). Fix: a larger --time-limit.", err=True)
        elif workers != 1 and result.method != "patterns":
            typer.echo(f"note: CP-SAT ran on {workers or 'all'} workers: another run may give another "
                       f"roster of similar quality; --workers 1 with a fixed --seed makes runs "
                       f"reproducible when they end before the time limit.", err=True)
        elif result.status.has_solution and (result.gap is None or result.gap > gap + 1e-9):
            typer.echo("note: the search stopped before proving --gap: if the time limit stopped it, "
                       "another run may give another roster, even with --workers 1. Fix: "
                       "--deterministic-time with a larger --time-limit, or a larger --gap, for a "
                       "reproducible result.", err=True)
        bound_of = result.solver_parameters.get("bound_of", "")
        if result.method == "weeks" and not bound_of.startswith(("every week", "the whole horizon")):
            typer.echo(f"note: the weeks were rostered one after another; the bound counts {bound_of}, "
                       f"so the gap overstates how far the roster is from the best one.", err=True)
        typer.echo(f"shifts: {k.shifts}  paid hours: {k.paid_hours:,.1f}  required hours: {k.required_hours:,.1f}")
        typer.echo(f"hours under: {k.hours_under:,.2f}  hours over: {k.hours_over:,.2f}  "
                   f"intervals under-staffed: {k.intervals_understaffed}  "
                   f"worst interval: {k.worst_shortfall_pct:.1f}% short  "
                   f"over-assignment: {k.over_assignment_pct:.1f}%  hard-rule violations: {k.hard_rule_violations}")
        for note in result.notes:
            typer.echo(f"note: {as_flags(note)}", err=True)
        for w in caught:  # other warnings, once each, as one line (the notes are above)
            if str(w.message) not in result.notes:
                typer.echo(f"warning: {as_flags(w.message)}", err=True)

        roster = result.roster.copy()
        for col in ("start", "end"):
            roster[col] = pd.to_datetime(roster[col]).dt.strftime("%Y-%m-%d %H:%M")
        roster["date"] = pd.to_datetime(roster["date"]).dt.strftime("%Y-%m-%d")
        brk = result.breaks.copy()
        for col in ("start", "end"):
            brk[col] = pd.to_datetime(brk[col]).dt.strftime("%Y-%m-%d %H:%M")
        brk["date"] = pd.to_datetime(brk["date"]).dt.strftime("%Y-%m-%d")
        if not result.status.has_solution:
            # a partial plan relaxes hard rules: never under the name a publishing step
            # reads (roster.csv), so it cannot be published by mistake
            def partial(path: Path) -> Path:
                return path.with_name(path.stem + "_PARTIAL" + path.suffix)

            out, cov_path, breaks_path = partial(out), partial(cov_path), partial(breaks_path)
            plot = None if plot is None else partial(plot)
            gantt_path = None if gantt_path is None else partial(gantt_path)
        written: list[Path] = []
        try:
            write_table(roster[["agent_id", "date", "start", "end", "breaks", "shift", "unique_id",
                                "paid_hours"]], out, like=requirements)
            written.append(out)
            write_table(result.coverage, cov_path, like=requirements)
            written.append(cov_path)
            write_table(brk[["agent_id", "date", "break", "start", "end", "paid"]], breaks_path,
                        like=requirements)
            written.append(breaks_path)
            if plot is not None and gantt_path is not None:
                written.append(plot_coverage(result.coverage, plot, interval_minutes=interval_minutes))
                written.append(plot_gantt(result.roster, result.breaks, gantt_path))
        except OSError as exc:
            if written:
                typer.echo("wrote " + ", ".join(str(p) for p in written))
            typer.echo(f"error: cannot write {exc.filename or 'an output file'}: {exc.strerror or exc}.",
                       err=True)
            raise typer.Exit(1) from exc
        typer.echo("wrote " + ", ".join(str(p) for p in written))
        import math

        from routing_ml._mlflow_run import log_cli_outputs

        log_cli_outputs(written, {
            "objective": result.objective if result.objective is not None else math.nan,
            "best_bound": result.best_bound if result.best_bound is not None else math.nan,
            "gap": result.gap if result.gap is not None else math.nan,
            "hours_under": k.hours_under, "hours_over": k.hours_over,
            "over_assignment_pct": k.over_assignment_pct, "worst_shortfall_pct": k.worst_shortfall_pct,
            "hard_rule_violations": float(k.hard_rule_violations),
            "wall_time_seconds": result.wall_time_seconds})
        if not result.status.has_solution:
            typer.echo(f"no feasible roster: {result.reason or 'no solution within the time limit'}", err=True)
            typer.echo(f"the files above hold a PARTIAL plan, not a roster to publish: "
                       f"{k.hard_rule_violations} hard-rule violation(s) where rules were "
                       f"relaxed to plan at all.", err=True)
            if len(result.uncovered):
                typer.echo(f"{len(result.uncovered)} under-staffed intervals in the partial plan "
                           f"(see {cov_path}).", err=True)
            raise typer.Exit(2)

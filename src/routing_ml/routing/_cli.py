"""``routing-ml route``: route a CSV of contacts with a saved Router bundle (thin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from routing_ml._cli_hints import bad_output, clashing_paths


def register(app: typer.Typer) -> None:
    """Add the ``route`` command to ``app``."""

    @app.command()
    def route(
        bundle: Annotated[Path, typer.Option(
            help="Directory written by Router.save() (pickles: load only bundles you "
                 "trust).")],
        contacts: Annotated[Path, typer.Option(
            help="CSV with contact_id, channel and optional intent, skill, language, "
                 "priority, customer_id, text, arrival_seconds.")],
        out: Annotated[Path, typer.Option(
            help="Where to write the decisions CSV: contact_id, agent_id, reason, score "
                 "(the policy's value of the pair: expected value for a predictive "
                 "policy, proficiency for skill-based rules), retry_after_seconds.")],
        available: Annotated[str, typer.Option(
            help="Comma-separated ids of the free agents (default: the whole roster).")]
        = "",
        batch: Annotated[bool, typer.Option(
            help="Assign all contacts at once against the same free agents (the "
                 "policy's global assignment); --no-batch decides them one after another "
                 "in file order, each taking its agent. A contact may be held "
                 "back for a better-suited agent about to be free: its row has no "
                 "agent_id and a retry_after_seconds to route it again.")] = True,
        now: Annotated[str, typer.Option(
            help="The time of the decisions, on the clock of arrival_seconds: seconds, or a "
                 "timestamp when the arrivals are timestamps (default: the latest arrival). "
                 "Give the time of the new attempt when routing held contacts again: their "
                 "wait, and so the bullseye step and holdout, count from their arrival.")]
        = "",
    ) -> None:
        """Route contacts to agents with a trained router bundle."""

        import pandas as pd

        from routing_ml._csv import read_table, write_table
        from routing_ml.routing import Router, contact_from_record

        if not bundle.is_dir():
            typer.echo(f"--bundle: directory not found: {bundle}", err=True)
            raise typer.Exit(1)
        if not contacts.is_file():
            typer.echo(f"--contacts: file not found: {contacts}", err=True)
            raise typer.Exit(1)
        if problem := bad_output(out, "--out") or clashing_paths({"--out": out}, {"--contacts": contacts}):
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(1)
        try:
            router = Router.load(bundle)
            df = read_table(contacts)
        except (ValueError, OSError) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        if router.load_error:
            typer.echo(f"warning: the bundle loaded with missing or corrupt models "
                       f"({router.load_error}): decisions fall back to rules, and contacts "
                       f"with text only get no intent. Fix: save the router again.", err=True)
        missing = [c for c in ("contact_id", "channel") if c not in df.columns]
        if missing:
            typer.echo(f"--contacts: missing columns {missing}; got {list(df.columns)}.",
                       err=True)
            raise typer.Exit(1)
        arrival = df.get("arrival_seconds")
        if arrival is not None and not pd.api.types.is_numeric_dtype(arrival):
            # timestamps: seconds since the epoch (one clock for every contact)
            nums = pd.to_numeric(arrival, errors="coerce")
            is_num = nums.notna().to_numpy()
            when = pd.Series(pd.NaT, index=arrival.index, dtype="datetime64[ns]")
            if (~is_num).any():
                from routing_ml.frames import _slash_dates_as_iso

                try:  # day-first dates as every other frame reads them, for the whole column
                    text = _slash_dates_as_iso(arrival[~is_num], "arrival_seconds", frame="--contacts")
                except ValueError as exc:
                    typer.echo(str(exc), err=True)
                    raise typer.Exit(1) from None
                when[~is_num] = pd.to_datetime(text, errors="coerce", utc=True,
                                               format="mixed").dt.tz_localize(None)
            bad = arrival[when.isna() & ~is_num & arrival.notna()]
            if is_num.any() and when.notna().any():
                typer.echo(f"--contacts: arrival_seconds mixes seconds (e.g. "
                           f"{arrival[is_num].iloc[0]!r}) and timestamps (e.g. "
                           f"{arrival[when.notna()].iloc[0]!r}): two clocks. Fix: one of the "
                           f"two for every contact.", err=True)
                raise typer.Exit(1)
            if is_num.all():
                df["arrival_seconds"] = nums
            elif len(bad):
                typer.echo(f"--contacts: arrival_seconds {bad.unique()[:3].tolist()} are "
                           f"neither seconds nor timestamps. Fix: seconds on one clock, or "
                           f"'2024-01-08 09:30:00'.", err=True)
                raise typer.Exit(1)
            else:
                df["arrival_seconds"] = (when - pd.Timestamp(0)).dt.total_seconds()
        rows = []
        for line, r in enumerate(df.to_dict("records"), start=2):
            try:
                rows.append(contact_from_record(r))
            except ValueError as exc:
                typer.echo(f"--contacts: line {line}: {exc}", err=True)
                raise typer.Exit(1) from None
        agents = [a.strip() for a in available.split(",") if a.strip()] or None
        unknown = sorted(set(agents or ()) - set(router.agent_ids))
        if unknown:
            typer.echo(f"--available: agents {unknown[:10]} are not in the bundle's roster "
                       f"({len(router.agent_ids)} agents, e.g. {list(router.agent_ids[:5])})."
                       f" Fix: use the roster's agent ids.", err=True)
            raise typer.Exit(1)
        # both take each agent once per free session: routing the rows one by one
        # against the same free agents would give one agent several calls
        at = None
        if now.strip():
            at = pd.to_numeric(pd.Series([now.strip()]), errors="coerce").iloc[0]
            if pd.isna(at):
                stamp = pd.to_datetime(now.strip(), errors="coerce", utc=True)
                if pd.isna(stamp):
                    typer.echo(f"--now {now!r} is neither seconds nor a timestamp. Fix: e.g. "
                               f"--now 3600 or --now '2024-01-08 09:30:00'.", err=True)
                    raise typer.Exit(1)
                at = (stamp.tz_localize(None) - pd.Timestamp(0)).total_seconds()
            at = float(at)
        decisions = router.route_batch(rows, agents, globally=batch, now=at)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_table(pd.DataFrame({
            "contact_id": [c.contact_id for c in rows],
            "agent_id": [d.agent_id or "" for d in decisions],
            "reason": [d.reason for d in decisions],
            "score": [d.score for d in decisions],
            "retry_after_seconds": [d.retry_after_seconds for d in decisions],
        }), out, like=contacts)
        routed = sum(d.routed for d in decisions)
        typer.echo(f"routed {routed} of {len(rows)} contacts -> {out}")
        waiting = [d for d in decisions if not d.routed]
        if waiting:
            # no_eligible_agent decisions may carry a retry time too (the next bullseye
            # step): they are counted by their reason, not by retry_after_seconds
            none = sum(str(d.reason).startswith("no_eligible_agent") for d in waiting)
            typer.echo(f"{len(waiting)} not routed now: {len(waiting) - none} wait for a "
                       f"better-suited or a free agent, {none} have no eligible agent yet "
                       f"(see reason); route them again after retry_after_seconds, with "
                       f"--now the time of that attempt")

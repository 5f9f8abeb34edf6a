"""Independent checker of a roster against the hard rules.

It reads only the roster frames (timestamps) and the validated inputs, never the solver's
variables, so a modelling bug shows up as a violation.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from routing_ml.frames import ID, as_datetime_column, require_columns
from routing_ml.scheduling._problem import AGENT_ID, RosterProblem

VIOLATION_COLUMNS = (AGENT_ID, "date", "rule", "detail")


def check_roster(roster: pd.DataFrame, breaks: pd.DataFrame, problem: RosterProblem) -> pd.DataFrame:
    """Every hard-rule violation of ``roster`` (empty frame for a valid roster).

    Parameters
    ----------
    roster, breaks : frames of a :class:`~routing_ml.scheduling.RosterResult` (or edited
        copies of them).
    problem : the validated inputs (:func:`~routing_ml.scheduling.prepare_problem`).

    Returns
    -------
    DataFrame with columns ``agent_id``, ``date``, ``rule``, ``detail``. Rules:
    ``one_shift_per_day``, ``unknown_agent``, ``availability``, ``window``, ``skill``,
    ``template``, ``min_hours_per_week``, ``max_hours_per_week``, ``max_days_per_week``,
    ``max_consecutive_days``, ``min_rest_hours``, ``min_consecutive_days_off``, ``breaks``,
    ``hard_coverage``.
    """
    roster = _read_times(roster, (AGENT_ID, "date", "shift", ID, "start", "end"), frame="roster")
    breaks = _read_times(breaks, (AGENT_ID, "date", "start", "end"), frame="breaks")
    p = problem
    r = p.rules
    out: list[dict[str, object]] = []

    def bad(agent: str, date: object, rule: str, detail: str) -> None:
        out.append({AGENT_ID: agent, "date": date, "rule": rule, "detail": detail})

    agents = {a.agent_id: a for a in p.agents}
    shapes = defaultdict(set)  # template name -> {(start_min, length_min)}
    for v in p.variants:
        shapes[v.name].add((v.start_minutes, v.length_minutes))
    templates = {t.name: t for t in p.templates}
    brk_by = defaultdict(list)
    for b in breaks.itertuples(index=False):
        # ids as text, as the roster's below: pd.read_csv gives numeric ids as int
        brk_by[(str(getattr(b, AGENT_ID)), pd.Timestamp(b.date))].append(b)

    worked: dict[str, dict[int, tuple[pd.Timestamp, pd.Timestamp, float]]] = defaultdict(dict)
    for row in roster.itertuples(index=False):
        aid = str(getattr(row, AGENT_ID))
        date = pd.Timestamp(row.date)
        d = int((date - p.start).days)
        agent = agents.get(aid)
        if agent is None:
            bad(aid, date, "unknown_agent", "agent not in the agents frame")
            continue
        if d in worked[aid]:
            bad(aid, date, "one_shift_per_day", "more than one shift starts this day")
        start_min = int((row.start - date).total_seconds() // 60)
        length = int((row.end - row.start).total_seconds() // 60)
        if d in agent.unavailable_days or not 0 <= d < p.n_days:
            bad(aid, date, "availability", f"works on an unavailable day ({agent.unavailable_text})")
        if start_min < agent.earliest_start_minutes or start_min + length > agent.latest_end_minutes:
            bad(aid, date, "window", f"shift {row.start:%H:%M}-{row.end:%H:%M} outside its availability window")
        skill = getattr(row, ID)
        t = templates.get(row.shift)
        if skill not in p.skills:
            bad(aid, date, "skill", f"serves '{skill}', a queue the requirements do not list {list(p.skills)}")
        elif skill not in agent.skills:
            bad(aid, date, "skill", f"serves '{skill}' without that skill {list(agent.skills)}")
        if t is None or (start_min, length) not in shapes[row.shift] or date.weekday() not in t.weekdays \
                or (t.queues is not None and skill not in t.queues):
            bad(aid, date, "template", f"{row.shift} {row.start:%H:%M}+{length}min is not an allowed shift here")
            paid = length
        else:
            unpaid = sum(b.duration_minutes for b in t.breaks if not b.paid)
            paid = length - unpaid
            got = sorted(brk_by.get((aid, date), []), key=lambda b: b.start)
            want = sorted(t.breaks, key=lambda b: b.earliest_offset_minutes)
            if len(got) != len(want):
                bad(aid, date, "breaks", f"{len(got)} break(s) placed, template has {len(want)}")
            for g, w in zip(got, want, strict=False):
                off = int((g.start - row.start).total_seconds() // 60)
                dur = int((g.end - g.start).total_seconds() // 60)
                if dur != w.duration_minutes or not w.earliest_offset_minutes <= off <= w.latest_offset_minutes:
                    bad(aid, date, "breaks", f"break '{g[2]}' at +{off}min for {dur}min outside window "
                        f"+{w.earliest_offset_minutes}..+{w.latest_offset_minutes}min ({w.duration_minutes}min)")
        worked[aid][d] = (row.start, row.end, paid / 60.0)

    shift_days = {(str(getattr(row, AGENT_ID)), pd.Timestamp(row.date)) for row in roster.itertuples(index=False)}
    for (aid, date), got in brk_by.items():
        if (str(aid), date) not in shift_days:
            bad(str(aid), date, "breaks", f"{len(got)} break(s) without a shift that day")
    rest = pd.Timedelta(hours=r.min_rest_hours)
    L = r.min_consecutive_days_off
    for agent in p.agents:  # every agent, also those the roster gives no shift
        aid = agent.agent_id
        days = worked.get(aid, {})
        for wk in range(p.n_weeks):
            wdays = [d for d in range(7 * wk, 7 * wk + 7) if d in days]
            hours = sum(days[d][2] for d in wdays)
            date = p.date(7 * wk)
            if hours < agent.min_minutes(wk) / 60 - 1e-9:
                bad(aid, date, "min_hours_per_week", f"week {wk + 1}: {hours:g} h < {agent.min_minutes(wk) / 60:g} h")
            if hours > agent.max_minutes_per_week / 60 + 1e-9:
                bad(aid, date, "max_hours_per_week", f"week {wk + 1}: {hours:g} h > {agent.max_minutes_per_week / 60:g} h")
            if len(wdays) > r.max_days_per_week:
                bad(aid, date, "max_days_per_week", f"week {wk + 1}: {len(wdays)} days > {r.max_days_per_week}")
            if L >= 2 and not any(all(d not in days for d in range(j, j + L))
                                  for j in range(7 * wk, 7 * wk + 8 - L)):
                bad(aid, date, "min_consecutive_days_off", f"week {wk + 1}: no block of {L} consecutive days off")
        run, flagged = agent.previous_streak, False  # days in a row from the previous roster
        for d in range(p.n_days):
            run, flagged = (run + 1, flagged) if d in days else (0, False)
            if run > r.max_consecutive_days and not flagged:  # once per run
                flagged = True
                carried = f" ({agent.previous_streak} of them in the previous roster)" if run > d + 1 else ""
                bad(aid, p.date(d), "max_consecutive_days",
                    f"{run} consecutive working days > {r.max_consecutive_days}{carried}")
        ordered = sorted(days.values())
        if agent.previous_end_minutes is not None:  # the last shift of the previous roster
            last_end = p.start + pd.Timedelta(minutes=agent.previous_end_minutes)
            ordered = [(last_end, last_end, 0.0), *ordered]
        for (_s1, e1, _), (s2, _e2, _) in zip(ordered, ordered[1:], strict=False):
            if s2 - e1 < rest:
                bad(aid, s2.normalize(), "min_rest_hours",
                    f"rest {(s2 - e1).total_seconds() / 3600:g} h between {e1} and {s2} < {r.min_rest_hours:g} h")
    if r.hard_coverage:  # an empty roster too: nobody staffs what is required
        from routing_ml.scheduling.roster import coverage_from_roster

        cov = coverage_from_roster(roster, breaks, p)
        for row in cov[cov["gap"] < 0].itertuples(index=False):
            bad("", row.ds.normalize(), "hard_coverage", f"{getattr(row, ID)} at {row.ds}: {row.scheduled} < {row.required}")
    return pd.DataFrame(out, columns=list(VIOLATION_COLUMNS))


def _read_times(df: pd.DataFrame, columns: tuple[str, ...], *, frame: str) -> pd.DataFrame:
    """``df`` with its ``date``, ``start`` and ``end`` as timestamps (a roster read back
    from the CSV the scheduler wrote holds them as text); FrameError naming a missing
    column or an unreadable timestamp."""
    require_columns(df, columns, frame=f"check_roster: {frame}",
                    hint="Pass the frames of a RosterResult, or the CSVs the schedule CLI "
                         "wrote (pd.read_csv of the roster and of its _breaks file; "
                         "sep=';', decimal=',' when they were written after a ';' input).")
    if df.empty:
        return df
    return df.assign(**{c: as_datetime_column(df, c, frame=f"check_roster: {frame}")
                        for c in ("date", "start", "end")})

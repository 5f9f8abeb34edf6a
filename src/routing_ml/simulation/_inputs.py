"""Inputs of the simulator: arrivals, agents and shifts, validated once at the door.

Three ways to get arrivals (all end as one *contacts frame*, one row per first contact):

- a contact log with timestamps (``ts``) — the synthetic center's ``contacts`` (first
  contacts) or a real log replayed (:func:`contacts_from_bank_log`);
- a forecast / volumes frame (``unique_id``, ``ds``, ``yhat`` or ``y``): arrivals are drawn
  per replication as a Poisson process whose rate is constant within each interval
  (:func:`arrivals_from_forecast`);
- both carry optional per-contact columns the engine uses when present:
  ``patience_seconds``, ``deadline_seconds``, ``handle_seconds``, ``resolved``,
  ``agent_id`` (who served it in the log).

Bad input has defined behaviour (documented in :func:`routing_ml.simulation.simulate`):
records are either rejected with a :class:`~routing_ml.errors.FrameError`, or dropped and
counted in ``SimulationResult.dropped`` (and logged as a warning) — never dropped silently.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError
from routing_ml.frames import (
    AGENTS,
    CHANNELS,
    FORECAST,
    ID,
    TARGET,
    TIME,
    _slash_dates_as_iso,
    as_datetime_column,
    check_unique_keys,
    require_columns,
    split_queue,
    to_datetime_coerced,
    validate_requirements,
)
from routing_ml.routing.base import DEFERRABLE_CHANNELS as _DEFERRABLE
from routing_ml.routing.base import code_text, label_text

logger = logging.getLogger(__name__)

REALTIME_CHANNELS = ("voice", "chat", "messaging")
DEFERRABLE_CHANNELS = _DEFERRABLE  # one list for the router and the simulator


# --------------------------------------------------------------------------- helpers
def arrivals_from_forecast(
    forecast: pd.DataFrame,
    *,
    interval_minutes: int | None = None,
    volume_col: str | None = None,
    scale: float = 1.0,
    seed: int | np.random.Generator = 0,
    value_col: str | None = None,
) -> pd.DataFrame:
    """Draw one realisation of arrivals from a forecast or volumes frame.

    Within each interval the arrival rate is constant (``value / interval``), so the
    count is Poisson(``value × scale``) and the times are uniform in the interval — the
    exact non-homogeneous Poisson process for a piecewise-constant rate.

    Parameters
    ----------
    forecast : frame with ``unique_id`` (queue ``"channel:skill"``; a bare channel name is
        that channel, any other bare name a voice skill), ``ds`` (interval start) and
        ``yhat`` (or ``y``): expected contacts.
    interval_minutes : interval length of the forecast; read from ``ds`` (each queue's
        smallest step, the same for every queue: a ``FrameError`` names two queues that
        differ) when None; a value that differs from that step is a ``FrameError``. A
        frame with one timestamp per queue has no step to read: ``interval_minutes``,
        else 30 with a warning.
    volume_col : column of expected counts (default ``yhat`` if present, else ``y``); the
        same name as in :func:`~routing_ml.queueing.staffing_requirements` (``routing-ml
        staff --volume-col``).
    scale : multiply every expected count (load scenarios).
    seed : seed or Generator.
    value_col : former name of ``volume_col`` (deprecated, warns).

    Returns
    -------
    Contacts frame sorted by ``ts``: ``contact_id`` (int64), ``ts``, ``queue``, ``channel``,
    ``skill``, ``priority`` (0).

    Raises
    ------
    FrameError
        Missing columns, bad timestamps, negative or NaN expected counts, an
        ``interval_minutes`` that contradicts the step of ``ds``.
    """
    if value_col is not None:
        if volume_col is not None and volume_col != value_col:
            raise ValueError(f"arrivals_from_forecast got volume_col={volume_col!r} and its former "
                             f"name value_col={value_col!r}. Fix: pass volume_col only.")
        warnings.warn("arrivals_from_forecast(value_col=...) is renamed volume_col=... (as in "
                      "staffing_requirements); value_col will be removed.", FutureWarning, stacklevel=2)
        volume_col = value_col
    if not isinstance(seed, np.random.Generator):
        check_seed(seed)
    value_col = _value_column(forecast, volume_col)
    step = interval_seconds(forecast, interval_minutes, name="forecast frame")
    return draw_arrivals(forecast, step_seconds=step, value_col=value_col, scale=scale,
                         seed=seed)


def check_seed(seed: Any) -> None:
    """A draw is reproducible only from an integer seed: None, a bool or a negative number
    is refused with a ValueError."""
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool | np.bool_) or seed < 0:
        raise ValueError(f"seed must be a non-negative int (every draw derives from it: same "
                         f"seed, same result), got {seed!r}.")


def _value_column(forecast: pd.DataFrame, value_col: str | None) -> str:
    """The forecast's column of expected counts (``yhat`` if present, else ``y``, unless
    given), after checking the frame has it and ``unique_id``, ``ds``."""
    if value_col is None:
        value_col = FORECAST if isinstance(forecast, pd.DataFrame) and FORECAST in forecast \
            else TARGET
    require_columns(
        forecast, (ID, TIME, value_col), frame="forecast frame",
        hint=f"Pass a forecast (unique_id, ds, {FORECAST}) or volumes (unique_id, ds, y).",
    )
    return value_col


def draw_arrivals(forecast: pd.DataFrame, *, step_seconds: float, value_col: str | None,
                  scale: float, seed: int | np.random.Generator) -> pd.DataFrame:
    """:func:`arrivals_from_forecast` with the forecast's interval already known, in
    seconds (internal: ``simulate`` reads it once, not per replication)."""
    value_col = _value_column(forecast, value_col)
    f = forecast[[ID, TIME, value_col]].copy()
    f[TIME] = as_datetime_column(f, TIME, frame="forecast frame")
    # one row per queue and interval (a repeated row would double its traffic), drawn in
    # (queue, interval) order: the same seed gives the same arrivals whatever the row order
    check_unique_keys(
        f, (ID, TIME), frame="forecast frame",
        fix=f"Each row would be drawn as traffic of its own. Fix: keep one row per queue and "
            f"interval, e.g. forecast.drop_duplicates([{ID!r}, {TIME!r}]) for a copy appended "
            f"twice (summing them would double the traffic).")
    no_id = f[ID].isna().to_numpy()
    if no_id.any():
        raise FrameError(
            f"forecast frame: column '{ID}' has {int(no_id.sum())} missing queue names, e.g.\n"
            f"{f.loc[no_id].head().to_string()}\nEach would be simulated as a queue named "
            f"'nan' or 'None'. Fix: fill in the queue, or drop those rows.")
    f[ID] = f[ID].astype(str)
    f = f.sort_values([ID, TIME], kind="stable")
    vals = pd.to_numeric(f[value_col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0)
    if bad.any():
        raise FrameError(
            f"forecast frame: column '{value_col}' has {int(bad.sum())} NaN, infinite or "
            f"negative expected counts, e.g.\n{f.loc[bad].head().to_string()}\n"
            f"Fix: clip forecasts at 0 and drop intervals with unknown counts."
        )
    step = float(step_seconds)
    rng = np.random.default_rng(seed)
    counts = rng.poisson(vals * scale)
    n = int(counts.sum())
    starts = np.repeat(f[TIME].to_numpy().astype("datetime64[ns]"), counts)
    offsets = (rng.random(n) * step * 1e9).astype("timedelta64[ns]")
    queues = np.repeat(f[ID].astype(str).to_numpy(), counts)
    out = pd.DataFrame({"ts": starts + offsets, "queue": queues})
    out = out.sort_values("ts", kind="stable").reset_index(drop=True)
    split = [split_queue(q) for q in out["queue"].unique()]
    chan = dict(zip(out["queue"].unique(), [c for c, _ in split], strict=True))
    skill = dict(zip(out["queue"].unique(), [s for _, s in split], strict=True))
    out["channel"] = out["queue"].map(chan)
    out["skill"] = out["queue"].map(skill)
    out.insert(0, "contact_id", np.arange(n, dtype=np.int64))
    out["priority"] = np.zeros(n, dtype=np.int8)
    return out


def infer_step_seconds(frame: pd.DataFrame, *, name: str) -> float | None:
    """The interval of a frame with ``unique_id`` and ``ds``, in seconds: each queue's
    smallest positive step of ``ds``, which must be the same for every queue (a 30-minute
    queue and an hourly one in one frame is an error: either grid would put the other
    queue's contacts or agents in the wrong place). None when no queue has two timestamps."""
    ds = as_datetime_column(frame, TIME, frame=name)
    d = pd.DataFrame({ID: frame[ID].astype(str).to_numpy(), TIME: ds.to_numpy()})
    d = d.sort_values([ID, TIME], kind="stable")
    d["step"] = d.groupby(ID)[TIME].diff().dt.total_seconds()
    per_queue = d.loc[d["step"] > 0].groupby(ID)["step"].min().round()
    if per_queue.empty:
        return None
    if per_queue.nunique() > 1:
        fine, coarse = per_queue.idxmin(), per_queue.idxmax()
        raise FrameError(
            f"{name}: queues have different interval lengths: '{fine}' every "
            f"{per_queue[fine] / 60:g} min, '{coarse}' every {per_queue[coarse] / 60:g} min. "
            f"Fix: resample every queue to one grid.")
    return float(per_queue.iloc[0])


def interval_seconds(f: pd.DataFrame, interval_minutes: int | None, *, name: str,
                      fallback_minutes: int | None = None) -> float:
    """The interval of frame ``f`` (``unique_id``, ``ds``) in seconds: read from ``ds``
    (see :func:`infer_step_seconds`). A given ``interval_minutes`` must equal that step
    (else ``FrameError``). A frame with one timestamp per queue has no step to read:
    ``interval_minutes``, else ``fallback_minutes``, else 30 with a warning."""
    if interval_minutes is not None and not interval_minutes > 0:
        raise ValueError(f"interval_minutes must be > 0, got {interval_minutes!r}.")
    step = infer_step_seconds(f, name=name)
    if interval_minutes is not None:
        given = float(interval_minutes) * 60.0
        if step is not None and abs(step - given) > 0.5:
            raise FrameError(
                f"{name}: interval_minutes={interval_minutes} but its rows are "
                f"{step / 60:g} minutes apart (each queue's smallest step of '{TIME}'). "
                f"Fix: pass interval_minutes={step / 60:g} or None (read from the frame), "
                f"or resample the frame to a {interval_minutes}-minute grid.")
        return given
    if step is not None:
        return step
    if fallback_minutes is not None:
        return float(fallback_minutes) * 60.0
    warnings.warn(
        f"{name}: cannot read the interval length from one timestamp per queue; using "
        f"30 minutes. Pass interval_minutes= to choose.", UserWarning, stacklevel=3,
    )
    return 1800.0


def shifts_from_requirements(
    requirements: pd.DataFrame, *, interval_minutes: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn a requirements frame (agents per queue and interval) into agents and shifts.

    Agent ``k`` of queue ``q`` (``"q#k"``) is logged in during every interval where
    ``agents >= k + 1``; contiguous intervals merge into one shift. Each agent serves
    only its queue.

    Parameters
    ----------
    requirements : ``unique_id``, ``ds`` (interval start), ``agents``.
    interval_minutes : length of the requirements' intervals; read from ``ds`` (each
        queue's smallest step) when None. A value that differs from that step is a
        ``FrameError``; a frame with one timestamp per queue: ``interval_minutes``, else
        30 with a warning.

    Returns
    -------
    (agents, shifts): agents frame (``agent_id``, ``skills``, ``channels``,
    ``max_concurrency`` = 1 (3 for chat/messaging)) and shifts (``agent_id``, ``start``,
    ``end``).
    """
    req = validate_requirements(requirements, integer=False)
    return requirements_shifts(
        req, step_seconds=interval_seconds(req, interval_minutes, name="requirements"))


def requirements_shifts(req: pd.DataFrame, *, step_seconds: float
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`shifts_from_requirements` of a validated frame whose interval is known
    (internal)."""
    req = req.copy()
    req[AGENTS] = np.ceil(req[AGENTS] - 1e-9)
    step = pd.Timedelta(seconds=step_seconds)
    agents, shifts = [], []
    for q, g in req.groupby(ID, sort=True):
        ch, sk = split_queue(str(q))
        ds = g[TIME].to_numpy()
        need = g[AGENTS].to_numpy().astype(int)
        for k in range(int(need.max()) if len(need) else 0):
            aid = f"{q}#{k}"
            agents.append({"agent_id": aid, "skills": {sk or "general": 3},
                           "channels": (ch,),
                           "max_concurrency": 3 if ch in ("chat", "messaging") else 1})
            on = need > k
            start = None
            for i, flag in enumerate(on):
                t = pd.Timestamp(ds[i])
                if flag and start is None:
                    start = t
                contiguous = i + 1 < len(on) and pd.Timestamp(ds[i + 1]) == t + step
                if start is not None and (not contiguous or not on[i + 1]):
                    shifts.append({"agent_id": aid, "start": start, "end": t + step})
                    start = None
    return pd.DataFrame(agents), pd.DataFrame(shifts, columns=["agent_id", "start", "end"])


def shifts_from_roster(roster: pd.DataFrame, breaks: pd.DataFrame | None = None
                       ) -> pd.DataFrame:
    """Logged-in periods of a roster (the scheduling room's result) with breaks cut out.

    Parameters
    ----------
    roster : one row per shift: ``agent_id``, ``start``, ``end`` (timestamps); other
        columns (e.g. ``unique_id``, the queue / skill of the shift) are kept.
    breaks : optional, one row per break: ``agent_id``, ``start``, ``end``; the agent is
        logged out during its breaks (it finishes the contact in hand first).

    Returns
    -------
    Shifts frame ``agent_id``, ``start``, ``end`` (+ the roster's other columns), one row
    per logged-in period.

    Raises
    ------
    FrameError
        Missing columns, unparsable timestamps, breaks that end at or before they start.
    """
    require_columns(roster, ("agent_id", "start", "end"), frame="roster")
    r = roster.copy()
    r["start"] = as_datetime_column(r, "start", frame="roster")
    r["end"] = as_datetime_column(r, "end", frame="roster")
    if breaks is None or len(breaks) == 0:
        return r.reset_index(drop=True)
    require_columns(breaks, ("agent_id", "start", "end"), frame="breaks")
    b = breaks.copy()
    b["start"] = as_datetime_column(b, "start", frame="breaks")
    b["end"] = as_datetime_column(b, "end", frame="breaks")
    inverted = (b["end"] <= b["start"]).to_numpy()
    if inverted.any():
        raise FrameError(
            f"breaks: {int(inverted.sum())} breaks end at or before they start:\n"
            f"{b.loc[inverted, ['agent_id', 'start', 'end']].head().to_string()}\n"
            f"Fix: swap start and end, or give a break across midnight the next day's date "
            f"as its end.")
    # ids as text on both sides: 101 in one file and "101" in the other are one agent
    b_ids = [label_text(v) for v in b["agent_id"]]
    r_ids = [label_text(v) for v in r["agent_id"]]
    unknown = sorted({str(a) for a in b_ids} - {str(a) for a in r_ids})
    if unknown:
        raise FrameError(
            f"breaks: agents {unknown[:5]} have no shift in the roster (roster agents "
            f"{sorted({str(a) for a in r_ids})[:5]} ...). Fix: give the breaks the roster's "
            f"agent ids, or drop those rows.")
    b["_key"] = b_ids
    by_agent = {a: g.sort_values("start") for a, g in b.groupby("_key")}
    spans: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for a, st, en in zip(r_ids, r["start"], r["end"], strict=True):
        spans.setdefault(str(a), []).append((st, en))
    outside = sum(not any(bs < e and be > s0 for s0, e in spans[str(a)])
                  for a, bs, be in zip(b_ids, b["start"], b["end"], strict=True))
    if outside:
        warnings.warn(
            f"breaks: {outside} of {len(b)} breaks fall in no shift of their agent (another "
            f"date?); they change nothing. Fix: check the breaks' dates against the "
            f"roster's.", UserWarning, stacklevel=3)
    rows = []
    for row, key in zip(r.to_dict("records"), r_ids, strict=True):
        pieces = [(row["start"], row["end"])]
        g = by_agent.get(key)
        if g is not None:
            for bs, be in zip(g["start"], g["end"], strict=True):
                nxt = []
                for s0, e0 in pieces:
                    if be <= s0 or bs >= e0:
                        nxt.append((s0, e0))
                        continue
                    if bs > s0:
                        nxt.append((s0, bs))
                    if be < e0:
                        nxt.append((be, e0))
                pieces = nxt
        for s0, e0 in pieces:
            rows.append({**row, "start": s0, "end": e0})
    return pd.DataFrame(rows, columns=list(r.columns))


def normalize_agents(agents: pd.DataFrame) -> pd.DataFrame | list[dict[str, Any]]:
    """Accept the scheduling room's agents file too: a ``skills`` text such as
    ``"voice;chat"`` lists queues (see :func:`split_queue`) — each becomes a skill at
    proficiency 3 (``general`` for a bare channel) and its channel is added to the
    agent's channels (when the frame has no ``channels`` value); a text such as
    ``"{'tributos': 4}"`` (a mapping written to CSV) is read back as the mapping. Returns
    the frame unchanged when no skills value is text, else records."""
    import ast

    if "skills" not in agents.columns or not agents["skills"].map(lambda v: isinstance(v, str)).any():
        return agents
    rows = agents.to_dict("records")
    for r in rows:
        v = r["skills"]
        if not isinstance(v, str):
            continue
        text = v.strip()
        if text.startswith("{"):
            try:
                r["skills"] = dict(ast.literal_eval(text))
            except (ValueError, SyntaxError, TypeError):
                raise FrameError(f"agents: agent {r.get('agent_id')!r} has skills {v!r}, neither a "
                                 f"mapping skill -> proficiency 0-5 nor a ';'-separated list of "
                                 f"queues.") from None
            continue
        skills, chans, conc = _agent_from_queues(x.strip() for x in text.replace(",", ";").split(";"))
        r["skills"] = skills
        if _is_missing(r.get("channels")) or r.get("channels") == "":
            r["channels"] = chans  # the channels of its queues (an empty cell: not given)
            if _is_missing(r.get("max_concurrency")):
                r["max_concurrency"] = conc
    return rows


def _agent_from_queues(queues: Iterable[str]) -> tuple[dict[str, int], tuple[str, ...], int]:
    """(skills at proficiency 3, channels, max_concurrency) of an agent who takes these
    queues (``"chat"``, ``"voice:tributos"``; see :func:`split_queue`)."""
    skills: dict[str, int] = {}
    chans: set[str] = set()
    for q in queues:
        if q:
            ch, sk = split_queue(q)
            skills[sk or "general"] = 3
            chans.add(ch)
    return skills, tuple(sorted(chans)), 3 if chans & {"chat", "messaging"} else 1


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def agents_from_schedule(schedule: pd.DataFrame, queues: Sequence[str]) -> pd.DataFrame:
    """Agents frame for a schedule that carries no skills: every agent takes every queue.

    If the schedule has a ``queue`` (or ``unique_id``) column, each agent takes only the
    queues listed on its rows.
    """
    qcol = "queue" if "queue" in schedule else (ID if ID in schedule else None)
    rows = []
    for aid, g in schedule.groupby("agent_id", sort=True):
        mine = sorted(set(g[qcol].astype(str))) if qcol else list(queues)
        skills, chans, conc = _agent_from_queues(mine)
        rows.append({"agent_id": str(aid), "skills": skills, "channels": chans,
                     "max_concurrency": conc})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- bank log
def contacts_from_bank_log(
    calls: pd.DataFrame,
    *,
    day: str | pd.Timestamp | None = None,
    seed: int = 0,
    presence_gap_minutes: float = 30.0,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Turn the 1999 bank log into a contacts frame and a frame of agent shifts to replay.

    A call enters the agent queue when it leaves the VRU (``vru_exit``); its handle time
    is ``ser_time`` and it was served by ``agent_id``. Patience: an abandoned call's
    patience is its observed wait (``q_time``); a served call's patience is only known to
    exceed its wait, so it is drawn from the Kaplan–Meier patience distribution of the
    whole log conditioned on exceeding that wait (seeded). An agent is on shift from the
    first to the last second it served a call that day; a gap of more than
    ``presence_gap_minutes`` without serving splits the shift (a break).

    Records dropped (counted in the returned ``dropped`` dict, never silently): PHANTOM
    calls, calls without a queue-entry time, negative or missing times (``q_time`` < 0,
    served calls with missing or negative ``ser_time``), calls marked served with no agent
    (``NO_SERVER``), other outcomes. Priority: log priority 2 (priority customers) → 1,
    0/1 (regular) → 0; higher priority is served first.

    Returns
    -------
    (contacts, shifts, dropped): contacts with ``contact_id`` (0, 1, ... in arrival order),
    ``call_id`` (the log's, unique per VRU line only), ``ts``, ``channel``
    ("voice"), ``skill`` (call type), ``queue``, ``priority``, ``customer_id``,
    ``patience_seconds``, ``handle_seconds``, ``agent_id`` (who served, NaN if
    abandoned), ``observed_wait_seconds``, ``observed_abandoned``; shifts ``agent_id``,
    ``start``, ``end``.
    """
    require_columns(calls, ("call_id", "type", "vru_exit", "q_time", "ser_time", "outcome",
                            "agent_id", "ser_start", "ser_exit", "priority", "customer_id")
                    + (("date",) if day is not None else ()),
                    frame="bank log", hint="Load it with routing_ml.datasets.load_anonymous_bank().")
    c = calls
    if day is not None:
        d = pd.Timestamp(day).normalize()
        c = c.loc[c["date"] == d]
        if c.empty:
            raise ValueError(f"day={day!r}: no call in the log on that date.")
    dropped: dict[str, int] = {}
    phantom = c["outcome"].astype(str).eq("PHANTOM")
    dropped["phantom"] = int(phantom.sum())
    c = c.loc[~phantom]
    no_entry = c["vru_exit"].isna()
    dropped["missing_queue_entry_time"] = int(no_entry.sum())
    c = c.loc[~no_entry]
    served = c["outcome"].astype(str).eq("AGENT")
    qt = c["q_time"]
    bad_wait = qt.isna() | (qt < 0)
    dropped["negative_or_missing_wait"] = int(bad_wait.sum())
    no_agent = served & c["agent_id"].isna() & ~bad_wait
    dropped["served_without_agent"] = int(no_agent.sum())
    bad_ser = served & (c["ser_time"].isna() | (c["ser_time"] < 0)) & ~bad_wait & ~no_agent
    dropped["negative_or_missing_handle_time"] = int(bad_ser.sum())
    bad_ser = bad_ser | no_agent
    c = c.loc[~bad_wait & ~bad_ser].copy()
    served = c["outcome"].astype(str).eq("AGENT")
    abandoned = c["outcome"].astype(str).eq("HANG")
    other = ~served & ~abandoned
    dropped["other_outcome"] = int(other.sum())
    c, served, abandoned = c.loc[~other], served[~other], abandoned[~other]
    # Kaplan-Meier patience from all usable calls of the log (abandon = event)
    base = calls.loc[~calls["outcome"].astype(str).eq("PHANTOM") & (calls["q_time"] >= 0)]
    times, surv = _kaplan_meier(base["q_time"].to_numpy(float),
                                base["outcome"].astype(str).eq("HANG").to_numpy())
    rng = np.random.default_rng(seed)
    wait = c["q_time"].to_numpy(float)
    pat = wait.copy()
    s_idx = np.flatnonzero(served.to_numpy())
    pat[s_idx] = _conditional_draw(times, surv, wait[s_idx], rng.random(len(s_idx)))
    pat[abandoned.to_numpy()] = np.maximum(wait[abandoned.to_numpy()], 0.0)
    ids = c["agent_id"].where(served)
    out = pd.DataFrame({
        "contact_id": c["call_id"].astype("int64").to_numpy(),
        "ts": c["vru_exit"].to_numpy(),
        "channel": "voice",
        "skill": c["type"].astype(str).to_numpy(),
        # 2 = priority customers (1.5 min of queue credit in the bank): served first here
        "priority": (c["priority"].astype(int) == 2).astype("int8").to_numpy(),
        "customer_id": c["customer_id"].astype("Int64").to_numpy(),
        "patience_seconds": pat,
        "handle_seconds": c["ser_time"].where(served).to_numpy(float),
        "agent_id": ids.to_numpy(dtype=object),
        "observed_wait_seconds": wait,
        "observed_abandoned": abandoned.to_numpy(),
    })
    out["queue"] = "voice:" + out["skill"]
    out = out.sort_values("ts", kind="stable").reset_index(drop=True)
    # the log numbers calls per VRU line: a day can have the same call_id twice
    out.insert(1, "call_id", out["contact_id"])
    out["contact_id"] = np.arange(len(out), dtype=np.int64)
    sv = c.loc[served, ["agent_id", "ser_start", "ser_exit"]].dropna()
    if not presence_gap_minutes > 0:
        raise ValueError(f"presence_gap_minutes must be > 0, got {presence_gap_minutes!r}.")
    shifts = _presence_shifts(sv, gap=pd.Timedelta(minutes=presence_gap_minutes))
    return out, shifts, dropped


def _kaplan_meier(t: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survival S(t) just after each distinct event time (patience, right-censored)."""
    order = np.argsort(t, kind="stable")
    t, event = t[order], event[order]
    uniq, first = np.unique(t, return_index=True)
    n = len(t)
    at_risk = n - first
    d = np.add.reduceat(event.astype(float), first)
    s = np.cumprod(1.0 - d / at_risk)
    keep = d > 0
    return uniq[keep], s[keep]


def _conditional_draw(times: np.ndarray, surv: np.ndarray, lower: np.ndarray,
                      u: np.ndarray) -> np.ndarray:
    """Draw T > lower from the KM distribution via inverse CDF; +inf beyond its support."""
    # S is a step function, S(lower) = P(T > lower): the survival just after the last event
    # time <= lower (1 before the first); interpolating between steps biased the draw
    i = np.searchsorted(times, lower, side="right") - 1
    s_lower = np.where(i >= 0, surv[np.maximum(i, 0)], 1.0) if len(surv) else np.ones(len(lower))
    target = s_lower * (1.0 - u)  # S(T) = target, T > lower
    # S is decreasing: find the first event time whose survival <= target
    idx = np.searchsorted(-surv, -target, side="left")
    out = np.full(len(lower), np.inf)
    ok = idx < len(times)
    out[ok] = np.maximum(times[idx[ok]], lower[ok])
    return out


def _presence_shifts(served: pd.DataFrame, gap: pd.Timedelta) -> pd.DataFrame:
    rows = []
    for aid, g in served.sort_values("ser_start").groupby("agent_id", sort=True):
        start, end = None, None
        for s, e in zip(g["ser_start"], g["ser_exit"], strict=True):
            if start is None:
                start, end = s, e
            elif s - end > gap:
                rows.append((aid, start, end))
                start, end = s, e
            else:
                end = max(end, e)
        if start is not None:
            rows.append((aid, start, end))
    out = pd.DataFrame(rows, columns=["agent_id", "start", "end"])
    # a single instantaneous service still means the agent was there for a moment
    out["end"] = np.maximum(out["end"], out["start"] + pd.Timedelta(seconds=1))
    return out


# --------------------------------------------------------------------------- prepared
@dataclass
class Prepared:
    """Validated, array-form inputs of one run (internal)."""

    origin: pd.Timestamp
    t: np.ndarray                 # arrival seconds from origin, sorted
    contact_id: np.ndarray
    channel: np.ndarray           # index into pool.channel_names
    queue: np.ndarray             # index into queue_names
    queue_names: tuple[str, ...]
    queue_channel: np.ndarray     # channel idx per queue
    queue_skill: np.ndarray       # skill idx per queue (-1 none)
    skill: list                   # str | None per contact (for Contact)
    intent: list
    language: list
    text: list
    priority: np.ndarray
    customer: list
    patience: np.ndarray          # seconds, inf = never abandons
    deadline: np.ndarray          # seconds, nan = none
    handle_obs: np.ndarray        # seconds, nan = not logged
    resolved_obs: np.ndarray      # float 1/0, nan = not logged
    orig_agent: np.ndarray        # pool idx of the logged agent, -1 none
    is_repeat: np.ndarray
    shift_agent: np.ndarray       # pool idx per shift
    shift_start: np.ndarray       # seconds
    shift_end: np.ndarray
    dropped: dict
    issues: dict
    rows: np.ndarray              # row of the input frame of each contact
    draw_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: per queue: (starts, ends) seconds of its opening hours (the union of the shifts of
    #: agents who serve it), None when always open (deferrable, no schedule, nobody on it)
    queue_open: list[tuple[np.ndarray, np.ndarray] | None] = field(default_factory=list)
    # ^ index of each contact's random draws: its rank in (time, contact_id) order
    # contacts without a usable logged handle time, by cause (abandoned_in_log, missing,
    # not_a_number, negative): an outcome model that replays logged times imputes them
    handle_unusable: dict = field(default_factory=dict)


def _shift_frame(shifts: pd.DataFrame) -> pd.DataFrame:
    require_columns(shifts, ("agent_id", "start", "end"), frame="schedule",
                    hint="A schedule has one row per shift: agent_id, start, end.")
    s = shifts[["agent_id", "start", "end"]].copy()
    s["start"] = as_datetime_column(s, "start", frame="schedule")
    s["end"] = as_datetime_column(s, "end", frame="schedule")
    s["agent_id"] = s["agent_id"].astype(str)
    bad = s["end"] <= s["start"]
    if bad.any():
        raise FrameError(
            f"schedule: {int(bad.sum())} shifts end at or before they start:\n"
            f"{s.loc[bad].head().to_string()}\nFix: correct or remove them."
        )
    return s


def _numbers(df: pd.DataFrame, column: str) -> pd.Series:
    """``df[column]`` as floats, NaN where empty; text that is not a number is a FrameError
    (it would silently become "unknown")."""
    if pd.api.types.is_numeric_dtype(df[column]):
        return df[column]
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & df[column].notna()
    if bad.any():  # (text only where numbers failed: the check costs nothing on numbers)
        bad &= df[column].astype(str).str.strip() != ""
    if bad.any():
        raise FrameError(
            f"contacts frame: column '{column}' has values that are not numbers: "
            f"{df.loc[bad, column].unique()[:5].tolist()} ({int(bad.sum())} rows). Fix: numbers "
            f"(seconds for *_seconds), or leave the cell empty where unknown.")
    return values


def code_column(values: pd.Series) -> pd.Series:
    """A channel or language column read as the roster's and the Router's codes
    (:func:`code_text`: ``"Voice "`` is ``"voice"``); the same object when nothing changes.
    One call per distinct value."""
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    norm = [code_text(u) if isinstance(u, str) else u for u in uniq]
    if all(a is b or a == b for a, b in zip(norm, uniq, strict=True)):
        return values
    return pd.Series(np.asarray(norm, dtype=object)[codes], index=values.index, name=values.name)


def check_queue_keys(mapping: Mapping[Any, Any], name: str, what: str, queues: Iterable[Any],
                     channels: Iterable[str], skills: Iterable[str]) -> None:
    """ValueError when a key of ``mapping`` (the argument ``name``, keyed by queue
    ``"channel:skill"`` or by channel) names no queue or channel of the run: any queue the
    roster could serve counts (a queue may have no arrival in one run)."""
    queues, channels = [str(q) for q in queues], [str(c) for c in channels]
    names = set(queues) | set(channels) | {f"{c}:{k}" for c in channels for k in skills}
    stray = sorted(str(k) for k in mapping if str(k) not in names)
    if stray:
        raise ValueError(
            f"{name} has keys {stray[:5]} that name no queue or channel of this run (queues "
            f"{sorted(queues)[:8]}, channels {channels}). Fix: key {what} by queue "
            f"'channel:skill' or by channel.")


def prepare(
    contacts: pd.DataFrame,
    pool_channels: tuple[str, ...],
    pool_skills: tuple[str, ...],
    pool_agent_index: Mapping[str, int],
    skills_matrix: np.ndarray,
    capacity: np.ndarray,
    shifts: pd.DataFrame | None,
    *,
    origin: pd.Timestamp | None,
    outside_hours: str,
    patience_u: np.ndarray | None = None,
    patience: object = None,
    until: pd.Timestamp | None = None,
    opening_shifts: pd.DataFrame | None = None,
) -> Prepared:
    """Validate a contacts frame + schedule and convert them to arrays (internal).

    Contacts after ``until`` are not arrivals of the run (``dropped['after_until']``);
    shifts that end at or before ``origin`` are left out (``issues``) and the others
    start at ``origin`` at the earliest. Without a schedule every agent is logged in
    from the first arrival on. ``opening_shifts``: the planned shifts that set the opening
    hours when ``shifts`` has had absences cut out (shrinkage); default ``shifts``."""
    require_columns(contacts, ("ts", "channel"), frame="contacts frame",
                    hint="A contacts frame has one row per contact with 'ts' and 'channel' "
                    "(and 'skill' or 'queue').")
    df = contacts
    for code_col in ("channel", "language"):  # codes as the roster's and the Router's
        if code_col in df:
            codes = code_column(df[code_col])
            if codes is not df[code_col]:
                df = df.assign(**{code_col: codes})
    dropped: dict[str, int] = {}
    issues: dict[str, object] = {}
    ts = df["ts"]
    if pd.api.types.is_numeric_dtype(ts) and not pd.api.types.is_bool_dtype(ts) and len(ts):
        raise FrameError(
            f"contacts frame: column 'ts' holds numbers (e.g. {ts.iloc[0]!r}), not timestamps "
            f"(pandas would read them as nanoseconds since 1970). Fix: seconds since a start: "
            f"df['ts'] = pd.Timestamp(start) + pd.to_timedelta(df['ts'], unit='s').")
    if not pd.api.types.is_datetime64_any_dtype(ts):
        # day-first slash dates as the other frames read them (unparsable rows: counted)
        ts = to_datetime_coerced(_slash_dates_as_iso(ts, "ts", frame="contacts frame"))
        if not pd.api.types.is_datetime64_any_dtype(ts):
            raise FrameError("contacts frame: column 'ts' mixes UTC offsets (e.g. a "
                             "daylight-saving change); use naive local time: ts = "
                             "pd.to_datetime(ts, utc=True).dt.tz_convert(zone)"
                             ".dt.tz_localize(None).")
    if getattr(ts.dt, "tz", None) is not None:
        raise FrameError("contacts frame: column 'ts' is time-zone aware; use naive local "
                         "time (ts.dt.tz_convert(zone).dt.tz_localize(None)).")
    miss = ts.isna().to_numpy()
    if miss.any():
        dropped["missing_or_bad_ts"] = int(miss.sum())
    tie = _contact_tiebreak(df, ts)
    ch_idx = {c: i for i, c in enumerate(pool_channels)}
    # channel of each row as the pool's channel index (factorised: one lookup per name)
    ch_codes, ch_names = pd.factorize(df["channel"], use_na_sentinel=False)
    ch_names = [str(c) for c in ch_names]
    ch_of_name = np.array([ch_idx.get(c, -1) for c in ch_names], dtype=np.int64)
    if (ch_of_name < 0).any():
        bad_names = sorted(c for c, i in zip(ch_names, ch_of_name, strict=True) if i < 0)
        raise FrameError(
            f"contacts frame: unknown channels {bad_names[:5]}; expected "
            f"one of {list(pool_channels)}. Fix: map them with df['channel'].replace(...)."
        )
    ch_row = ch_of_name[ch_codes]
    deferrable_row = np.isin(np.asarray(pool_channels, dtype=object)[ch_row],
                             DEFERRABLE_CHANNELS)
    # a negative handle time keeps its contact (a real arrival; the time is imputed like a
    # missing one, see handle_unusable below)
    for name in ("patience_seconds", "deadline_seconds"):
        if name in df:  # a negative duration is no time: the row is dropped and counted
            neg = (pd.to_numeric(df[name], errors="coerce").to_numpy(float) < 0) & ~miss
            if name == "deadline_seconds":
                neg &= deferrable_row  # real-time contacts have no deadline: ignored
            if neg.any():
                dropped[f"negative_{name}"] = int(neg.sum())
                miss = miss | neg
    keep = ~miss
    # the schedule is validated first (a time-zone-aware or unparsable schedule gets its
    # own message, not a comparison error below)
    s = _shift_frame(shifts) if shifts is not None else None
    # the opening hours: the planned shifts (before shrinkage logs agents out), so an
    # absence is a gap in staffing, not a closed hour whose contacts are dropped
    s_open = _shift_frame(opening_shifts) if opening_shifts is not None and s is not None else s
    if origin is None:
        first = ts[keep].min() if keep.any() else pd.Timestamp("2000-01-01")
        if s_open is not None and len(s_open):
            first = min(first, s_open["start"].min())
        origin = pd.Timestamp(first).normalize()
    t_all = (ts - origin).dt.total_seconds().to_numpy()
    before = keep & (t_all < 0)
    if before.any():
        dropped["before_origin"] = int(before.sum())
        keep &= ~before
    if until is not None:
        until_s = (pd.Timestamp(until) - origin).total_seconds()
        if until_s < 0:
            raise ValueError(f"until={until} is before the origin of the clock ({origin}). "
                             f"Fix: pass a later until, or an earlier origin.")
        after = keep & (t_all > until_s)
        if after.any():
            dropped["after_until"] = int(after.sum())
            keep &= ~after
    # skills / queues
    if "skill" in df:
        skill = df["skill"].astype(object).where(df["skill"].notna(), None).to_numpy()
    elif "queue" in df:
        parts = [split_queue(str(q)) for q in df["queue"]]
        skill = np.array([p[1] for p in parts], dtype=object)
        q_ch = np.array([p[0] for p in parts], dtype=object)
        # a bare skill name reads as voice: only an explicit 'channel:' prefix can disagree
        explicit = np.array([":" in str(q) or str(q) in CHANNELS for q in df["queue"]])
        clash = explicit & (q_ch != df["channel"].astype(str).to_numpy()) & keep
        if clash.any():
            i = int(np.flatnonzero(clash)[0])
            raise FrameError(
                f"contacts frame: {int(clash.sum())} rows have a 'queue' whose channel is not "
                f"their 'channel' (e.g. queue {df['queue'].iloc[i]!r}, channel "
                f"{df['channel'].iloc[i]!r}). Fix: correct one of the two columns, or give a "
                f"'skill' column instead of 'queue'.")
    else:
        skill = np.full(len(df), None, dtype=object)
    # queue "channel:skill" of each row, as codes of (channel, skill) pairs (names built
    # once per pair, not per row)
    sk_codes, sk_names = pd.factorize(pd.Series(skill, dtype=object))  # None -> -1
    sk_text = ["", *(str(x) for x in sk_names)]
    pair = ch_row * len(sk_text) + (sk_codes + 1)
    # schedule
    sk_idx = {s: i for i, s in enumerate(pool_skills)}
    n_agents = skills_matrix.shape[0]
    if s is None:
        # logged in from the first arrival: occupancy over the day's activity, not from
        # midnight
        sh_agent = np.arange(n_agents)
        sh_start = np.full(n_agents, float(t_all[keep].min()) if keep.any() else 0.0)
        sh_end = np.full(n_agents, np.inf)
    else:
        aidx = s["agent_id"].map(pool_agent_index)
        unknown_a = aidx.isna()
        if unknown_a.any():
            raise FrameError(
                f"schedule: agents {sorted(s.loc[unknown_a, 'agent_id'].unique())[:5]} are "
                f"not in the agents frame. Fix: add them to agents or drop their shifts."
            )
        sh_agent = aidx.to_numpy(int)
        sh_start = (s["start"] - origin).dt.total_seconds().to_numpy()
        sh_end = (s["end"] - origin).dt.total_seconds().to_numpy()
        over = sh_end <= 0
        if over.any():
            issues["shifts_ending_before_origin"] = int(over.sum())
            logger.warning("schedule: %d shifts end at or before the origin %s; they are "
                           "left out.", int(over.sum()), origin)
            sh_agent, sh_start, sh_end = sh_agent[~over], sh_start[~over], sh_end[~over]
        sh_start = np.maximum(sh_start, 0.0)
        sh_agent, sh_start, sh_end, n_overlap = _merge_shifts(sh_agent, sh_start, sh_end)
        if n_overlap:
            # a double-booked roster is a roster error; the agent is simulated once
            issues["overlapping_shifts"] = n_overlap
            logger.warning("schedule: %d shifts overlap an earlier shift of the same agent; "
                           "each agent is simulated once over their union.", n_overlap)
    if s_open is None or s_open is s:
        op_agent, op_start, op_end = sh_agent, sh_start, sh_end
    else:
        op_agent = s_open["agent_id"].map(pool_agent_index).fillna(-1).to_numpy(int)
        op_start = (s_open["start"] - origin).dt.total_seconds().to_numpy()
        op_end = (s_open["end"] - origin).dt.total_seconds().to_numpy()
        known = op_agent >= 0
        op_agent, op_start, op_end = op_agent[known], op_start[known], op_end[known]
    # per-queue staffing and opening hours
    # queues in name order, qinv: queue of each kept row
    pairs, pair_inv = np.unique(pair[keep], return_inverse=True)
    # "channel:skill", or the bare channel for contacts without a skill ("voice", not "voice:")
    pair_names = np.array([":".join(x for x in (pool_channels[k // len(sk_text)],
                                                sk_text[k % len(sk_text)]) if x)
                           for k in pairs.tolist()], dtype=object)
    qnames, name_inv = np.unique(pair_names, return_inverse=True)
    qnames = np.asarray(qnames, dtype=object)
    qinv = np.asarray(name_inv, dtype=np.int64).reshape(-1)[pair_inv.reshape(-1)]
    queue_of_row = np.full(len(df), -1, dtype=np.int64)
    queue_of_row[keep] = qinv
    q_channel = np.zeros(len(qnames), dtype=int)
    q_skill = np.full(len(qnames), -1, dtype=int)
    unstaffed: dict[str, int] = {}
    outside = np.zeros(len(df), dtype=bool)
    t_keep = t_all[keep]
    out_k = np.zeros(keep.sum(), dtype=bool)
    checked_k = np.zeros(keep.sum(), dtype=bool)  # real-time contacts of staffed queues
    queue_open: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(qnames)
    for qi, qn in enumerate(qnames):
        ch, _, sk = qn.partition(":")
        q_channel[qi] = ch_idx[ch]
        q_skill[qi] = sk_idx.get(sk, -2) if sk else -1
        elig = capacity[:, ch_idx[ch]] > 0
        if q_skill[qi] >= 0:
            elig &= skills_matrix[:, q_skill[qi]] > 0
        elif q_skill[qi] == -2:
            elig &= False
        on = elig[op_agent]
        members = qinv == qi
        if not on.any():
            unstaffed[str(qn)] = int(members.sum())
            continue
        if ch in DEFERRABLE_CHANNELS:
            continue
        st, en = _union(op_start[on], op_end[on])
        queue_open[qi] = (st, en)
        tq = t_keep[members]
        j = np.searchsorted(st, tq, side="right") - 1
        inside = (j >= 0) & (tq < en[np.maximum(j, 0)])
        out_k[members] = ~inside
        checked_k[members] = True
    if unstaffed:
        n_unstaffed = sum(unstaffed.values())
        if n_unstaffed == int(keep.sum()):
            # not a gap in the roster: the two inputs name their queues differently
            served = sorted({f"{pool_channels[c]}:{pool_skills[k]}"
                             for a in np.unique(sh_agent)
                             for c in np.flatnonzero(capacity[a] > 0)
                             for k in np.flatnonzero(skills_matrix[a] > 0)})
            raise FrameError(
                f"no scheduled agent can serve any of the {n_unstaffed} contacts: they "
                f"arrive on queues {sorted(unstaffed)[:10]}, the scheduled agents serve "
                f"{served[:10]}{' ...' if len(served) > 10 else ''}. Fix: name the "
                f"forecast's queues (unique_id 'channel:skill') after the agents' skills, "
                f"or give agents (--agents) with these skills and channels.")
        issues["queues_without_agents"] = unstaffed
        msg = (f"{n_unstaffed} contacts arrive on queues no scheduled agent can "
               f"serve: {unstaffed}. They are simulated (they wait or abandon) and counted "
               f"as such. Fix: add agents with these skills/channels to the schedule.")
        logger.info(msg)
        warnings.warn(msg, UserWarning, stacklevel=4)
    if out_k.any():
        n_out = int(out_k.sum())
        if outside_hours == "raise":
            raise FrameError(
                f"{n_out} real-time contacts arrive when no agent of their queue is on "
                f"shift (outside opening hours). Fix: pass outside_hours='drop' or 'keep', "
                f"or extend the schedule."
            )
        # the real-time contacts of staffed queues: those that can be outside hours
        k = np.flatnonzero(keep)[checked_k]
        # on the schedule's dates, the days its shifts start (a forecast of the whole day
        # with shifts over part of it is on the same dates: its other hours are outside
        # opening hours; a night shift's end on the next day does not make it a date)
        in_span = ts.iloc[k].dt.normalize().isin(set(s["start"].dt.normalize())).mean() \
            if s is not None and len(s) else 1.0
        if s is not None and n_out >= OUTSIDE_ERROR_SHARE * k.size and in_span < 0.5:
            # not a few calls outside opening hours: the two inputs cover other dates (at
            # most a night shift's end overlaps), the run would only measure contacts
            # waiting for nobody
            raise FrameError(
                f"{n_out} of the {k.size} real-time contacts arrive while nobody of their "
                f"queue is on shift, and {100 * in_span:.0f} % fall within the schedule's "
                f"dates: contacts from {ts.iloc[k].min()} to {ts.iloc[k].max()}, shifts from "
                f"{s['start'].min()} to {s['end'].max()}. Fix: give a forecast and a "
                f"schedule of the same dates.")
        if n_out > 0.5 * k.size and k.size >= 20:
            warnings.warn(
                f"{n_out} of {k.size} real-time contacts ({100 * n_out / k.size:.0f} %) arrive "
                f"when no agent of their queue is on shift (contacts from {ts.iloc[k].min()} "
                f"to {ts.iloc[k].max()}; outside_hours='{outside_hours}'). Fix: check that the "
                f"schedule covers the forecast's dates and opening hours.",
                UserWarning, stacklevel=4)
        if outside_hours == "drop":
            outside[np.flatnonzero(keep)[out_k]] = True
            dropped["outside_opening_hours"] = n_out
            keep &= ~outside
        else:
            issues["arrivals_outside_opening_hours_kept"] = n_out
    if dropped:
        logger.warning("simulation input: dropped records %s", dropped)
    # final arrays
    idx = np.flatnonzero(keep)
    t = t_all[idx]
    # arrival order; contacts arriving at the same second in contact_id order (not row
    # order: a shuffled log replays the same way)
    rank = canonical_rank(t_all, tie)  # (time, contact_id, row) order of every row
    order = np.argsort(rank[idx])
    idx = idx[order]
    draw_rows = rank[idx]
    t = t[order]
    qk = queue_of_row[idx]
    n = len(idx)

    def col(name: str, default: Any, dtype: Any = object) -> np.ndarray:
        if name in df:
            v = df[name].to_numpy()[idx]
            return v
        return np.full(n, default, dtype=dtype)

    pat = (_numbers(df, "patience_seconds").to_numpy(float)[idx]
           if "patience_seconds" in df else np.full(n, np.nan))
    chn = ch_row[idx]
    need = np.isnan(pat)
    if isinstance(patience, Mapping):
        # a typo would read as "nobody ever hangs up" on that queue
        check_queue_keys(patience, "patience_seconds", "the mean patience seconds", qnames,
                         pool_channels, pool_skills)
    if need.any():
        pat[need] = draw_patience(patience, np.asarray(pool_channels, dtype=object)[chn[need]],
                                  qnames[qk[need]],
                                  patience_u[draw_rows][need] if patience_u is not None
                                  else np.full(int(need.sum()), 0.5))
    is_def = np.isin(np.asarray(pool_channels, dtype=object), DEFERRABLE_CHANNELS)[chn]
    pat[is_def] = np.inf  # only real-time channels abandon, whatever the log says
    dl = (_numbers(df, "deadline_seconds").to_numpy(float)[idx]
          if "deadline_seconds" in df else np.full(n, np.nan))
    handle_unusable: dict[str, int] = {}
    if "handle_seconds" in df:
        hobs = pd.to_numeric(df["handle_seconds"], errors="coerce").to_numpy(float)[idx]
        negative = hobs < 0
        hobs[negative | np.isinf(hobs)] = np.nan  # no time, or an endless service
        absent = df["handle_seconds"].isna().to_numpy()[idx]
        not_num = np.isnan(hobs) & ~absent & ~negative
        ab_log = (df["observed_abandoned"].eq(True).to_numpy()[idx]
                  if "observed_abandoned" in df else np.zeros(n, dtype=bool))
        for key, m in (("abandoned_in_log", absent & ab_log),
                       ("missing", absent & ~ab_log), ("not_a_number", not_num),
                       ("negative", negative)):
            if m.any():
                handle_unusable[key] = int(m.sum())
    else:
        hobs = np.full(n, np.nan)
        if n:
            handle_unusable["missing"] = n
    if "resolved" in df:
        try:
            r = df["resolved"].astype("boolean").to_numpy(dtype=float, na_value=np.nan)[idx]
        except (TypeError, ValueError):
            odd = [v for v in pd.unique(df["resolved"].dropna()) if v not in (True, False, 0, 1)][:5]
            raise FrameError(
                f"contacts frame: column 'resolved' must hold True/False (or 1/0; empty where "
                f"unknown); found {odd}. Fix: map the values, e.g. "
                f".map({{'yes': True, 'no': False}}).") from None
    else:
        r = np.full(n, np.nan)
    if "agent_id" in df:
        ids = df["agent_id"].to_numpy(dtype=object)[idx]
        # the log's ids as the pool writes them: 101, 101.0 (a column with gaps) and
        # '101' are one agent (only text ids were looked up: numbers lost their agent)
        oa = np.array([pool_agent_index.get(label_text(a) or "", -1) for a in ids], dtype=int)
    else:
        oa = np.full(n, -1, dtype=int)
    cid = col("contact_id", 0, np.int64)
    if "contact_id" not in df:
        cid = idx.astype(np.int64)
    if "priority" in df:
        pv = _numbers(df, "priority").fillna(0).to_numpy(float)[idx]
        frac = pv != np.round(pv)
        if frac.any():
            raise FrameError(
                f"contacts frame: column 'priority' has values that are not whole numbers "
                f"(e.g. {float(pv[frac][0])}, {int(frac.sum())} rows); priorities are levels "
                f"(higher first). Fix: round them, e.g. df['priority'].round().")
        prio = pv.astype(int)
    else:
        prio = np.zeros(n, dtype=int)

    def objcol(name: str) -> list:
        if name not in df:
            return [None] * n
        col_ = df[name]
        v = col_.astype(object).where(col_.notna(), None).to_numpy(dtype=object)[idx]
        return v.tolist()

    return Prepared(
        origin=pd.Timestamp(origin), t=t, contact_id=np.asarray(cid), channel=chn, queue=qk,
        queue_names=tuple(str(q) for q in qnames), queue_channel=q_channel,
        queue_skill=q_skill, skill=skill[idx].tolist(), intent=objcol("intent"),
        language=objcol("language"), text=objcol("text"), priority=prio,
        customer=objcol("customer_id"),
        patience=pat, deadline=dl, handle_obs=hobs, resolved_obs=r, orig_agent=oa,
        is_repeat=repeat_flags(df)[idx],
        shift_agent=sh_agent, shift_start=sh_start, shift_end=sh_end,
        dropped=dropped, issues=issues, rows=idx, handle_unusable=handle_unusable,
        draw_rows=draw_rows, queue_open=queue_open,
    )


def repeat_flags(df: pd.DataFrame) -> np.ndarray:
    """Column ``is_repeat`` as booleans (all False without it); an empty cell is a first
    contact; a value that is not True/False or 1/0 is refused (``'no'`` was True)."""
    if "is_repeat" not in df:
        return np.zeros(len(df), dtype=bool)
    try:
        flags = df["is_repeat"].astype("boolean").fillna(False)
    except (TypeError, ValueError):
        odd = [v for v in pd.unique(df["is_repeat"].dropna())
               if v not in (True, False, 0, 1)][:5]
        raise FrameError(
            f"contacts frame: column 'is_repeat' must hold True/False (or 1/0; empty for a "
            f"first contact); found {odd}. Fix: map the values, e.g. "
            f".map({{'yes': True, 'no': False}}).") from None
    return flags.to_numpy(dtype=bool)


#: share of the real-time contacts arriving while nobody of their queue is on shift from
#: which a schedule whose dates barely overlap the contacts' is an error, not a scenario
OUTSIDE_ERROR_SHARE = 0.95


def _contact_tiebreak(df: pd.DataFrame, ts: pd.Series) -> np.ndarray:
    """Rank of each row's ``contact_id`` (0 without the column), after checking that no
    contact is in the log twice: the same ``contact_id`` and time is a repeated row
    (``FrameError``: it would be replayed twice); the same ``contact_id`` at different
    times is counted and logged (some logs number calls per line or per day)."""
    if "contact_id" not in df:
        return np.zeros(len(df), dtype=np.int64)
    cid = df["contact_id"]
    codes, uniques = pd.factorize(cid, sort=True)
    if len(uniques) == len(cid):  # the usual case: every id given once
        return codes.astype(np.int64)
    given = codes >= 0  # a missing id (-1) is no id: never a repeat
    twice = pd.DataFrame({"contact_id": codes, "ts": ts.to_numpy()}).duplicated(keep=False)
    twice = twice.to_numpy() & given
    if twice.any():
        rows = df.loc[twice, ["contact_id"]].assign(ts=ts[twice])
        raise FrameError(
            f"contacts frame: {int(twice.sum())} rows repeat another row's contact_id and "
            f"ts (each would be replayed as a contact of its own), e.g.\n"
            f"{rows.head(6).to_string()}\nFix: drop the copies, e.g. "
            f"df.drop_duplicates(['contact_id', 'ts']), or give each contact its own id.")
    n_dup = int(pd.Series(codes[given]).duplicated().sum())
    if n_dup:
        logger.warning("contacts frame: %d contact_id values are used by more than one "
                       "contact (at different times); each row is simulated as a contact.",
                       n_dup)
    return codes.astype(np.int64)


def canonical_rank(t: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Position of each row in (time, ``tie``, row) order, missing times last: the index
    of its per-contact random draws, so that the draws follow the contact, not its row."""
    key = np.where(np.isnan(t), np.inf, t)
    order = np.lexsort((np.arange(t.size), tie, key))
    rank = np.empty(t.size, dtype=np.int64)
    rank[order] = np.arange(t.size)
    return rank


def _check_mean_patience(value: object, name: str) -> float:
    """A mean patience in seconds: > 0, inf for callers who never hang up; NaN, negative
    or non-numbers are a ValueError (they made abandonments before arrivals)."""
    try:
        mean = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a mean patience in seconds, got {value!r}.") from None
    if isinstance(value, bool) or np.isnan(mean) or mean <= 0:
        raise ValueError(f"{name} must be > 0 seconds (inf: nobody hangs up), got {value!r}.")
    return mean

def draw_patience(patience: object, channels: np.ndarray, queues: np.ndarray,
                  u: np.ndarray) -> np.ndarray:
    """Patience seconds by inverse CDF of the per-contact uniforms ``u`` (CRN-safe).

    ``patience`` None → +inf (nobody abandons); a number → exponential with that mean
    for real-time channels; a mapping channel-or-queue → mean (missing → +inf); an
    array of observed patience seconds → empirical distribution (quantiles).
    """
    n = len(u)
    out = np.full(n, np.inf)
    if patience is None:
        return out
    realtime = np.isin(channels, REALTIME_CHANNELS)
    uu = np.clip(u, 1e-12, 1 - 1e-12)
    if isinstance(patience, Mapping):
        for key, value in patience.items():
            _check_mean_patience(value, f"patience_seconds[{key!r}]")
        means = np.array([patience.get(q, patience.get(c, np.inf))
                          for q, c in zip(queues, channels, strict=True)], dtype=float)
        out = -means * np.log1p(-uu)
        out[~np.isfinite(means)] = np.inf
    elif np.ndim(patience) == 0:  # type: ignore[arg-type]
        mean = _check_mean_patience(patience, "patience_seconds")
        out = -mean * np.log1p(-uu)
        if not np.isfinite(mean):
            out[:] = np.inf
    else:
        sample = np.sort(np.asarray(patience, dtype=float))
        if len(sample) == 0 or not np.isfinite(sample).all() or (sample < 0).any():
            raise ValueError("patience_seconds: a sample must be non-empty, finite seconds >= 0 (no NaN "
                             "or inf: a caller who never hung up is not an observed patience).")
        out = np.quantile(sample, uu)
    out[~realtime] = np.inf
    return out


def _merge_shifts(a: np.ndarray, s: np.ndarray, e: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Each agent's shifts as disjoint spells (back-to-back shifts join), and how many
    shifts overlap an earlier one of the same agent (a double booking, not a join)."""
    order = np.lexsort((s, a))
    a, s, e = a[order], s[order], e[order]
    ra: list[int] = []
    rs: list[float] = []
    re_: list[float] = []
    overlaps = 0
    for ai, si, ei in zip(a, s, e, strict=True):
        if ra and ra[-1] == ai and si <= re_[-1]:
            overlaps += si < re_[-1]
            re_[-1] = max(re_[-1], ei)
        else:
            ra.append(ai)
            rs.append(si)
            re_.append(ei)
    return (np.array(ra, dtype=int), np.array(rs, dtype=float), np.array(re_, dtype=float),
            int(overlaps))


def _union(s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(s)
    rs: list[float] = []
    re_: list[float] = []
    for si, ei in zip(s[order], e[order], strict=True):
        if rs and si <= re_[-1]:
            re_[-1] = max(re_[-1], ei)
        else:
            rs.append(si)
            re_.append(ei)
    return np.array(rs), np.array(re_)

"""Public entry points: :func:`simulate` and :func:`compare_policies`."""

from __future__ import annotations

import logging
import math
import numbers
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError
from routing_ml.frames import AGENTS, CHANNELS, ID, TIME, as_timestamp, validate_requirements
from routing_ml.routing.base import AgentPool, LongestIdleAgent, check_skills_mapping

from . import _engine, _inputs, _stats
from .outcomes import (
    LoggedOutcomes,
    _logged_handle_fill,
    as_outcome_model,
    check_outcome_parameters,
)

logger = logging.getLogger(__name__)

_OUTSIDE = ("auto", "drop", "keep", "raise")
_REPEAT_GENERATIONS = 4
# summary metrics that are shares: their confidence intervals are clipped to [0, 1]
_PROPORTIONS = frozenset({
    "service_level", "service_level_all_channels", "abandon_rate", "abandon_rate_realtime",
    "fcr", "occupancy_mean", "occupancy_max", "occupancy_min", "occupancy_gini"})
_BAND_COLUMNS = ("policy", "unique_id", "ds", "arrivals", "service_level", "ci_low", "ci_high",
                 "p05", "p95")


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What one simulated run gives.

    Attributes
    ----------
    summary : overall figures: ``arrivals``, ``first_contacts``, ``repeats``,
        ``answered``, ``abandoned``, ``waiting`` (still waiting at the end),
        ``waiting_within_target`` (of those, the ones not yet past their answer time or
        deadline: email/web items, and real-time contacts when ``until`` stopped the
        clock; a call still waiting when the events ran out has nobody left to answer it
        and counts as missed), ``completed``, ``service_level`` (real-time channels:
        share of arrivals answered within the answer time, the arrivals still waiting
        within it left out: their outcome is unknown), ``asa_seconds`` (mean wait of the
        answered real-time contacts), ``asa_offered_seconds`` (mean time in queue of
        every answered or abandoned real-time contact, those still waiting at the end left
        out: :func:`routing_ml.queueing.erlang_a`'s ``asa_seconds``, the one
        ``StaffingTarget.max_asa_seconds`` caps), ``abandon_rate`` (all
        channels), ``abandon_rate_realtime``, ``aht_seconds``, ``fcr`` (resolved /
        completed), ``repeats_generated``, ``repeats_after_horizon``,
        ``repeats_moved_to_opening`` (see ``repeats`` in :func:`simulate`), ``occupancy_mean``,
        ``occupancy_max``, ``occupancy_min``, ``occupancy_max_min``, ``occupancy_gini``
        (agents available at least 30 minutes), ``decisions`` (calls to the policy's
        ``choose``; 0 when the engine applied a plain ``LongestIdleAgent`` itself,
        without calling it, so compare it only between policies that both call it),
        ``holdouts``,
        ``end_seconds``.
    by_interval : ``unique_id`` (queue, or ``"all"`` for real-time channels together),
        ``channel``, ``ds`` (interval of arrival), ``arrivals``, ``answered``,
        ``abandoned``, ``waiting``, ``waiting_within_target``, ``completed``,
        ``answered_within``, ``resolved``,
        ``repeats``, ``service_level``, ``asa_seconds``, ``asa_offered_seconds``,
        ``abandon_rate``,
        ``aht_seconds``, ``fcr``.
    by_queue, by_channel : the same columns per ``unique_id`` / per ``channel``.
    agents : ``agent_id``, ``contacts_handled``, ``busy_seconds``, ``available_seconds``,
        ``occupancy`` (busy / available; an agent holding chats is busy while at least
        one session is open, so a chat agent's occupancy is not the share of its chat
        slots in use that :func:`routing_ml.queueing.chat_required_agents` reports).
    contacts : one row per simulated contact (None when ``keep_contacts=False``):
        ``contact_id``, ``is_repeat``, ``parent``, ``unique_id``, ``channel``,
        ``priority``, ``ts``, ``arrival_seconds``, ``answered``, ``abandoned``,
        ``waiting``, ``waiting_within_target``, ``completed``, ``wait_seconds``,
        ``answered_within_target``,
        ``handle_seconds``, ``resolved``, ``agent_id``.
    dropped : input records not simulated, by reason (never dropped silently).
    issues : other input problems that were simulated as documented (queues without
        agents, arrivals kept outside opening hours, shifts ending before the origin,
        logged repeats replayed, logged handle times imputed).
    policy, seed, wall_time_seconds : provenance.
    """

    summary: dict[str, float]
    by_interval: pd.DataFrame
    by_queue: pd.DataFrame
    by_channel: pd.DataFrame
    agents: pd.DataFrame
    contacts: pd.DataFrame | None
    dropped: dict[str, int]
    issues: dict[str, Any]
    policy: str
    seed: int
    wall_time_seconds: float

    def conservation_holds(self) -> bool:
        """arrivals == answered + abandoned + still waiting."""
        s = self.summary
        return s["arrivals"] == s["answered"] + s["abandoned"] + s["waiting"]


@dataclass(frozen=True, slots=True)
class ComparisonResult:
    """Replications of several policies on common random numbers.

    Attributes
    ----------
    replications : one row per (``policy``, ``replication``) with ``seed`` and every
        key of ``SimulationResult.summary``.
    summary : ``policy``, ``metric``, ``mean``, ``std``, ``ci_low``, ``ci_high``
        (95 % t interval of the mean over replications; its lower end clipped at 0 for a
        metric that is never negative, and clipped to [0, 1] for a proportion: service
        level, abandon rate, FCR, occupancy), ``n``. A ratio (service level, AHT, FCR,
        occupancy) is the mean of the replications' own ratios, each replication one
        observation of the day, not the pooled share of all replications' contacts; on
        a low-volume queue the two differ (a quiet replication weighs as much as a busy
        one).
    differences : paired differences ``policy`` − ``baseline`` per replication:
        ``policy``, ``baseline``, ``metric``, ``mean_difference``, ``ci_low``,
        ``ci_high`` (95 %), ``relative_difference`` (mean difference / baseline mean),
        ``n``.
    by_interval : service level of the real-time channels per interval (each
        replication starts empty at its first arrival or shift: the first hours show a
        center filling up, not the steady state of Erlang C; compare later intervals,
        or simulate from an earlier origin): ``policy``,
        ``unique_id`` (``"all"`` for the real-time channels together, else one real-time
        queue), ``ds``, ``arrivals`` (mean over all replications), ``service_level``
        (mean over the replications where it is defined: arrivals in the interval whose
        outcome is known),
        ``ci_low``, ``ci_high`` (95 %, within [0, 1]), ``p05``, ``p95`` (no rows, the
        same columns, without real-time contacts).
    dropped : input records not simulated, by reason, summed over the replications
        (each replication draws its own arrivals; per replication: the ``dropped_<reason>``
        columns of ``replications``).
    issues : as in :class:`SimulationResult` (of the first replication).
    """

    replications: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    by_interval: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    issues: dict[str, Any] = field(default_factory=dict)
    wall_time_seconds: float = 0.0


# --------------------------------------------------------------------------- setup
@dataclass
class _Setup:
    contacts: pd.DataFrame | None      # fixed contact log (None: drawn from the forecast)
    forecast: pd.DataFrame | None
    template: AgentPool
    schedule: pd.DataFrame | None
    kwargs: dict[str, Any]
    extra_dropped: dict[str, int]
    scenario: Any = None               # callable seed -> contacts frame (a new draw per run)
    forecast_step_seconds: float = 1800.0  # interval of the forecast's rows
    extra_issues: dict[str, Any] = field(default_factory=dict)
    # the shifts as rostered, before ``breaks`` were cut out: the opening hours
    opening: pd.DataFrame | None = None


def _fresh_pool(t: AgentPool) -> AgentPool:
    return AgentPool(agent_ids=t.agent_ids, skill_names=t.skill_names,
                     language_names=t.language_names, channel_names=t.channel_names,
                     skills=t.skills, languages=t.languages, capacity=t.capacity)


def _infer_interval_minutes(forecast: pd.DataFrame | None, schedule: pd.DataFrame | None) -> int:
    """The default statistics interval: the interval of a forecast frame (else of a
    requirements schedule), in whole minutes: each queue's smallest step of ``ds``, which
    must be the same for every queue (a 30-minute queue and an hourly one in one frame is
    an error, as in staffing); 30 when there is none to read."""
    for name, frame in (("forecast", forecast), ("schedule", schedule)):
        if frame is None or ID not in frame.columns or TIME not in frame.columns:
            continue
        step = _inputs.infer_step_seconds(frame, name=name)
        if step is not None:
            return max(1, round(step / 60.0))
    return 30


def _repeat_probability(kw: dict[str, Any]) -> float:
    """P(repeat) of the outcome model (0 when ``repeats=False``; the default models
    generate none)."""
    if not kw["repeats"] or kw["outcomes"] is None:
        return 0.0
    return float(getattr(kw["outcomes"], "repeat_probability", 0.0))


def _logged_repeats(df: pd.DataFrame, kw: dict[str, Any], dropped: dict[str, int],
                    issues: dict[str, Any]) -> pd.DataFrame:
    """A replayed log's repeat contacts (``is_repeat``): left out (counted in ``dropped``)
    when the outcome model generates repeats itself, else replayed (``issues``)."""
    if "is_repeat" not in df or not kw["repeats"]:
        return df
    rep = _inputs.repeat_flags(df)
    n = int(rep.sum())
    if n == 0:
        return df
    if _repeat_probability(kw) > 0:
        dropped["logged_repeats_replaced_by_simulated_repeats"] = n
        logger.warning("arrivals: %d logged repeat contacts are not replayed; the outcome "
                       "model generates repeats itself (repeats=False keeps them).", n)
        return df.loc[~rep]
    issues["logged_repeats_replayed"] = n
    logger.info("arrivals: %d logged repeat contacts are replayed as logged: the outcome "
                "model generates no repeats (repeat_probability 0).", n)
    return df


def _setup(arrivals: pd.DataFrame, agents: Any, schedule: pd.DataFrame | None,
           kw: dict[str, Any]) -> _Setup:
    shrink = kw["shrinkage"]
    if isinstance(shrink, bool) or not isinstance(shrink, int | float) or not (
            0.0 <= float(shrink) < 1.0):
        raise ValueError(f"shrinkage must be a share in [0, 1), got {shrink!r}; e.g. 0.1 for "
                         f"agents logged out 10 % of their shift time beyond their breaks.")
    kw["shrinkage"] = float(shrink)
    if shrink > 0 and schedule is None:
        raise ValueError("shrinkage needs a schedule: without one every agent is logged in "
                         "all the time. Pass the shifts (agent_id, start, end), or "
                         "shrinkage=0.")
    scenario = None
    if callable(arrivals) and not isinstance(arrivals, pd.DataFrame):
        scenario = arrivals
        arrivals = scenario(0)
    if not isinstance(arrivals, pd.DataFrame):
        raise FrameError(f"arrivals must be a DataFrame (a contacts log with 'ts' or a "
                         f"forecast with unique_id, ds, yhat), got {type(arrivals).__name__}.")
    if kw["outside_hours"] not in _OUTSIDE:
        raise ValueError(f"outside_hours must be one of {_OUTSIDE}, got "
                         f"{kw['outside_hours']!r}.")
    for name in ("chat_slowdown", "reevaluate_seconds", "batch_seconds", "forecast_scale"):
        v = kw[name]
        if not (isinstance(v, int | float) and v >= 0 and math.isfinite(v)):
            raise ValueError(f"{name} must be a finite number >= 0, got {v!r}.")
    im = kw["interval_minutes"]
    if im is not None:
        if isinstance(im, bool) or not isinstance(im, int | float) or not im > 0 \
                or not float(im).is_integer():
            raise ValueError(f"interval_minutes must be a whole number of minutes > 0 or None, "
                             f"got {im!r}.")
        if 1440 % int(im):
            raise ValueError(f"interval_minutes={im!r} does not divide a day: the statistics "
                             f"intervals would drift across midnight. Fix: e.g. 5, 15, 30 or 60.")
        kw["interval_minutes"] = int(im)
    extra: dict[str, int] = {}
    extra_issues: dict[str, Any] = {}
    if kw["outcomes"] is None and kw["aht_seconds"] is not None:
        from routing_ml.queueing._validate import warn_short_aht

        aht = kw["aht_seconds"]
        values = list(aht.values()) if isinstance(aht, Mapping) else [aht]
        try:
            warn_short_aht(np.asarray(values, dtype=float), stacklevel=4)
        except (TypeError, ValueError):
            pass  # not numbers: ExponentialService names the problem when it binds
    if kw["outcomes"] is not None:  # wrap once: bound tables are cached across runs
        kw["outcomes"] = as_outcome_model(kw["outcomes"], has_logged_handle=False,
                                          aht_seconds=kw["aht_seconds"])
    contacts = forecast = None
    forecast_step = 1800.0
    if "ts" in arrivals.columns:
        contacts = arrivals
        if scenario is None:  # a scenario's draws are looked at per replication
            contacts = _logged_repeats(contacts, kw, extra, extra_issues)
    elif ID in arrivals.columns and TIME in arrivals.columns:
        forecast = arrivals
        # the forecast's own interval spreads its counts; interval_minutes (statistics)
        # only stands in for a forecast with one timestamp per queue
        forecast_step = _inputs.interval_seconds(forecast, None, name="forecast frame",
                                                 fallback_minutes=kw["interval_minutes"])
    else:
        raise FrameError(
            f"arrivals has columns {list(arrivals.columns)[:10]}: expected a contacts log "
            f"('ts', 'channel', 'skill'/'queue', ...) or a forecast ('{ID}', '{TIME}', "
            f"'yhat' or 'y')."
        )
    if kw["outside_hours"] == "auto":
        kw["outside_hours"] = "keep" if forecast is not None else "drop"
    if schedule is not None and len(schedule) == 0:
        raise FrameError("schedule is empty: no agent is ever on shift. Fix: pass the shifts "
                         "(agent_id, start, end) or requirements (unique_id, ds, agents), or "
                         "schedule=None for agents logged in all the time.")
    opening = None
    if kw.get("breaks") is not None:
        if schedule is None:
            raise ValueError("breaks need a schedule (the shifts they are taken in). Fix: pass "
                             "the roster as schedule=, or breaks=None.")
        opening = schedule  # a break is not a closed hour: its callers wait
        schedule = _inputs.shifts_from_roster(schedule, kw["breaks"])
        if schedule.empty:
            raise ValueError("breaks cover every minute of every shift, so nobody would be "
                             "logged in: is it the roster itself? Fix: pass the breaks file "
                             "`routing-ml schedule` wrote beside the roster (<out>_breaks.csv).")
    given_minutes = kw["interval_minutes"]
    if kw["interval_minutes"] is None:
        kw["interval_minutes"] = _infer_interval_minutes(forecast, schedule)
    if (agents is not None and schedule is not None and "agent_id" not in schedule.columns
            and {AGENTS, ID, TIME} <= set(schedule.columns)):
        raise FrameError(
            "schedule looks like requirements (unique_id, ds, agents): requirements are "
            "simulated only with agents=None (each required agent becomes a pseudo-agent on "
            "its queue). Fix: pass agents=None, or a roster (agent_id, start, end) as "
            "schedule.")
    if agents is None:
        if schedule is None:
            raise ValueError("Pass agents (a frame or an AgentPool) and/or a schedule: "
                             "nobody would answer the contacts.")
        if AGENTS in schedule.columns and ID in schedule.columns and TIME in schedule.columns:
            # each requirements row staffs the requirements' own interval
            req = validate_requirements(schedule, integer=False)
            agents, schedule = _inputs.requirements_shifts(
                req, step_seconds=_inputs.interval_seconds(
                    req, None, name="requirements", fallback_minutes=given_minutes))
            if schedule.empty:
                raise ValueError(
                    "the requirements given as schedule staff no agent in any interval "
                    "(every 'agents' value is 0), so nobody would answer the contacts. Fix: "
                    "pass the requirements of the forecast (`staff`), or a roster.")
        else:
            if contacts is not None:
                _inputs.require_columns(
                    contacts, ("ts", "channel"), frame="contacts frame",
                    hint="A contacts frame has one row per contact with 'ts' and 'channel' "
                    "(and 'skill' or 'queue').")
                # the skill of each contact as prepare() reads it: the 'skill' column, or
                # the skill part of its 'queue' ("voice:tributos" or "tributos")
                skills = (contacts["skill"].astype(str) if "skill" in contacts else
                          contacts.get("queue", pd.Series("general", index=contacts.index))
                          .astype(str).map(lambda q: _inputs.split_queue(q)[1]))
                queues = sorted({f"{c}:{s}" if s else c
                                 for c, s in zip(_inputs.code_column(contacts["channel"]).astype(str),
                                                 skills, strict=True)})
            else:
                assert forecast is not None  # noqa: S101 - one of the two is set above
                queues = sorted(forecast[ID].astype(str).unique())
            agents = _inputs.agents_from_schedule(
                _inputs.require_columns(schedule, ("agent_id",), frame="schedule"), queues)
    if isinstance(agents, AgentPool):
        template = _fresh_pool(agents)
    else:
        if isinstance(agents, pd.DataFrame) and "skills" not in agents.columns:
            raise FrameError("agents frame has no 'skills' column (mapping skill → "
                             "proficiency 0–5). Fix: add it, e.g. {'tributos': 3}.")
        if isinstance(agents, pd.DataFrame):
            agents = _inputs.normalize_agents(agents)
        extra_sk: set[str] = set()
        if contacts is not None:
            if "skill" in contacts:
                extra_sk = {str(s) for s in contacts["skill"].dropna().unique()}
            elif "queue" in contacts:
                extra_sk = {s for q in contacts["queue"].astype(str).unique()
                            if (s := _inputs.split_queue(q)[1])}
        else:
            assert forecast is not None  # noqa: S101 - one of the two is set above
            extra_sk = {s for q in forecast[ID].astype(str).unique()
                        if (s := _inputs.split_queue(q)[1])}
        rows = agents.to_dict("records") if isinstance(agents, pd.DataFrame) else list(agents)
        for r in rows:
            if "skills" in r:
                check_skills_mapping(r.get("agent_id"), r["skills"])
        agent_sk = {s for r in rows for s in r.get("skills", {})}
        template = AgentPool.from_agents(rows, skill_names=sorted(agent_sk | extra_sk),
                                         channel_names=CHANNELS)
        idle = [str(r.get("agent_id")) for r in rows
                if not any(float(v) > 0 for v in dict(r.get("skills") or {}).values())]
        if idle:
            # they count in the occupancy figures at 0 whatever the policy does
            extra_issues["agents_without_skills"] = len(idle)
            logger.warning("agents %s have no skill (no proficiency above 0): they can serve "
                           "no contact and their occupancy is 0.", idle[:5])
    if scenario is not None and contacts is None:
        raise FrameError("a scenario callable must return a contacts log (with 'ts').")
    return _Setup(contacts=contacts, forecast=forecast, template=template,
                  schedule=schedule, kwargs=kw, extra_dropped=extra, scenario=scenario,
                  forecast_step_seconds=forecast_step, extra_issues=extra_issues,
                  opening=opening)


def _with_shrinkage(schedule: pd.DataFrame, shrinkage: float, interval_minutes: int,
                    rng: np.random.Generator) -> pd.DataFrame:
    """The shifts less a random ``shrinkage`` share of their time: each shift is cut at the
    multiples of ``interval_minutes`` (from midnight) and each piece is left out with
    probability ``shrinkage`` (the agent is logged out: absence, training, meetings)."""
    schedule = _inputs._shift_frame(schedule)  # the checks and date parsing of every schedule
    start, end = schedule["start"], schedule["end"]
    step = pd.Timedelta(minutes=int(interval_minutes))
    first_cut = start.dt.floor(step) + step
    # the piece up to the first cut, then one per interval (1 when the shift ends before it)
    n_pieces = np.maximum(1, np.ceil((end - first_cut) / step).astype(int) + 1)
    rows = np.repeat(np.arange(len(schedule)), n_pieces)
    k = np.concatenate([np.arange(m) for m in n_pieces]) if len(rows) else np.zeros(0, int)
    out = schedule.iloc[rows].reset_index(drop=True)
    cut0 = first_cut.to_numpy()[rows]
    piece_start = np.where(k == 0, start.to_numpy()[rows], cut0 + (k - 1) * step)
    piece_end = np.minimum(end.to_numpy()[rows], cut0 + k * step)
    out["start"], out["end"] = piece_start, piece_end
    keep = (out["end"] > out["start"]).to_numpy() & (rng.random(len(out)) >= shrinkage)
    return out.loc[keep].reset_index(drop=True)


def _prepare(st: _Setup, seed: int) -> tuple[_inputs.Prepared, dict[str, np.ndarray]]:
    kw = st.kwargs
    extra_dropped, extra_issues = dict(st.extra_dropped), dict(st.extra_issues)
    if st.scenario is not None:
        df = _logged_repeats(st.scenario(seed), kw, extra_dropped, extra_issues)
    elif st.contacts is not None:
        df = st.contacts
    else:
        assert st.forecast is not None  # noqa: S101 - one of the two is set in _setup
        df = _inputs.draw_arrivals(
            st.forecast, step_seconds=st.forecast_step_seconds, value_col=None,
            scale=kw["forecast_scale"], seed=np.random.default_rng([seed, 0]))
    n = len(df)
    rng = np.random.default_rng([seed, 1])
    draws_all = {"z": rng.standard_normal(n), "u_res": rng.random(n),
                 "u_rep": rng.random(n), "u_delay": rng.random(n),
                 "u_pat": rng.random(n)}
    t = st.template
    schedule = st.schedule
    if kw["shrinkage"] > 0 and schedule is not None:  # its own stream: no other draw moves
        schedule = _with_shrinkage(schedule, kw["shrinkage"], kw["interval_minutes"],
                                   np.random.default_rng([seed, 3]))
    P = _inputs.prepare(
        df, t.channel_names, t.skill_names, {str(a): i for i, a in enumerate(t.agent_ids)},
        t.skills, t.capacity, schedule, origin=kw["origin"],
        outside_hours=kw["outside_hours"], patience_u=draws_all["u_pat"],
        patience=kw["patience"],
        until=None if kw["until"] is None else pd.Timestamp(kw["until"]),
        opening_shifts=(st.opening if st.opening is not None
                        else st.schedule if schedule is not st.schedule else None),
    )
    P.dropped = {**extra_dropped, **P.dropped}
    P.issues = {**extra_issues, **P.issues}
    draws = {k: v[P.draw_rows] for k, v in draws_all.items()}
    # draws of repeat contacts: generation g of first contact i uses repeat[g - 1, i]
    # (their own stream, so leaving them out without repeats changes no other draw)
    if kw["repeats"]:
        rr = np.random.default_rng([seed, 2])
        rep = rr.random((_REPEAT_GENERATIONS, n, 4))
        rep[:, :, 0] = rr.standard_normal((_REPEAT_GENERATIONS, n))
        draws["repeat"] = rep[:, P.draw_rows, :]
    else:
        draws["repeat"] = np.zeros((_REPEAT_GENERATIONS, 0, 4))
    return P, draws


def _run_one(st: _Setup, P: _inputs.Prepared, draws: dict[str, np.ndarray], policy: Any,
             seed: int, *, keep_contacts: bool) -> SimulationResult:
    kw = st.kwargs
    t0 = time.perf_counter()
    pool = _engine.sim_pool(st.template)
    model = as_outcome_model(kw["outcomes"],
                             has_logged_handle=bool(np.isfinite(P.handle_obs).any()),
                             aht_seconds=kw["aht_seconds"])
    check_outcome_parameters(model)  # also models of the user's own and ground truths
    outcome = model.bind(P, pool)
    if isinstance(model, LoggedOutcomes) and P.handle_unusable:
        # the logged model serves these contacts with the median logged time
        P.issues["handle_seconds_imputed"] = {
            **P.handle_unusable, "imputed_seconds": _logged_handle_fill(P.handle_obs)}
        logger.info("contacts without a usable logged handle time get the median "
                    "logged time: %s", P.issues["handle_seconds_imputed"])
    rep_p = float(model.repeat_probability) if kw["repeats"] else 0.0
    if kw["until"] is not None:
        until = float((pd.Timestamp(kw["until"]) - P.origin).total_seconds())
    else:
        ends = P.shift_end[np.isfinite(P.shift_end)]
        last = max(float(P.t.max()) if len(P.t) else 0.0,
                   float(ends.max()) if len(ends) else 0.0)
        until = last + 86400.0
    raw = _engine.run(
        P, pool, policy, outcome, draws, seed=seed, chat_slowdown=kw["chat_slowdown"],
        repeat_probability=rep_p,
        repeat_delay_seconds=float(model.repeat_delay_hours) * 3600.0,
        reevaluate_seconds=kw["reevaluate_seconds"], until_seconds=until,
        batch_seconds=kw["batch_seconds"], clock_to_until=kw["until"] is not None,
        outcome_name=type(model).__name__,
    )
    targets = _stats.answer_targets(kw["answer_seconds"])
    cf = _stats.contacts_frame(raw, P.queue_names, pool.channel_names, pool.agent_ids,
                               P.origin, targets)
    by_interval, by_queue, by_channel, ag, summ = _stats.all_stats(
        cf, raw, P.queue_names, P.queue_channel, pool.channel_names, pool.agent_ids,
        P.origin, kw["interval_minutes"])
    wall = time.perf_counter() - t0
    summ["wall_time_seconds"] = wall
    return SimulationResult(
        summary=summ, by_interval=by_interval, by_queue=by_queue, by_channel=by_channel,
        agents=ag, contacts=cf if keep_contacts else None, dropped=dict(P.dropped),
        issues=dict(P.issues), policy=str(getattr(policy, "name", type(policy).__name__)),
        seed=seed, wall_time_seconds=wall,
    )


def _check_policy(policy: Any) -> Any:
    if policy is None:
        return LongestIdleAgent()
    if isinstance(policy, type):
        raise TypeError(f"policy={policy.__name__} is a class; pass an instance, e.g. "
                        f"policy={policy.__name__}().")
    if not callable(getattr(policy, "choose", None)):
        raise TypeError(f"policy must have a choose(contact, pool, now) method (see "
                        f"routing_ml.routing.base.RoutingPolicy), got {type(policy).__name__}.")
    return policy


def _patience(patience_seconds: Any, deprecated: Mapping[str, Any]) -> Any:
    """``patience_seconds``, or the value of its former name ``patience`` (with a
    DeprecationWarning); both at once, or another unknown keyword, is a TypeError."""
    unknown = sorted(set(deprecated) - {"patience"})
    if unknown:
        raise TypeError(f"simulate() got unexpected keyword arguments {unknown}.")
    if "patience" not in deprecated:
        return patience_seconds
    if patience_seconds is not None:
        raise TypeError("pass patience_seconds only: patience is its former name.")
    import warnings

    warnings.warn("simulate(patience=...) is now patience_seconds=... (the same value, in "
                  "seconds); patience will be removed.", DeprecationWarning, stacklevel=3)
    return deprecated["patience"]


def _kwargs(**kw: Any) -> dict[str, Any]:
    for name in ("origin", "until"):
        value = kw.get(name)
        kw[name] = None if value is None else as_timestamp(value, name, example="2024-01-22 08:00")
    return kw


# --------------------------------------------------------------------------- simulate
def simulate(
    arrivals: pd.DataFrame,
    agents: pd.DataFrame | AgentPool | None = None,
    schedule: pd.DataFrame | None = None,
    *,
    policy: Any = None,
    outcomes: Any = None,
    aht_seconds: float | Mapping[str, float] = 300.0,
    patience_seconds: float | Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    answer_seconds: float | Mapping[str, float] = 20.0,
    interval_minutes: int | None = None,
    chat_slowdown: float = 0.25,
    repeats: bool = True,
    reevaluate_seconds: float = 5.0,
    batch_seconds: float = 2.0,
    outside_hours: str = "auto",
    forecast_scale: float = 1.0,
    origin: str | pd.Timestamp | None = None,
    until: str | pd.Timestamp | None = None,
    shrinkage: float = 0.0,
    breaks: pd.DataFrame | None = None,
    seed: int = 0,
    keep_contacts: bool = True,
    **deprecated: Any,
) -> SimulationResult:
    """Simulate a contact center with a routing policy; event-driven, one heap of events.

    Parameters
    ----------
    arrivals : either a contacts log (one row per contact: ``ts``, ``channel``, ``skill``
        or ``queue`` ``"channel:skill"``; optional ``contact_id``, ``intent``,
        ``language``, ``priority``, ``customer_id``, ``patience_seconds``,
        ``deadline_seconds``, ``handle_seconds``, ``resolved``, ``agent_id`` (who served
        it, for replay), ``is_repeat``) replayed as given, or a forecast / volumes frame
        (``unique_id`` = queue, ``ds``, ``yhat`` or ``y``) from which Poisson arrivals
        are drawn with the seed, uniform within each of the forecast's intervals (their
        length is read from ``ds``: each queue's smallest step, the same for every queue;
        a forecast with one timestamp per queue: ``interval_minutes`` long, else 30
        minutes with a warning).
    agents : agents frame (``agent_id``, ``skills``, ``languages``, ``channels``,
        ``max_concurrency``) or an :class:`~routing_ml.routing.base.AgentPool`. None:
        derived from ``schedule`` (every agent takes every queue, or the queues of its
        ``queue`` column; a requirements frame ``unique_id, ds, agents`` becomes
        dedicated agents per queue, each row staffing the requirements' own interval,
        read from their ``ds`` as for a forecast).
    schedule : shifts ``agent_id``, ``start``, ``end`` (an agent is logged in during
        its shifts, finishes the contact in hand after its shift ends). None: every agent
        is logged in from the first arrival to the end of the run (so occupancy is
        measured over the day's activity, not from midnight, and the drain after the
        last arrival counts as idle: 0.923 instead of 0.95 for 200 agents over 10 h in
        one check; give a schedule for occupancy over the shifts).
    policy : a :class:`~routing_ml.routing.base.RoutingPolicy` (default
        ``LongestIdleAgent()``). Optional hooks (see ``routing.base``):
        ``choose_contact(agent, waiting, pool, now) -> index`` (−1: none) picks which
        waiting contact a freed agent takes (it is offered the head of each queue it
        qualifies for); ``assign_batch(contacts, pool, now) -> list[Decision]`` is called
        at batch epochs (``batch_seconds``) with every waiting contact. A decision with
        ``retry_after_seconds`` (holdout, bullseye step) is asked again after that delay.
    outcomes : where handle times and resolutions come from: None (``handle_seconds``
        of the log if present, else exponential with ``aht_seconds``), a synthetic
        ``GroundTruth``, or an outcome model of :mod:`routing_ml.simulation.outcomes`.
    aht_seconds : mean handle time (number, or mapping queue/channel → seconds) for the
        exponential model. For chat and messaging, the time of a session handled alone:
        ``chat_slowdown`` lengthens it with the agent's other sessions. A chat AHT
        measured at the usual concurrency (what :func:`routing_ml.queueing
        .chat_required_agents` and ``routing-ml staff`` take) already holds that
        slowdown: simulate it with ``chat_slowdown=0``, or a plan staffed for 80 % shows
        far less (8 % in one check: 600 s became 895 s).
    patience_seconds : for contacts without their own ``patience_seconds``: None (never
        abandon), mean of an exponential in seconds (number or mapping queue/channel →
        seconds), or an array of observed patience seconds (empirical). Only real-time
        channels abandon. (``patience=`` is its former name, still read with a
        DeprecationWarning.)
    answer_seconds : answer time of the service level (number for real-time channels, or
        mapping channel → seconds); email/web use the contact's ``deadline_seconds``,
        else 24 h.
    interval_minutes : length of the statistics intervals (``by_interval``, aligned on
        midnight), in minutes. None (default): the forecast's own step (the smallest
        step of ``ds`` within a queue), else a requirements schedule's, else 30. It does
        not change how forecast arrivals are spread or how long a requirements row
        staffs (both read from their frames), except for a frame with one timestamp per
        queue.
    chat_slowdown : relative slowdown of a chat/messaging session per other session the
        agent holds when it starts (0.25 → +25 % per extra session); 0 when
        ``aht_seconds`` was measured at concurrency (see ``aht_seconds``).
    repeats : simulate repeat contacts of unresolved contacts (probability and delay from
        the outcome model). When the outcome model generates repeats
        (``repeat_probability`` > 0), a replayed log's own repeats (``is_repeat``) are
        left out (``dropped['logged_repeats_replaced_by_simulated_repeats']``);
        otherwise they are replayed (``issues['logged_repeats_replayed']``). A simulated
        repeat of a real-time queue that falls outside the queue's opening hours calls
        when the queue next opens (``summary['repeats_moved_to_opening']``); after its
        last opening it is not an arrival of the run (``repeats_after_horizon``).
    reevaluate_seconds : default delay before asking a policy again about a contact it
        held back.
    batch_seconds : for a policy with an ``assign_batch`` hook: period of the batch
        epochs (a decision waits for the next multiple of it). 0 = never batch (``choose``
        per contact).
    outside_hours : real-time contacts arriving when no agent of their queue is on shift:
        ``"drop"`` (counted in ``dropped['outside_opening_hours']``), ``"keep"`` (they
        wait and may abandon; counted in ``issues``) or ``"raise"``. ``"auto"`` (default):
        ``"keep"`` for arrivals drawn from a forecast (a forecast with volume where nobody
        is rostered is a staffing gap, and its calls count as unanswered in time), and
        ``"drop"`` for a contacts log (a log's after-hours records, e.g. IVR-only calls,
        were never for an agent). Email/web always wait for the next shift.
    forecast_scale : multiply forecast counts (load scenarios).
    origin : time zero of the clock (default: midnight of the first arrival or shift).
        Shifts that end at or before it are left out
        (``issues['shifts_ending_before_origin']``); shifts that start before it start
        at it.
    until : stop the clock here (default: one day after the last arrival or shift end);
        contacts in service then count as answered, those in queue as waiting; contacts
        of the log that arrive after it are not arrivals of the run
        (``dropped['after_until']``). Must not be before ``origin``.
    shrinkage : share of the scheduled time agents are logged out beyond the shifts and
        breaks given (absence, training, meetings: the part of the staffing shrinkage the
        schedule does not model; 0 by default). Each shift is cut at the statistics
        intervals (``interval_minutes``, from midnight) and each piece is left out with
        this probability, drawn per replication from ``seed`` on a stream of its own (the
        arrivals and outcomes stay the same). Needs a schedule.
    breaks : one row per break of the roster (``agent_id``, ``start``, ``end``, e.g. the
        ``<out>_breaks.csv`` of ``routing-ml schedule``): the agent is logged out during
        it (finishing the contact in hand). The shifts as rostered stay the opening
        hours: a call during a lunch break waits, it is not outside opening hours.
    seed : every random draw derives from it; same seed → same result.
    keep_contacts : keep the per-contact frame in the result.

    Returns
    -------
    SimulationResult

    Raises
    ------
    FrameError
        Missing columns, unparsable or time-zone-aware timestamps, unknown channels,
        shifts that end before they start or name unknown agents, arrivals outside
        opening hours with ``outside_hours="raise"``, a forecast or requirements frame
        whose queues have different interval lengths.
    ValueError
        Bad parameters (negative times, unknown ``outside_hours``, ``until`` before
        ``origin``, ...), an agent whose ``skills`` is not a mapping.

    Notes
    -----
    Bad input, defined: contacts with missing/unparsable ``ts``, negative
    ``patience_seconds`` (or an email's negative ``deadline_seconds``), before ``origin``
    or after ``until`` are dropped and counted in ``dropped``; queues that no scheduled
    agent can serve are simulated (their contacts wait or abandon) and listed in
    ``issues['queues_without_agents']`` with a warning. When logged handle times are
    replayed (:class:`~routing_ml.simulation.outcomes.LoggedOutcomes`), contacts without a
    usable one get the median logged time, counted in
    ``issues['handle_seconds_imputed']`` by cause (``abandoned_in_log``: missing and
    ``observed_abandoned``; ``missing``; ``not_a_number``: text or +inf; ``negative``: a
    real arrival whose logged time is wrong, kept so the load is not understated) with
    the ``imputed_seconds``. Conservation holds for every run: arrivals = answered +
    abandoned + waiting.

    Events at the same time are handled in the order: end of service, log-out, log-in,
    arrival (a contact arriving when a shift ends is not taken by that agent); two
    services ending at the same instant end in the order they started. Ties between
    agents (the same idle time, e.g. at the start of a shift) are broken by their row in
    ``agents``: the same agents in another row order are another sample path, as valid,
    with the same seed; sort the agents frame (e.g. by ``agent_id``) to compare runs
    built from differently ordered files.

    Examples
    --------
    >>> import pandas as pd
    >>> forecast = pd.DataFrame({"unique_id": "voice:padron",
    ...     "ds": pd.date_range("2024-03-04 09:00", periods=4, freq="30min"),
    ...     "yhat": [20.0, 30.0, 30.0, 20.0]})
    >>> shifts = pd.DataFrame({"agent_id": ["A1", "A2", "A3", "A4"],
    ...     "start": pd.Timestamp("2024-03-04 09:00"),
    ...     "end": pd.Timestamp("2024-03-04 11:00")})
    >>> res = simulate(forecast, schedule=shifts, aht_seconds=240, patience_seconds=120, seed=1)
    >>> res.conservation_holds()
    True
    >>> sorted(res.by_interval["unique_id"].unique())
    ['all', 'voice:padron']
    """
    kw = _kwargs(outcomes=outcomes, aht_seconds=aht_seconds,
                 patience=_patience(patience_seconds, deprecated),
                 answer_seconds=answer_seconds, interval_minutes=interval_minutes,
                 chat_slowdown=chat_slowdown, repeats=repeats,
                 reevaluate_seconds=reevaluate_seconds, batch_seconds=batch_seconds,
                 outside_hours=outside_hours,
                 forecast_scale=forecast_scale,
                 origin=origin, until=until, shrinkage=shrinkage, breaks=breaks)
    _stats.answer_targets(answer_seconds)
    _inputs.check_seed(seed)
    policy = _check_policy(policy)
    st = _setup(arrivals, agents, schedule, kw)
    P, draws = _prepare(st, int(seed))
    return _run_one(st, P, draws, policy, seed, keep_contacts=keep_contacts)


# --------------------------------------------------------------------------- compare
def _replication(args: tuple) -> tuple[list[dict], list[pd.DataFrame], dict, dict]:
    st, policies, r, seed_r = args
    P, draws = _prepare(st, seed_r)
    rows, intervals = [], []
    for name, pol in policies.items():
        res = _run_one(st, P, draws, pol, seed_r, keep_contacts=False)
        rows.append({"policy": name, "replication": r, "seed": seed_r, **res.summary})
        rows[-1].update({f"dropped_{k}": float(v) for k, v in P.dropped.items()})
        bi = res.by_interval
        # the real-time channels together ("all") and each real-time queue
        rt = bi["unique_id"].eq("all") | bi["channel"].isin(_inputs.REALTIME_CHANNELS)
        iv = bi.loc[rt, ["unique_id", "ds", "arrivals", "service_level"]].assign(
            policy=name, replication=r)
        intervals.append(iv)
    return rows, intervals, dict(P.dropped), dict(P.issues)


def _t_ci(x: np.ndarray) -> tuple[float, float, float, float]:
    from scipy import stats as sps

    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    if np.isinf(x).any():  # e.g. occupancy max/min with an idle agent: no finite mean
        signs = np.unique(np.sign(x[np.isinf(x)]))
        return (float(signs[0]) * math.inf if len(signs) == 1 else np.nan), np.nan, np.nan, np.nan
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan
    m = float(x.mean())
    if n < 2:
        return m, np.nan, np.nan, np.nan
    sd = float(x.std(ddof=1))
    h = float(sps.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return m, sd, m - h, m + h


def compare_policies(
    policies: Mapping[str, Any] | Sequence[Any],
    arrivals: pd.DataFrame,
    agents: pd.DataFrame | AgentPool | None = None,
    schedule: pd.DataFrame | None = None,
    *,
    n_replications: int = 10,
    baseline: str | None = None,
    seed: int = 0,
    n_jobs: int = 1,
    **simulate_kwargs: Any,
) -> ComparisonResult:
    """Run every policy on the same ``n_replications`` random worlds and compare them.

    Common random numbers: replication ``r`` draws its arrivals (from a forecast),
    patience and each contact's handle-time and resolution draws from one seed; every
    policy sees exactly those contacts and draws (a contact served by the same agent gets
    the same outcome under every policy), so the paired differences have far less noise
    than independent runs.

    Parameters
    ----------
    policies : mapping name → policy, or a sequence (named by their ``name``).
    arrivals, agents, schedule : as in :func:`simulate`; ``arrivals`` may also be a
        callable ``seed -> contacts frame`` (a scenario: e.g. a resampled or scaled day),
        called once per replication (and once with seed 0 to set up the pool).
    n_replications : replications per policy (>= 2 for confidence intervals: with 1,
        every ``ci_low`` / ``ci_high`` is NaN, with a warning).
    baseline : name of the policy the others are compared with (default: the first).
    seed : master seed; replication ``r`` uses a seed derived from (seed, r).
    n_jobs : worker processes for the replications (1 = in this process; -1 = all
        cores), capped at the number of cores. Policies and a scenario function must be
        picklable when n_jobs != 1 (a TypeError says so before any process starts).
    **simulate_kwargs : the keyword arguments of :func:`simulate` (``outcomes``,
        ``patience_seconds``, ``answer_seconds``, ...).

    Returns
    -------
    ComparisonResult

    Raises
    ------
    ValueError
        Empty or duplicate policy names, unknown ``baseline``, ``n_replications`` < 1.
    """
    t0 = time.perf_counter()
    if isinstance(policies, Mapping):
        pols = {str(k): _check_policy(v) for k, v in policies.items()}
    else:
        pols = {}
        for p in policies:
            p = _check_policy(p)
            name = str(getattr(p, "name", type(p).__name__))
            if name in pols:
                raise ValueError(f"two policies are named {name!r}; pass a mapping "
                                 f"{{name: policy}} with distinct names.")
            pols[name] = p
    if not pols:
        raise ValueError("policies is empty: pass at least one policy.")
    if baseline is None:
        baseline = next(iter(pols))
    if baseline not in pols:
        raise ValueError(f"baseline {baseline!r} is not among the policies {list(pols)}.")
    if isinstance(n_replications, bool) or not isinstance(n_replications, numbers.Integral) \
            or n_replications < 1:
        raise ValueError(f"n_replications must be an int >= 1, got {n_replications!r}.")
    n_replications = int(n_replications)
    if n_replications == 1:
        warnings.warn("n_replications=1: the confidence intervals need 2 or more "
                      "replications, so every ci_low / ci_high is NaN.", UserWarning,
                      stacklevel=2)
    if "patience" in simulate_kwargs:
        simulate_kwargs["patience_seconds"] = _patience(simulate_kwargs.get("patience_seconds"),
                                                        {"patience": simulate_kwargs.pop("patience")})
    unknown = set(simulate_kwargs) - {
        "outcomes", "aht_seconds", "patience_seconds", "answer_seconds", "interval_minutes",
        "chat_slowdown", "repeats", "reevaluate_seconds", "batch_seconds", "outside_hours",
        "forecast_scale", "origin", "until", "shrinkage", "breaks"}
    if unknown:
        raise TypeError(f"compare_policies got unknown keyword arguments {sorted(unknown)}.")
    defaults = {"outcomes": None, "aht_seconds": 300.0, "patience_seconds": None,
                "answer_seconds": 20.0, "interval_minutes": None, "chat_slowdown": 0.25,
                "repeats": True, "reevaluate_seconds": 5.0, "batch_seconds": 2.0,
                "outside_hours": "auto",
                "forecast_scale": 1.0, "origin": None, "until": None, "shrinkage": 0.0,
                "breaks": None}
    kw = _kwargs(**{**defaults, **simulate_kwargs})
    kw["patience"] = kw.pop("patience_seconds")
    _stats.answer_targets(kw["answer_seconds"])
    _inputs.check_seed(seed)
    st = _setup(arrivals, agents, schedule, kw)
    seeds = [int(np.random.SeedSequence([int(seed), r]).generate_state(1)[0])
             for r in range(n_replications)]
    tasks = [(st, pols, r, s) for r, s in enumerate(seeds)]
    import os

    cores = os.cpu_count() or 1
    # more processes than cores only adds start-up time (13 processes on 2 cores: 3.5x
    # slower than serial)
    n_jobs = cores if n_jobs == -1 else min(int(n_jobs), cores)
    if n_jobs > 1 and n_replications > 1:
        import pickle
        from concurrent.futures import ProcessPoolExecutor

        try:  # the user's pieces the processes get: a scenario callable and the policies
            pickle.dumps((st.scenario, pols))
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise TypeError(
                f"compare_policies(n_jobs={n_jobs}) sends the arrivals (a scenario function "
                f"too) and the policies to other processes, and one of them cannot be "
                f"pickled ({exc}). Fix: define the scenario function and the policies' "
                f"classes at module level (not a lambda or a local function), or pass "
                f"n_jobs=1.") from exc
        with ProcessPoolExecutor(max_workers=min(n_jobs, n_replications)) as ex:
            outs = list(ex.map(_replication, tasks))
    else:
        outs = [_replication(t) for t in tasks]
    rows = [row for o in outs for row in o[0]]
    reps = pd.DataFrame(rows)
    dropped_cols = sorted(c for c in reps.columns if c.startswith("dropped_"))
    reps[dropped_cols] = reps[dropped_cols].fillna(0.0)  # a reason absent from a replication
    # the statistics of the runs; their wall time (how long a process took) is not one
    metrics = [c for c in reps.columns if c not in ("policy", "replication", "seed", "wall_time_seconds")]
    srows, drows = [], []
    for name in pols:
        sub = reps.loc[reps["policy"] == name].sort_values("replication")
        for m in metrics:
            x = sub[m].to_numpy(float)
            mean, sd, lo, hi = _t_ci(x)
            if np.isfinite(lo) and (x[np.isfinite(x)] >= 0).all():
                lo = max(lo, 0.0)  # a non-negative metric (ASA, counts): no interval below 0
            if m in _PROPORTIONS and np.isfinite(hi):
                hi = min(hi, 1.0)  # a share: no interval above 1
            srows.append({"policy": name, "metric": m, "mean": mean, "std": sd,
                          "ci_low": lo, "ci_high": hi, "n": int(sub[m].notna().sum())})
    base = reps.loc[reps["policy"] == baseline].set_index("replication")
    for name in pols:
        if name == baseline:
            continue
        sub = reps.loc[reps["policy"] == name].set_index("replication")
        for m in metrics:
            d = (sub[m] - base[m]).to_numpy(float)
            mean, sd, lo, hi = _t_ci(d)
            # relative to the baseline over the same replications as the difference (a
            # metric NaN in some, e.g. ASA with nothing answered)
            paired = ~np.isnan(d)
            bm = float(base[m].to_numpy(float)[paired].mean()) if paired.any() else np.nan
            drows.append({"policy": name, "baseline": baseline, "metric": m,
                          "mean_difference": mean, "ci_low": lo, "ci_high": hi,
                          "relative_difference": mean / bm if bm else np.nan,
                          "n": int((~np.isnan(d)).sum())})
    iv = pd.concat([x for o in outs for x in o[1]], ignore_index=True)
    band = []
    for (name, queue, ds), g in iv.groupby(["policy", "unique_id", "ds"], sort=True):
        mean, sd, lo, hi = _t_ci(g["service_level"].to_numpy(float))
        lo, hi = max(lo, 0.0), min(hi, 1.0)  # NaN stays NaN (one replication)
        x = g["service_level"].to_numpy(float)
        x = x[np.isfinite(x)]
        band.append({"policy": name, "unique_id": queue, "ds": ds,
                     # replications without arrivals in the interval have no row: they count 0
                     "arrivals": float(g["arrivals"].sum()) / n_replications,
                     "service_level": mean, "ci_low": lo, "ci_high": hi,
                     "p05": float(np.quantile(x, 0.05)) if len(x) else np.nan,
                     "p95": float(np.quantile(x, 0.95)) if len(x) else np.nan})
    return ComparisonResult(
        replications=reps, summary=pd.DataFrame(srows), differences=pd.DataFrame(drows),
        by_interval=pd.DataFrame(band, columns=list(_BAND_COLUMNS)), issues=outs[0][3],
        dropped={k.removeprefix("dropped_"): int(reps.loc[reps["policy"] == baseline, k].sum())
                 for k in dropped_cols},
        wall_time_seconds=time.perf_counter() - t0,
    )

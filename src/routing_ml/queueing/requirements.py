"""From a forecast frame to a requirements frame: agents per queue and interval."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from routing_ml.queueing._validate import (
    MIN_PLAUSIBLE_AHT_SECONDS_TEXT,
    InfeasibleTargetError,
    QueueingInputError,
    as_array,
    interval_minutes_array,
    warn_short_aht,
)
from routing_ml.queueing.channels import _ceil_tol, _deferred_backlog, _deferred_level
from routing_ml.queueing.erlang import _erlang_a_metrics, _erlang_c_metrics
from routing_ml.queueing.staffing import StaffingTarget, _gross_up, _minimum_agents

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

__all__ = ["read_staffing_targets", "staffing_requirements"]

DEFAULT_KEY = "*"


def staffing_requirements(
    forecast_frame: pd.DataFrame,
    target: StaffingTarget | Mapping[str, StaffingTarget] | None = None,
    *,
    aht_seconds: float | str | Mapping[str, float] | None = None,
    interval_minutes: float | None = None,
    volume_col: str = "yhat",
) -> pd.DataFrame:
    """Agents per queue and interval for a forecast, with the service they achieve.

    Voice queues use Erlang C (Erlang A when the target has ``patience_seconds``); chat and
    messaging use the concurrency model of :func:`chat_required_agents`; email and web use
    the deferrable-work model of :func:`deferred_required_agents` (one level per queue over
    the frame's horizon, worked during ``target.working_hours``). Every queue is computed
    in one vectorised call per distinct target, not per interval.

    Parameters
    ----------
    forecast_frame : long frame with ``unique_id``, ``ds`` and ``volume_col`` (contacts per
        interval, >= 0); optionally an ``aht_seconds`` column.
    target : one :class:`StaffingTarget` for every queue, or a mapping queue -> target
        (the key ``"*"`` gives the default for queues not listed). Default
        ``StaffingTarget()`` (80% in 20 s, Erlang C, no shrinkage).
    aht_seconds : handle time in seconds: a number, the name of a column of the frame, or a
        mapping queue -> seconds (the key ``"*"`` gives the default for queues not listed).
        Default: the frame's ``aht_seconds`` column (NaN or 0 allowed where the volume is
        0). A voice / chat handle time below 10 s on a row with
        contacts gives a UserWarning (minutes typed as seconds?); it is still used.
    interval_minutes : interval length in minutes. Default: inferred from the most common
        step of ``ds``, with a UserWarning saying what was inferred (a forecast's
        ``attrs["freq"]`` is not read: pandas keeps it through an aggregation that
        changes the interval).
    volume_col : the column holding the volumes (``yhat`` for forecasts, ``y`` for
        actuals).

    Returns
    -------
    DataFrame
        One row per input row, sorted by ``unique_id``, ``ds``, with columns
        ``unique_id``, ``ds``, ``agents`` (scheduled, after shrinkage, int64),
        ``net_agents`` (on the phones / working items), ``service_level``,
        ``asa_seconds``, ``occupancy`` and, when any queue has a patience,
        ``abandon_rate`` — these four are those of the ``net_agents`` on the phones
        (``agents`` less shrinkage), not of the scheduled ``agents``. For email / web ``service_level`` is 1.0 (every item answered
        within the deadline by construction) and ``asa_seconds`` is NaN. Email / web
        items due after the horizon end may be carried over: answered within their
        deadline in the next working hours at the same level (see
        :mod:`routing_ml.queueing.channels`); ``result.attrs["deferred_backlog"]`` maps
        each email / web queue to the work still open at the horizon end
        (``{"items", "work_hours", "horizon_end"}``), to be planned with the next horizon.
        The level assumes the days after the horizon repeat its arrivals (steady state),
        so the carried work fits beside theirs; for a frame that ends before a different
        period (a quiet Sunday before a busy Monday), forecast a day more and keep the rows
        you plan.

    Raises
    ------
    FrameError
        Missing columns, bad timestamps, NaN / negative volumes, duplicated keys.
    QueueingInputError
        A bad AHT (missing queue in the mapping, missing column, <= 0), a queue with no
        target, or a bad interval length.
    InfeasibleTargetError
        A target no finite staffing meets.
    """
    import pandas as pd

    from routing_ml.frames import (
        AGENTS,
        AHT,
        FORECAST,
        ID,
        TIME,
        caller_ids,
        integer_id_dtype,
        validate_forecast,
    )

    frame = forecast_frame
    if volume_col != FORECAST:
        if not isinstance(frame, pd.DataFrame) or volume_col not in frame.columns:
            from routing_ml.frames import require_columns

            require_columns(frame, (ID, TIME, volume_col), frame="forecast frame")
        frame = frame.drop(columns=[FORECAST], errors="ignore").rename(
            columns={volume_col: FORECAST}
        )
    df = validate_forecast(frame)  # sorted by unique_id, ds; ids as text
    id_dtype = integer_id_dtype(frame) if isinstance(frame, pd.DataFrame) and ID in frame else None
    queues = df[ID].to_numpy()
    volume = df[FORECAST].to_numpy(dtype=float)

    # ---- handle time
    if aht_seconds is None:
        if AHT not in df.columns:
            raise QueueingInputError(
                f"aht_seconds is needed: pass a number, a column name or a mapping queue -> "
                f"seconds, or add an '{AHT}' column to the forecast frame."
            )
        aht_seconds = AHT
    if isinstance(aht_seconds, str):
        if aht_seconds not in df.columns:
            raise QueueingInputError(
                f"aht_seconds={aht_seconds!r} is not a column of the forecast frame "
                f"(columns: {list(df.columns)})."
            )
        raw = pd.to_numeric(df[aht_seconds], errors="coerce").to_numpy(dtype=float)
        # no contacts, no handle time: a NaN or 0 AHT is fine where the volume is 0
        # (agents = 0; actuals often store 0 for an empty interval)
        raw = np.where((np.isnan(raw) | (raw == 0)) & (volume == 0), 1.0, raw)
        if np.isnan(raw).any():
            bad = df.loc[np.isnan(raw), [ID, TIME, FORECAST]].head(5).rename(
                columns={FORECAST: volume_col})
            raise QueueingInputError(
                f"aht_seconds column '{aht_seconds}' is NaN in {int(np.isnan(raw).sum())} rows "
                f"with contacts, e.g.\n{bad.to_string()}\nFix: fill them (e.g. with the "
                f"queue's mean handle time) or pass aht_seconds=<seconds>."
            )
        aht = as_array(f"aht_seconds column '{aht_seconds}'", raw, low=0.0,
                       low_inclusive=False, fix="Fix: handle times are seconds > 0.")
    elif isinstance(aht_seconds, Mapping):
        # queue ids are strings after validation: key 1 names queue '1'
        aht_seconds = {str(k): v for k, v in aht_seconds.items()}
        if DEFAULT_KEY in aht_seconds:
            fill = aht_seconds.pop(DEFAULT_KEY)
            aht_seconds = {**{str(q): fill for q in np.unique(queues)}, **aht_seconds}
        missing = sorted(set(queues) - set(aht_seconds))
        if missing:
            raise QueueingInputError(
                f"aht_seconds mapping has no value for queues {missing[:10]}. Fix: add them, "
                f"or a default under the key '{DEFAULT_KEY}'."
            )
        mapped = df[ID].map(aht_seconds)
        numbers = pd.to_numeric(mapped, errors="coerce")
        if numbers.isna().any():
            q = str(df[ID][numbers.isna()].iloc[0])
            raise QueueingInputError(
                f"aht_seconds mapping: queue {q!r} has {aht_seconds[q]!r}, not a number of "
                f"seconds. Fix: e.g. {{{q!r}: 300}}.")
        aht = as_array("aht_seconds", numbers.to_numpy(dtype=float),
                       low=0.0, low_inclusive=False, fix="Fix: handle times are seconds > 0.")
    elif np.ndim(aht_seconds) > 0:
        # the frame is re-sorted by unique_id, ds: values in the caller's row order would
        # land on other rows (another queue's handle time)
        raise QueueingInputError(
            f"aht_seconds must be one number, a column name or a mapping queue -> seconds; "
            f"got {type(aht_seconds).__name__} of {np.size(aht_seconds)} values. Fix: put "
            f"them in a column of the forecast frame and pass its name, e.g. "
            f"forecast['aht_seconds'] = values; aht_seconds='aht_seconds'.")
    else:
        aht = np.broadcast_to(
            as_array("aht_seconds", aht_seconds, low=0.0, low_inclusive=False,
                     fix="Fix: the mean handle time in seconds, > 0."), volume.shape
        ).astype(float)

    # ---- interval length
    if interval_minutes is None:
        interval_minutes = _infer_interval_minutes(df)
        warnings.warn(
            f"interval_minutes not given; inferred {interval_minutes:g} minutes from the most "
            f"common step of '{TIME}'. Pass interval_minutes= to silence this.",
            UserWarning, stacklevel=2,
        )
    interval = float(interval_minutes_array(interval_minutes))
    _check_step(df, interval)

    # ---- targets per queue
    targets = _targets_by_queue(target, np.unique(queues))
    n_rows = len(df)
    net = np.zeros(n_rows)
    gross = np.zeros(n_rows)
    sl = np.ones(n_rows)
    asa = np.zeros(n_rows)
    occ = np.zeros(n_rows)
    abandon = np.full(n_rows, np.nan)
    backlog: dict[str, dict[str, Any]] = {}
    by_target: dict[StaffingTarget, list[str]] = {}
    for q, t in targets.items():
        by_target.setdefault(t, []).append(q)
    voice = np.isin(queues, [q for q, t in targets.items() if t.channel == "voice"])
    from_column = isinstance(aht_seconds, str)
    name = str(aht_seconds) if from_column else "aht_seconds"
    busy = volume > 0
    warn_short_aht(aht[voice & busy], name, column=from_column)
    # a chat session or an e-mail takes minutes: under 30 s, minutes typed as seconds
    warn_short_aht(aht[~voice & busy], name, column=from_column,
                   minimum=MIN_PLAUSIBLE_AHT_SECONDS_TEXT,
                   what="a chat session, e-mail or web form")
    for tgt, qs in by_target.items():
        rows = np.flatnonzero(np.isin(queues, qs))
        if tgt.deferrable:
            _deferred_rows(df, rows, tgt, volume, aht, interval, net, gross, sl, asa, occ,
                           backlog)
            continue
        a = volume[rows] * aht[rows] / (60.0 * interval)
        size = rows.size
        patience = np.full(size, np.inf if tgt.patience_seconds is None
                           else float(tgt.patience_seconds))
        t_ans = np.full(size, float(tgt.answer_seconds))
        slots = _minimum_agents(
            a, aht[rows], np.full(size, float(tgt.service_level)), t_ans,
            np.full(size, 1.0 if tgt.max_occupancy is None else float(tgt.max_occupancy)),
            patience,
            None if tgt.max_asa_seconds is None else np.full(size, float(tgt.max_asa_seconds)),
            None if tgt.max_abandon_rate is None else np.full(size, float(tgt.max_abandon_rate)),
        )
        k = float(tgt.concurrency)
        agents_net = np.ceil(slots / k)
        servers = agents_net * k
        if tgt.patience_seconds is None:
            _, s, w, o = _erlang_c_metrics(a, servers, aht[rows], t_ans)
        else:
            _, ab, s, w, o = _erlang_a_metrics(a, servers, aht[rows], patience, t_ans)
            abandon[rows] = ab
        net[rows] = agents_net
        gross[rows] = _gross_up(agents_net, np.full(size, float(tgt.shrinkage)), False)
        sl[rows], asa[rows], occ[rows] = s, w, o

    result = pd.DataFrame({
        ID: df[ID].to_numpy(), TIME: df[TIME].to_numpy(),
        AGENTS: gross.astype(np.int64), "net_agents": net.astype(np.int64),
        "service_level": sl, "asa_seconds": asa, "occupancy": occ,
    })
    if any(t.patience_seconds is not None for t in targets.values()):
        result["abandon_rate"] = abandon
    if backlog:
        result.attrs["deferred_backlog"] = backlog
        for q, b in backlog.items():
            if b["items"] > 0:
                logger.info("queue %s: %.1f items (%.2f work hours) carried past the "
                            "horizon end %s", q, b["items"], b["work_hours"], b["horizon_end"])
    logger.info("staffing_requirements: %d rows, %d queues, %d distinct targets",
                n_rows, len(targets), len(by_target))
    if id_dtype is not None:  # integer ids back as the caller gave them, in their order
        attrs = result.attrs
        result = caller_ids(result, id_dtype).sort_values([ID, TIME], kind="stable",
                                                          ignore_index=True)
        result.attrs = attrs
    return result


def _deferred_rows(df: Any, rows: np.ndarray, tgt: StaffingTarget, volume: np.ndarray,
                   aht: np.ndarray, interval: float, net: np.ndarray, gross: np.ndarray,
                   sl: np.ndarray, asa: np.ndarray, occ: np.ndarray,
                   backlog: dict[str, dict[str, Any]]) -> None:
    """Deferrable work: one level per queue over its horizon (rows are time-sorted).

    The calendar continues past the queue's last row at the same working hours (without
    them, at the clock times the frame has rows for; see :func:`_continued_calendar`),
    and the horizon (padded to whole days) repeats its arrivals there (steady state),
    closed where the horizon is: items due after the horizon end are answered within
    their deadline, in the horizon's working time or the next working hours, at the same
    level, beside the next days' own items; the work still open at the end goes to
    ``backlog[queue]`` (``items``, ``work_hours``, ``horizon_end``). ``occupancy`` is the
    work done inside the horizon over its capacity.
    """
    from routing_ml.frames import ID, TIME

    ids = df[ID].to_numpy()[rows]
    ds = df[TIME].to_numpy()[rows]
    assert tgt.deadline_hours is not None
    step = np.timedelta64(int(round(interval * 60)), "s")
    for q in np.unique(ids):  # one pass per queue (not per interval)
        sel = rows[ids == q]
        t = ds[ids == q]
        # place the rows on a regular grid; absent intervals have no arrivals, no work
        offset = (t - t[0]) % step
        if (offset != np.timedelta64(0, "s")).any():
            bad = t[offset != np.timedelta64(0, "s")][:5]
            raise QueueingInputError(
                f"queue '{q}': timestamps {[str(b) for b in bad]} are off the "
                f"{interval:g}-minute grid that starts at {t[0]}; deferred work is placed "
                f"interval by interval. Fix: floor them, e.g. "
                f"df['ds'] = df['ds'].dt.floor('{interval:g}min'), and sum duplicates."
            )
        pos = ((t - t[0]) / step).astype(np.int64)
        grid = np.zeros(pos[-1] + 1)
        grid[pos] = volume[sel] * aht[sel]
        working = np.zeros(pos[-1] + 1, dtype=bool)
        working[pos] = _within_hours(t, tgt.working_hours)
        # steady state: the horizon, padded to whole days, is followed by its own arrivals
        # again (the next days bring their items too), so the work carried over is work
        # the next days can absorb; a forecast one day long staffed for a day's volume
        # (not for the day with the next day free)
        n = pos[-1] + 1
        per_day = 1440.0 / interval
        period = n
        work_all, working_all = grid, working
        n_after = int(np.ceil(tgt.deadline_hours * 60.0 / interval)) + 1
        if per_day.is_integer():
            days_n = int(np.ceil(n / per_day))
            # a frame of a week or more, or a working week (5-6 days, only Saturday and /
            # or Sunday without rows), repeats by whole weeks: the weekdays it has no row
            # on (a closed weekend) stay closed, and Friday's items wait for Monday
            # (repeated by days, Saturday was worked as the next Monday). A shorter span
            # of other days (Wednesday to Sunday) says nothing of the days it leaves out:
            # repeated by days
            row_days = np.unique(_weekday(t))
            missing = set(range(7)) - {int(x) for x in row_days}
            weekly = days_n >= 7 or (days_n >= 5 and missing <= {5, 6})
            period = int((int(np.ceil(days_n / 7)) * 7 if weekly else days_n) * per_day)
            padded = np.zeros(period)
            padded[:n] = grid
            work_all = np.concatenate((padded, padded))
            k = np.arange(2 * period + n_after)
            open_k = _continued_calendar(t[0], pos, working, period, int(per_day), step,
                                         tgt.working_hours, k, row_days if weekly else None)
            working_all, working_after = open_k[: 2 * period], open_k[2 * period:]
        else:
            after = t[0] + (work_all.size + np.arange(n_after)) * step
            working_after = _within_hours(after, tgt.working_hours)
        try:
            level = _deferred_level(work_all, working_all, interval * 60.0,
                                    tgt.deadline_hours * 3600.0, working_after=working_after)
        except InfeasibleTargetError as exc:
            # the queue and the times a planner reads (several e-mail queues: which one,
            # when), not only the interval numbers of the level computation (an interval
            # of the repeated days is named by its clock time in the horizon)
            span = getattr(exc, "intervals", None)
            where = ""
            if span is not None:
                first, last = (_clock(t[0] + int(k % period) * step) for k in span)
                where = f" ({first})" if first == last else f" ({first} .. {last})"
            raise InfeasibleTargetError(f"queue '{q}'{where}: {exc}") from exc
        if work_all is not grid:
            # and in the long run each repeated period's work is done in its working time
            cap_period = float(working_all[:period].sum()) * interval * 60.0
            if cap_period > 0:
                level = max(level, float(grid.sum()) / cap_period)
        if tgt.max_occupancy is not None:
            level /= float(tgt.max_occupancy)
        agents = float(_ceil_tol(np.asarray(level)))
        w = working[pos]
        net[sel] = np.where(w, agents, 0.0)
        gross[sel] = np.where(w, _gross_up(np.asarray(agents), np.asarray(tgt.shrinkage),
                                           False), 0.0)
        sl[sel] = 1.0
        asa[sel] = np.nan
        items = np.zeros(pos[-1] + 1)
        items[pos] = volume[sel]
        rate = agents * (1.0 if tgt.max_occupancy is None else float(tgt.max_occupancy))
        open_seconds, open_items = _deferred_backlog(grid, items, working, interval * 60.0,
                                                     rate)
        # the work done inside the horizon (the backlog is worked in the next one)
        total_capacity = agents * w.sum() * interval * 60.0
        done = grid.sum() - open_seconds
        occ[sel] = np.where(w, done / total_capacity if total_capacity > 0 else 0.0, 0.0)
        backlog[str(q)] = {"items": open_items, "work_hours": open_seconds / 3600.0,
                           "horizon_end": _clock(t[0] + n * step)}


def _weekday(t: np.ndarray) -> np.ndarray:
    """Monday = 0 .. Sunday = 6 of datetime64 values."""
    return (np.asarray(t).astype("datetime64[D]").astype(np.int64) + 3) % 7


def _continued_calendar(t0: np.datetime64, pos: np.ndarray, working: np.ndarray,
                        period: int, per_day: int, step: np.timedelta64,
                        hours: tuple[float, float] | None, k: np.ndarray,
                        row_weekdays: np.ndarray | None = None) -> np.ndarray:
    """Working or not at grid positions ``k`` (intervals after ``t0``) of a queue whose
    horizon has rows at ``pos`` (``working`` over positions ``0 .. pos[-1]``) and repeats
    every ``period`` positions (whole days, or whole weeks with ``row_weekdays``: the
    weekdays the frame has rows on, the others closed). A repeated position is worked as the
    horizon's: an interval the frame leaves out (a closed night, a closed Sunday) is
    closed in the repeats too. Past the last row the intervals follow ``hours``; without
    ``hours`` the frame's rows are the opening hours: a clock time at which the horizon
    has no row on any day is closed (a frame of 08:00-19:45 rows is not worked at 22:00
    by the next days either)."""
    if hours is None:
        slot0 = int((t0 - t0.astype("datetime64[D]")) // step)  # t0's interval of its day
        open_slot = np.zeros(per_day, dtype=bool)
        open_slot[(slot0 + pos) % per_day] = True
        out = open_slot[(slot0 + k) % per_day]
    else:
        out = _within_hours(t0 + k * step, hours)
    if row_weekdays is not None:  # weekly repeats: a weekday without rows is closed
        out &= np.isin(_weekday(t0 + k * step), row_weekdays)
    j = k % period
    inside = j < working.size
    out[inside] = working[j[inside]]
    return out


def _clock(t: np.datetime64) -> str:
    """'2026-12-07 08:30' of a datetime64."""
    return str(np.asarray(t).astype("datetime64[m]")).replace("T", " ")


def _within_hours(ds: np.ndarray, hours: tuple[float, float] | None) -> np.ndarray:
    if hours is None:
        return np.ones(ds.shape, dtype=bool)
    day = ds.astype("datetime64[D]")
    hour = (ds - day) / np.timedelta64(1, "h")
    start, end = hours
    return (hour >= start) & (hour < end)


def _check_step(df: Any, interval: float) -> None:
    """Each queue's rows must be ``interval`` minutes apart, or the traffic is wrong.

    Checked per queue (queues with one row have no step): a queue whose smallest step is
    shorter than ``interval`` has overlapping intervals, and a queue whose smallest step is
    longer than ``interval`` while other queues of the frame are on a different step (a
    frame mixing 30-minute and hourly queues) would have each row staffed as
    ``interval`` minutes of arrivals (an hourly queue's traffic doubled at 30 minutes):
    both raise :class:`QueueingInputError` naming the queues and their steps. When every
    queue is on the same longer step (``interval_minutes`` given in hours, say, or a
    30-minute forecast staffed at 15 minutes) it raises too: every row would be staffed
    as ``interval`` minutes of arrivals.
    """
    from routing_ml.frames import ID, TIME

    diffs = df.groupby(ID, sort=False)[TIME].diff()
    ok = diffs.notna() & (diffs > np.timedelta64(0, "s"))
    if not ok.any():
        return
    per_queue = (diffs[ok] / np.timedelta64(1, "m")).groupby(df.loc[ok, ID]).min()
    tol = 1e-9 * max(interval, 1.0)

    def _listing(steps: Any) -> str:
        shown = [f"'{q}' ({m:g} min)" for q, m in steps.head(10).items()]
        more = f" and {len(steps) - 10} more" if len(steps) > 10 else ""
        return ", ".join(shown) + more

    shorter = per_queue[per_queue < interval - tol]
    if not shorter.empty:
        smallest = float(shorter.min())
        raise QueueingInputError(
            f"interval_minutes={interval:g} but '{TIME}' has rows closer than that in the "
            f"same queue: queue {_listing(shorter)} (smallest step per queue), so "
            f"intervals would overlap and the traffic per interval would be wrong. Fix: "
            f"pass interval_minutes={smallest:g} (the step of the forecast), or aggregate "
            f"the forecast to {interval:g}-minute intervals first."
        )
    longer = per_queue[per_queue > interval + tol]
    if longer.empty:
        return
    if len(longer) < len(per_queue) or longer.nunique() > 1:
        raise QueueingInputError(
            f"interval_minutes={interval:g} but queue {_listing(longer)} has rows further "
            f"apart than that (smallest step per queue) while other queues of the frame "
            f"are on a {float(per_queue.min()):g}-minute step: each row would be staffed as "
            f"{interval:g} minutes of arrivals, so an hourly queue's traffic would be "
            f"doubled at 30 minutes. Fix: put every queue on one {interval:g}-minute grid "
            f"(split each coarser row's volume over its {interval:g}-minute intervals, and "
            f"add zero rows where a sparse queue left intervals out), or staff these queues "
            f"in a separate call with interval_minutes= their step."
        )
    smallest = float(longer.min())
    raise QueueingInputError(
        f"interval_minutes={interval:g} but in every queue the rows of '{TIME}' are at "
        f"least {smallest:g} minutes apart: each row would be staffed as {interval:g} "
        f"minutes of arrivals, so the traffic (and the agents) would be "
        f"{smallest / interval:g} times too high. Fix: the forecast is on a {smallest:g}-"
        f"minute grid, so pass interval_minutes={smallest:g} (minutes, not hours); or "
        f"split each row's volume over its {interval:g}-minute intervals first."
    )


def _infer_interval_minutes(df: Any) -> float:
    from routing_ml.frames import ID, TIME

    if len(df) == 0:
        raise QueueingInputError("the forecast has no rows; nothing to staff. Fix: pass a "
                                 "forecast with one row per queue and interval.")
    steps = df.groupby(ID, sort=False)[TIME].diff().dropna()
    steps = steps[steps > np.timedelta64(0, "s")]
    if steps.empty:
        raise QueueingInputError(
            "interval_minutes cannot be inferred from a frame with one row per queue. Fix: "
            "pass interval_minutes=, e.g. 15."
        )
    return float(steps.mode().iloc[0] / np.timedelta64(1, "m"))


def _channel_in_name(queue: str) -> str | None:
    """The channel a queue's name gives it, as the simulator reads names (``"chat"``,
    ``"email:padron"``), or None (a bare skill name such as ``"tributos"``)."""
    from routing_ml._columns import CHANNELS

    head = queue.split(":", 1)[0] if ":" in queue else queue
    return head if head in CHANNELS else None


def _targets_by_queue(target: Any, queues: np.ndarray) -> dict[str, StaffingTarget]:
    from routing_ml.errors import FrameError
    from routing_ml.frames import split_queue

    for q in queues:  # a 'channel:' prefix that is no channel would be staffed as voice
        try:
            split_queue(str(q))
        except FrameError as exc:
            raise QueueingInputError(str(exc)) from None
    out = _targets_of(target, queues)
    for q, t in out.items():
        named = _channel_in_name(q)
        if named is not None and named != t.channel:
            how = {"voice": "one contact at a time (Erlang C/A)",
                   "chat": f"{t.concurrency} session(s) per agent",
                   "messaging": f"{t.concurrency} session(s) per agent"}.get(t.channel, "deferrable work")
            extra = ("concurrency (sessions per agent; the simulator assumes 3)"
                     if named in ("chat", "messaging") else
                     "deadline_hours" if named in ("email", "web") else "")
            warnings.warn(
                f"queue {q!r} is named as {'an' if named[0] in 'aeiou' else 'a'} {named} queue "
                f"(the simulator serves it as {named}) "
                f"but is staffed as {t.channel}, {how}: no target gives it its channel. Fix: a "
                f"target for {q!r} with channel={named!r}" + (f" and its {extra}" if extra else "")
                + ".", UserWarning, stacklevel=3)
    return out


def _targets_of(target: Any, queues: np.ndarray) -> dict[str, StaffingTarget]:
    if target is None:
        target = StaffingTarget()
    if isinstance(target, StaffingTarget):
        return {str(q): target for q in queues}
    if not isinstance(target, Mapping):
        raise QueueingInputError(
            f"target must be a StaffingTarget or a mapping queue -> StaffingTarget, got "
            f"{type(target).__name__}."
        )
    target = {str(k): v for k, v in target.items()}  # queue ids are strings
    bad = [k for k, v in target.items() if not isinstance(v, StaffingTarget)]
    if bad:
        raise QueueingInputError(
            f"target mapping values must be StaffingTarget; bad keys: {bad[:5]}."
        )
    default = target.get(DEFAULT_KEY)
    names = [str(q) for q in queues]
    unknown = [k for k in target if k != DEFAULT_KEY and k not in set(names)]
    if unknown:
        import difflib

        # a near-miss of a queue ('Voice' for 'voice') would leave that queue on the
        # default targets without a word
        uncovered = [q for q in names if q not in target]
        for k in unknown:
            close = [q for q in uncovered if q.lower() == k.strip().lower()] or \
                difflib.get_close_matches(k, uncovered, n=1, cutoff=0.8)
            if close:
                raise QueueingInputError(
                    f"staffing target for queue {k!r}, which is not in the forecast; its "
                    f"queue {close[0]!r} would get the default targets. Fix: name it "
                    f"{close[0]!r} (queue ids are case-sensitive).")
        warnings.warn(
            f"staffing targets for queues not in the forecast are not used: {unknown[:10]} "
            f"(forecast queues: {names[:10]}).", UserWarning, stacklevel=4)
    missing = [q for q in names if q not in target and default is None]
    if missing:
        raise QueueingInputError(
            f"no staffing target for queues {missing[:10]}. Fix: add them to the mapping or "
            f"give a default under the key '{DEFAULT_KEY}'."
        )
    return {q: target.get(q, default) for q in names}


def _whole_concurrency(value: Any, queue: str, path: Any) -> int:
    """``concurrency`` of a targets file as an int; a fractional value is an error."""
    try:
        number = float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number.is_integer()):
        example = (f"{max(int(np.floor(number)), 1)} or {max(int(np.ceil(number)), 1)}"
                   if np.isfinite(number) else "2")
        raise QueueingInputError(
            f"{path}: queue {queue!r}: concurrency={value!r} is not a whole number of "
            f"contacts an agent handles at once (it is not rounded, since 2 and 3 staff "
            f"differently). Fix: give an int, e.g. concurrency: {example}."
        )
    return int(number)


_TARGET_FIELDS = ("service_level", "answer_seconds", "max_occupancy", "shrinkage",
                  "patience_seconds", "channel", "concurrency", "deadline_hours",
                  "working_hours", "max_asa_seconds", "max_abandon_rate")
_FRACTION_FIELDS = ("service_level", "max_occupancy", "shrinkage", "max_abandon_rate")
_NUMBER_FIELDS = (*_FRACTION_FIELDS, "answer_seconds", "patience_seconds", "deadline_hours",
                  "aht_seconds", "max_asa_seconds")


def _target_number(value: Any, field: str, queue: str, path: Any) -> Any:
    """A number of a targets file: text numbers are read, '80%' is 0.8 for fractions."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if field in _FRACTION_FIELDS and text.endswith("%"):
            return float(text[:-1]) / 100.0
        return float(text)
    except ValueError:
        example = "0.8 or '80%'" if field in _FRACTION_FIELDS else "a number, e.g. 20"
        unit = ("a fraction" if field in _FRACTION_FIELDS else
                "hours" if field == "deadline_hours" else "seconds")
        raise QueueingInputError(
            f"{path}: queue {queue!r}: {field} {value!r} is not a number. Fix: {unit}, "
            f"{example}."
        ) from None


def read_staffing_targets(
    path: str | Any, defaults: StaffingTarget | None = None
) -> tuple[dict[str, StaffingTarget], dict[str, float]]:
    """Per-queue targets (and handle times) from a YAML or CSV file.

    YAML: a mapping ``queue -> {field: value}`` (the key ``"*"`` sets defaults for the
    other queues), or a list of such dicts each with a ``unique_id``. CSV: one row per
    queue with a ``unique_id`` column and any of the columns below (empty cells take the
    default). Fields: ``service_level``, ``answer_seconds``, ``max_occupancy``,
    ``shrinkage``, ``patience_seconds``, ``channel``, ``concurrency``, ``deadline_hours``,
    ``working_hours`` (YAML list ``[8, 20]`` or CSV text ``8-20``), ``max_asa_seconds``,
    ``max_abandon_rate`` and ``aht_seconds``. ``service_level``, ``max_occupancy``,
    ``shrinkage`` and ``max_abandon_rate`` are fractions; text such as ``'80%'`` is read as
    0.8.

    Parameters
    ----------
    path : the ``.yaml`` / ``.yml`` / ``.csv`` file.
    defaults : values for the fields a queue does not set (default ``StaffingTarget()``).

    Returns
    -------
    (dict, dict)
        ``{queue: StaffingTarget}`` (with ``"*"`` -> the defaults) and
        ``{queue: aht_seconds}`` for the queues that set one.

    Raises
    ------
    QueueingInputError
        Unknown file type or field, a queue without ``unique_id``, or an invalid value
        (the message names the queue and the field).
    """
    from dataclasses import asdict, replace
    from pathlib import Path

    base = defaults if defaults is not None else StaffingTarget()
    p = Path(path)
    rows: list[dict[str, Any]]
    if p.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.load(p.read_text(), Loader=_queue_id_loader()) or {}  # noqa: S506 - a SafeLoader
        except yaml.YAMLError as exc:
            raise QueueingInputError(f"{p}: not valid YAML: {exc}") from None
        except QueueingInputError as exc:
            raise QueueingInputError(f"{p}: {exc}") from None
        items = list(data.values()) if isinstance(data, Mapping) else data
        if isinstance(items, list) and not all(v is None or isinstance(v, Mapping)
                                               for v in items):
            raise QueueingInputError(
                f"{p}: each queue needs a mapping of targets, e.g. 'q1: {{service_level: "
                f"0.8, answer_seconds: 20}}'; got {[v for v in items if v is not None][:3]}."
            )
        if isinstance(data, Mapping):
            rows = [{"unique_id": str(k), **(v or {})} for k, v in data.items()]
        elif isinstance(data, list):
            rows = [dict(r or {}) for r in data]
        else:
            raise QueueingInputError(
                f"{p}: expected a mapping queue -> targets or a list of targets, got "
                f"{type(data).__name__}."
            )
    elif p.suffix.lower() == ".csv":
        from routing_ml._csv import read_table

        table = read_table(p, dtype={"unique_id": str})  # "001" stays "001"
        rows = [{k: v for k, v in r.items() if not (isinstance(v, float) and np.isnan(v))}
                for r in table.to_dict("records")]
    else:
        raise QueueingInputError(
            f"targets file {p} must be .yaml, .yml or .csv, got '{p.suffix}'."
        )
    # the "*" row (if any) refines the defaults first
    rows.sort(key=lambda r: str(r.get("unique_id")) != DEFAULT_KEY)
    targets: dict[str, StaffingTarget] = {}
    aht: dict[str, float] = {}
    default = base
    seen: set[str] = set()
    for row in rows:
        if "unique_id" not in row:
            raise QueueingInputError(f"{p}: a target row has no unique_id: {row}.")
        queue = str(row.pop("unique_id"))
        if queue in seen:  # the last row would win silently
            raise QueueingInputError(
                f"{p}: queue {queue!r} has two target rows; give each queue one row.")
        seen.add(queue)
        if "deadline_hours" in row:
            row["deadline_hours"] = _hours(row["deadline_hours"])
        if isinstance(row.get("working_hours"), list | tuple):
            row["working_hours"] = [_hours(h) for h in row["working_hours"]]
        unknown = sorted(set(row) - set(_TARGET_FIELDS) - {"aht_seconds"})
        if unknown:
            raise QueueingInputError(
                f"{p}: queue {queue!r} has unknown fields {unknown}; allowed: "
                f"{[*_TARGET_FIELDS, 'aht_seconds']}."
            )
        if "concurrency" in row:
            row["concurrency"] = _whole_concurrency(row["concurrency"], queue, p)
        for field in _NUMBER_FIELDS:
            if field in row:
                row[field] = _target_number(row[field], field, queue, p)
        try:
            if "aht_seconds" in row:
                aht[queue] = float(row.pop("aht_seconds"))
            if "working_hours" in row and isinstance(row["working_hours"], str):
                start, _, end = row["working_hours"].partition("-")
                row["working_hours"] = (float(_hours(start)), float(_hours(end)))
            elif "working_hours" in row and row["working_hours"] is not None:
                row["working_hours"] = tuple(float(h) for h in row["working_hours"])
        except (TypeError, ValueError) as exc:
            raise QueueingInputError(
                f"{p}: queue {queue!r}: {exc}. Fix: aht_seconds is a number of seconds, "
                f"concurrency an int, working_hours 'start-end' hours, e.g. '8-20'."
            ) from None
        # the fields of one channel in '*' do not follow a queue of another channel
        channel = row.get("channel", default.channel)
        if channel not in ("chat", "messaging"):  # the channels with several sessions
            row.setdefault("concurrency", 1)
        if channel not in ("email", "web"):
            row.setdefault("working_hours", None)
            row.setdefault("deadline_hours", None)
        for name in ("max_asa_seconds", "max_abandon_rate"):
            if row.get("channel", default.channel) in ("email", "web"):
                # the queued channels' caps of the defaults do not follow a deferrable queue
                row.setdefault(name, None)
            elif default.deferrable:  # ... nor does a deferrable '*' take them from the others
                row.setdefault(name, getattr(base, name))
        try:
            target = replace(default, **row)
        except (QueueingInputError, TypeError) as exc:
            raise QueueingInputError(f"{p}: queue {queue!r}: {exc}") from exc
        if queue == DEFAULT_KEY:
            default = target
        targets[queue] = target
    targets.setdefault(DEFAULT_KEY, default)
    logger.debug("read %d targets from %s (defaults %s)", len(targets), p, asdict(default))
    return targets, aht


def _queue_id_loader() -> Any:
    """A YAML SafeLoader that reads queue ids as written: mapping keys and ``unique_id``
    values stay text (YAML 1.1 reads ``001`` as 1 and ``0101`` as octal 65)."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else loader.construct_object(k, deep=True)
            if key in out:  # YAML keeps the last silently
                raise QueueingInputError(
                    f"the targets file names {key!r} twice (line {k.start_mark.line + 1}); "
                    f"give each queue (and each field) once.")
            keep_text = key == "unique_id" and isinstance(v, yaml.ScalarNode) and v.value != ""
            out[key] = v.value if keep_text else loader.construct_object(v, deep=True)
        return out

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    # 24:00 stays text (not the base-60 number 1440) and is read as hours (_hours)
    from routing_ml._yaml import keep_clock_times_as_text

    keep_clock_times_as_text(_Loader, r"^\d{1,3}:\d{2}$")
    return _Loader


def _hours(value: Any) -> Any:
    """``"8:30"`` -> 8.5 hours; anything else as it is."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,3}):(\d{2})\s*", value)
        if m:
            return int(m.group(1)) + int(m.group(2)) / 60.0
    return value

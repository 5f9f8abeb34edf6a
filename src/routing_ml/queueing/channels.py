"""Channels other than voice: chat with concurrency, email / web forms as deferrable work.

Chat and messaging (concurrency)
--------------------------------
Model: an agent holds up to ``concurrency`` sessions at once, and the pool of ``n`` agents
is treated as ``k n`` independent *slots* of an M/M/(k n) queue (Erlang C, or Erlang A with
``patience_seconds``). ``aht_seconds`` is the mean session duration *as observed while
agents work at that concurrency* (a session lasts longer when the agent juggles several);
the model assumes it does not depend on how many sessions the agent holds at the moment,
that sessions are independent, and that a new chat may take any free slot of any agent.
This "virtual servers" model is the usual planning approximation for concurrent channels;
it is optimistic when concurrency slows agents down markedly at peak and the AHT was
measured off peak. Required agents are ``ceil(slots / concurrency)``.

Email and web forms (deferrable work)
-------------------------------------
Model: items are not answered live; every item must be *answered within* ``deadline_hours``
of its arrival. Items of interval ``i`` are released at the interval start and are due
``deadline_hours`` later; work is a fluid of ``volume * aht_seconds`` seconds; agents work
only in the ``working`` intervals, at a constant level ``c`` over the horizon (one level
per queue, as back offices are staffed). Earliest-deadline-first (here FIFO, since all
items have the same deadline offset) meets every deadline iff, for every window of arrival
intervals ``s..i``, the work released in it fits in the working time between the start of
``s`` and the deadline of ``i``:

    c >= max_{s <= i} work(s..i) / working_seconds(start_s, min(start_i + D, horizon end))

(the classical feasibility condition of EDF scheduling with release times and deadlines,
Liu & Layland 1973 / Horn 1974, specialised to one fluid server of rate ``c``). The
maximum over all windows is found in linear memory and O(n) time per pass of Dinkelbach's
method (a few passes), not by forming the n x n windows: long windows can bind (steady
arrivals above the level), so a band of one deadline would not do. Work due
after the end of the horizon: by default no capacity after the horizon is assumed, so it
must be done by the horizon end (conservative; a horizon that ends outside working hours is
then infeasible, since its last items have no working time left). With ``working_after``
(the working pattern of the intervals that follow the horizon, as
:func:`staffing_requirements` builds from ``working_hours``) items due after the end keep
their deadline in that continued calendar: the level meets every deadline whether the item
is answered before the horizon ends or *carried over* to the next working hours, worked
at the same level. :func:`staffing_requirements` also repeats the horizon's arrivals
after it (steady state), so carried items share the next days' capacity with those days'
own items. The work still open at the end is the backlog for the next horizon's plan
(``staffing_requirements`` reports it in ``result.attrs["deferred_backlog"]``).
``max_occupancy`` divides the level (agents productive only that share
of their working time). No finite level exists when work is due in a window with no
working time, which raises :class:`InfeasibleTargetError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from routing_ml.queueing._validate import (
    InfeasibleTargetError,
    QueueingInputError,
    all_scalar,
    as_array,
    broadcast,
    interval_minutes_array,
    out,
    series_aware,
    warn_short_aht,
)
from routing_ml.queueing.staffing import (
    _check_targets,
    _check_wait_targets,
    _gross_up,
    _minimum_agents,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["chat_required_agents", "deferred_required_agents"]

_TOL = 1e-12


def _ceil_tol(x: np.ndarray) -> np.ndarray:
    r = np.rint(x)
    return np.where(np.abs(x - r) <= _TOL * np.maximum(np.abs(x), 1.0), r, np.ceil(x))


@series_aware
def chat_required_agents(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_minutes: ArrayLike,
    concurrency: ArrayLike,
    service_level: ArrayLike = 0.8,
    answer_seconds: ArrayLike = 20,
    max_occupancy: ArrayLike | None = None,
    shrinkage: ArrayLike = 0.0,
    patience_seconds: ArrayLike | None = None,
    *,
    max_asa_seconds: ArrayLike | None = None,
    max_abandon_rate: ArrayLike | None = None,
    fractional: bool = False,
) -> int | float | np.ndarray:
    """Agents for a concurrent channel (chat, messaging): ``ceil(slots / concurrency)``.

    ``slots`` is the minimal number of M/M/slots servers meeting the targets (Erlang C, or
    Erlang A with ``patience_seconds``); see the module docstring for the model and its
    assumptions.

    Parameters
    ----------
    volume : sessions started in the interval, >= 0.
    aht_seconds : mean session duration in seconds at the usual concurrency, > 0.
    interval_minutes : interval length in minutes, > 0.
    concurrency : sessions an agent handles at once, whole number >= 1.
    service_level, answer_seconds, max_occupancy, shrinkage, patience_seconds, max_asa_seconds, max_abandon_rate :
        as in :func:`~routing_ml.queueing.required_agents` (occupancy is per slot).
    fractional : return ``slots / concurrency / (1 - shrinkage)`` unrounded.

    Returns
    -------
    int or ndarray of int64 (float with ``fractional``)
        Scheduled agents; 0 where the volume is 0.

    Raises
    ------
    QueueingInputError
        (``ValueError``) naming the bad argument (NaN, out of domain, shape mismatch).
    InfeasibleTargetError
        (``ValueError``) for a 100% service level with a positive volume.
    """
    vol = as_array("volume", volume, low=0.0, fix="Fix: volumes are counts >= 0.")
    aht = as_array("aht_seconds", aht_seconds, low=0.0, low_inclusive=False,
                   fix="Fix: pass the mean session duration in seconds, > 0.")
    warn_short_aht(aht)
    interval = interval_minutes_array(interval_minutes)
    conc = as_array("concurrency", concurrency, low=1.0, integer=True,
                    fix="Fix: concurrency is the number of simultaneous sessions, >= 1.")
    sl, ans, occ, shr, pat = _check_targets(service_level, answer_seconds, max_occupancy,
                                            shrinkage, patience_seconds)
    asa_cap, ab_cap = _check_wait_targets(max_asa_seconds, max_abandon_rate, patience_seconds)
    assert sl is not None and ans is not None and shr is not None
    arrays = {"volume": vol, "aht_seconds": aht, "interval_minutes": interval,
              "concurrency": conc, "service_level": sl, "answer_seconds": ans,
              "shrinkage": shr}
    for name, arr in (("max_occupancy", occ), ("patience_seconds", pat), ("max_asa_seconds", asa_cap),
                      ("max_abandon_rate", ab_cap)):
        if arr is not None:
            arrays[name] = arr
    b = dict(zip(arrays, broadcast(**arrays), strict=True))
    shape = b["volume"].shape
    a = (b["volume"] * b["aht_seconds"] / (60.0 * b["interval_minutes"])).ravel()
    occ_f = b["max_occupancy"].ravel() if occ is not None else np.ones(a.size)
    pat_f = b["patience_seconds"].ravel() if pat is not None else np.full(a.size, np.inf)
    slots = _minimum_agents(a, b["aht_seconds"].ravel(), b["service_level"].ravel(),
                            b["answer_seconds"].ravel(), occ_f, pat_f,
                            None if asa_cap is None else b["max_asa_seconds"].ravel(),
                            None if ab_cap is None else b["max_abandon_rate"].ravel())
    k = b["concurrency"].ravel()
    agents = slots / k if fractional else np.ceil(slots / k)  # exact: integers / integer
    res = _gross_up(agents, b["shrinkage"].ravel(), fractional).reshape(shape)
    scalar = all_scalar(volume, aht_seconds, interval_minutes, concurrency, service_level,
                        answer_seconds, max_occupancy, shrinkage, patience_seconds, max_asa_seconds,
                        max_abandon_rate)
    return out(res, scalar, integer=not fractional, inputs="volume, aht_seconds and interval_minutes")


@series_aware
def deferred_required_agents(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_minutes: float,
    deadline_hours: float,
    *,
    working: ArrayLike | None = None,
    working_after: ArrayLike | None = None,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    fractional: bool = False,
) -> int | float | np.ndarray:
    """Agents per interval so every email / web form is answered within the deadline.

    One constant level over the working intervals of the horizon (0 elsewhere), the
    smallest that lets FIFO processing meet every deadline; see the module docstring for
    the model.

    Parameters
    ----------
    volume : 1-D array, items arriving per interval, in time order, >= 0.
    aht_seconds : handle time per item in seconds (> 0), scalar or one per interval.
    interval_minutes : interval length in minutes, > 0.
    deadline_hours : every item is answered within this many hours of its interval's start.
    working : 1-D bool array, True where agents work (default: every interval).
    working_after : 1-D bool array, the working pattern of the intervals that follow the
        horizon (e.g. the next day's working hours), long enough to cover the deadline.
        Items due after the horizon end may be answered in them at the same level within
        their deadline (carried over); see the module docstring.
        Default None: no capacity after the horizon end is assumed (items due later
        must be answered before it, else InfeasibleTargetError).
    max_occupancy : share of working time spent on items, in (0, 1], or None (= 1).
    shrinkage : fraction of paid time off work, in [0, 1).
    fractional : return the unrounded level (``c / max_occupancy / (1 - shrinkage)``).

    Returns
    -------
    ndarray of int64 (float64 with ``fractional``)
        Scheduled agents per interval.

    Raises
    ------
    QueueingInputError
        (``ValueError``) naming the bad argument.
    InfeasibleTargetError
        (``ValueError``) when some items are due before any working time can serve them.
    """
    vol = as_array("volume", volume, low=0.0, fix="Fix: volumes are counts >= 0.")
    if vol.ndim != 1:
        raise QueueingInputError(
            f"volume must be a 1-D array of intervals in time order, got shape {vol.shape}."
        )
    aht = as_array("aht_seconds", aht_seconds, low=0.0, low_inclusive=False,
                   fix="Fix: pass the handle time per item in seconds, > 0.")
    if aht.ndim > 1 or (aht.ndim == 1 and aht.shape != vol.shape):
        raise QueueingInputError(
            f"aht_seconds must be one number or one per interval (shape {vol.shape}), got "
            f"shape {aht.shape}.")
    interval = float(interval_minutes_array(interval_minutes))
    deadline = float(as_array("deadline_hours", deadline_hours, low=0.0, low_inclusive=False,
                              fix="Fix: pass the answer deadline in hours, e.g. 24."))
    _, _, occ, shr, _ = _check_targets(0.5, 0.0, max_occupancy, shrinkage, None)
    assert shr is not None
    if working is None:
        work_mask = np.ones(vol.size, dtype=bool)
    else:
        work_mask = np.asarray(working)
        if work_mask.dtype != np.bool_ or work_mask.shape != vol.shape:
            raise QueueingInputError(
                f"working must be a bool array with the shape of volume {vol.shape}, got "
                f"dtype {work_mask.dtype} shape {work_mask.shape}."
            )
    after = None
    if working_after is not None:
        after = np.asarray(working_after)
        if after.dtype != np.bool_ or after.ndim != 1:
            raise QueueingInputError(
                f"working_after must be a 1-D bool array (the working intervals after the "
                f"horizon), got dtype {after.dtype} shape {after.shape}."
            )
    vol, aht = broadcast(volume=vol, aht_seconds=aht)
    level = _deferred_level(vol * aht, work_mask, interval * 60.0, deadline * 3600.0,
                            working_after=after)
    if occ is not None:
        level = level / float(occ)
    agents = np.asarray(level) if fractional else _ceil_tol(np.asarray(level))
    gross = _gross_up(agents.astype(float), np.asarray(float(shr)), fractional)
    res = np.where(work_mask, gross, 0.0)
    return out(res, False, integer=not fractional, inputs="volume and aht_seconds")


def _deferred_level(work_seconds: np.ndarray, working: np.ndarray, length_seconds: float,
                    deadline_seconds: float, *,
                    working_after: np.ndarray | None = None) -> float:
    """Minimal constant number of agents (fluid) meeting every deadline.

    The level is ``max_{s <= i} work(s..i) / capacity(s..i)`` over the windows of arrival
    intervals (module docstring). The maximum of this ratio is found by Dinkelbach's
    method: for a trial level ``c`` the window maximising ``work - c * capacity`` is found
    in one O(n) pass (a running minimum over the window starts), and ``c`` becomes that
    window's ratio until no window exceeds it. Each pass strictly raises ``c`` to the ratio
    of another window, so this ends at the exact maximum (the same ratio as evaluating all
    n^2 windows), usually in a handful of passes; memory and time per pass are linear in
    the number of intervals. ``working_after`` extends the calendar past the horizon end
    (capacity there counts for the items due after the end).
    """
    n = work_seconds.size
    if n == 0 or not (work_seconds > 0).any():
        return 0.0
    if working_after is not None:
        working = np.concatenate((working, working_after))
    m = working.size
    cap = np.concatenate(([0.0], np.cumsum(working * length_seconds)))  # per agent, seconds
    wcum = np.concatenate(([0.0], np.cumsum(work_seconds)))
    due = np.arange(n) * length_seconds + deadline_seconds  # deadline of interval i
    pos = due / length_seconds
    j = np.floor(pos).astype(np.int64)
    frac = pos - j
    inside = j < m
    jc = np.minimum(j, m)
    cap_due = cap[jc] + np.where(inside, frac * length_seconds * working[np.minimum(j, m - 1)],
                                 0.0)
    cap_start = cap[:n]
    # with working_after, items due after the horizon end have their deadline in the
    # calendar that follows it (FIFO order kept: deadlines grow with the arrival); finishing
    # them by the horizon end instead would staff a frame that ends mid-day for a deadline
    # it does not have (100 items at 19:30 due in 24 h: 17 agents until 20:00, not 1)
    has_work = work_seconds > 0
    # window s..i: work wcum[i+1] - wcum[s], capacity cap_due[i] - cap[s]. Capacity grows
    # as s moves back or i forward, so the window k..k is the tightest one holding the
    # items of interval k: no finite level exists iff one of them has no capacity.
    single = cap_due - cap_start
    bad = has_work & (single <= 0)
    if bad.any():
        k = int(np.argmax(bad))
        if not inside[k] and working_after is None:  # cut by the end of the horizon
            last = int(np.flatnonzero(bad & ~inside)[-1])
            err = InfeasibleTargetError(
                f"items arriving in intervals {k}..{last} (of {n}) are due after the "
                f"horizon ends and no working interval is left before its end. Fix: extend "
                f"the frame past the next working period, or leave those intervals out "
                f"(their items are planned with the next horizon)."
            )
            err.intervals = (k, last)  # type: ignore[attr-defined]
            raise err
        err = InfeasibleTargetError(
            f"items arriving in interval {k} (of {n}) are due within "
            f"{deadline_seconds / 3600:g} hours but no working interval lies in that window. "
            f"Fix: extend the working hours or the deadline."
        )
        err.intervals = (k, k)  # type: ignore[attr-defined]
        raise err
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(has_work, work_seconds / np.where(has_work, single, 1.0), 0.0)
    level = float(ratios.max())
    for _ in range(10 * n + 10):  # terminates far sooner: each pass raises the level
        start_term = wcum[:n] - level * cap_start
        excess = (wcum[1:] - level * cap_due) - np.minimum.accumulate(start_term)
        i = int(np.argmax(excess))
        if not excess[i] > 0.0:
            break
        s = int(np.argmin(start_term[: i + 1]))
        ratio = float((wcum[i + 1] - wcum[s]) / (cap_due[i] - cap_start[s]))
        if not ratio > level:  # rounding: no window is measurably tighter
            break
        level = ratio
    return level


def _deferred_backlog(work_seconds: np.ndarray, items: np.ndarray, working: np.ndarray,
                      length_seconds: float, rate: float) -> tuple[float, float]:
    """Work and items still open at the horizon end, FIFO at ``rate`` agents at work.

    Lindley's recursion ``b = max(0, b + work - capacity)`` over the intervals, in closed
    form: the backlog at the end is ``S_n - min_k S_k`` with ``S`` the cumulative
    ``work - capacity``. FIFO leaves the latest items open, so the items are counted back
    from the end (a fraction of the interval where the backlog starts).
    """
    net = np.concatenate(([0.0], np.cumsum(work_seconds - rate * length_seconds * working)))
    backlog = float(max(0.0, net[-1] - net.min()))
    if backlog <= 0.0:
        return 0.0, 0.0
    from_end = np.cumsum(work_seconds[::-1])
    k = int(np.searchsorted(from_end, backlog))  # full trailing intervals: k, then partial
    if k >= work_seconds.size:
        return backlog, float(items.sum())
    done = float(from_end[k - 1]) if k > 0 else 0.0
    last = work_seconds.size - 1 - k
    share = (backlog - done) / work_seconds[last] if work_seconds[last] > 0 else 0.0
    return backlog, float(items[::-1][:k].sum() + share * items[last])

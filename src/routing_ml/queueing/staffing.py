"""Required agents per interval: vectorised minimum search, exact shrinkage rounding.

Search
------
The targets (service level >= ``service_level``, occupancy <= ``max_occupancy``) are
monotone in the number of agents ``n``, so the answer is the smallest ``n`` of an interval
``[n*, inf)``. It is found for every interval at once, with no per-interval Python loop:

* Erlang C: start at the hard lower bound ``n0 = max(floor(a) + 1, ceil(a / max_occupancy))``
  (no fewer agents can be stable or meet the occupancy cap), evaluate ``B(n0, a)`` exactly
  once (incomplete gamma, log space), then step every unfinished interval up by one agent
  with the stable forward recursion ``B(n+1) = a B / (n + 1 + a B)`` until its target holds.
  Square-root staffing puts the answer ``O(sqrt(a))`` above ``a`` (about 10-20 steps at
  80/20), so each step is a handful of array operations on the intervals still searching.
  Intervals still unfinished after 64 steps (very strict targets at huge loads) move on to
  the exponential + bisection search below with ``n`` as their known-failing lower bound.
* Erlang A (``patience_seconds`` given; the answer may be below the offered load): the
  answered-within-t service level is at most the answered fraction, itself below ``n/a``,
  so ``n = floor(a * service_level) - 1`` fails for sure; from there an exponential search
  (steps of sqrt(a), doubling) brackets ``n*`` and a vectorised bisection closes it, each
  round evaluating the exact Erlang A formulas for the unfinished intervals only.

Both return the true minimum: the agent count below the answer misses a target (tests
check this property with hypothesis).

Shrinkage
---------
Scheduled agents are ``ceil(n / (1 - shrinkage))``. In binary floating point ``21 / 0.7``
is ``30.000000000000004`` (so a naive ceiling gives 31) and ``1 - 0.3`` is not ``0.7``. We
round with a relative tolerance of 1e-12: ``x = n / (1 - s)``; if ``x`` is within
``1e-12 * x`` of an integer it *is* that integer, else ``ceil(x)``. Floating error here is a
few ulps (relative ~1e-16), so the tolerance only absorbs representation error; a genuine
fractional part smaller than 1e-12 agents relative (below 1e-7 agents at 100,000 agents)
is the only thing it could ever round away. Tests check the result against exact rational
arithmetic on the decimal shrinkage (``Fraction(str(s))``).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from routing_ml.queueing import _special
from routing_ml.queueing._validate import (
    MIN_PLAUSIBLE_AHT_SECONDS,
    InfeasibleTargetError,
    QueueingInputError,
    all_scalar,
    as_array,
    broadcast,
    check_agent_scale,
    interval_minutes_array,
    out,
    series_aware,
    warn_short_aht,
)
from routing_ml.queueing.erlang import _erlang_a_metrics, _erlang_c_metrics

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

logger = logging.getLogger(__name__)

__all__ = ["StaffingTarget", "apply_shrinkage", "erlang_b_required_agents", "required_agents"]

_ROUND_TOL = 1e-12
_STEP_LIMIT = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffingTarget:
    """The targets and planning factors shared by every interval of a queue.

    Parameters
    ----------
    service_level : fraction answered within ``answer_seconds``, in (0, 1].
    answer_seconds : service-level threshold in seconds, >= 0.
    max_occupancy : cap on agent occupancy in (0, 1], or None.
    shrinkage : fraction of paid time off the phones (breaks, training), in [0, 1).
    patience_seconds : mean caller patience (Erlang A) in seconds, or None (Erlang C).
    channel : ``voice``, ``chat``, ``messaging`` (queued, Erlang C/A), ``email`` or ``web``
        (deferrable work, answered within ``deadline_hours``).
    concurrency : sessions one agent handles at once (chat / messaging), >= 1.
    deadline_hours : for email / web: every item is answered within this many hours of
        its arrival.
    working_hours : for email / web: ``(start_hour, end_hour)`` of the working day in local
        time (intervals starting in ``[start, end)`` are worked), or None for every
        interval of the frame: its rows are the opening hours, and after its last row
        the clock times at which it has rows (a frame of 08:00-19:45 rows is not worked
        at night after its end either).
    max_asa_seconds : cap on the average speed of answer in seconds (queued channels), or
        None; met beside the service level (the larger staffing wins).
    max_abandon_rate : cap on the fraction of contacts that hang up (queued channels,
        needs ``patience_seconds``), or None.
    """

    service_level: float = 0.8
    answer_seconds: float = 20.0
    max_occupancy: float | None = None
    shrinkage: float = 0.0
    patience_seconds: float | None = None
    channel: str = "voice"
    concurrency: int = 1
    deadline_hours: float | None = None
    working_hours: tuple[float, float] | None = None
    max_asa_seconds: float | None = None
    max_abandon_rate: float | None = None

    def __post_init__(self) -> None:
        for name in ("service_level", "answer_seconds", "max_occupancy", "shrinkage",
                     "patience_seconds", "concurrency", "deadline_hours", "max_asa_seconds",
                     "max_abandon_rate"):
            value = getattr(self, name)
            if value is not None and np.ndim(value) != 0:
                raise QueueingInputError(
                    f"{name} has shape {np.shape(value)}; a StaffingTarget holds one value "
                    f"per queue. Fix: a number (per-interval targets: call required_agents "
                    f"with arrays).")
        _check_targets(self.service_level, self.answer_seconds, self.max_occupancy,
                       self.shrinkage, self.patience_seconds)
        _check_wait_targets(self.max_asa_seconds, self.max_abandon_rate, self.patience_seconds)
        if self.channel not in ("voice", "chat", "messaging", "email", "web"):
            raise QueueingInputError(
                f"channel must be one of voice, chat, messaging, email, web; got "
                f"{self.channel!r}."
            )
        as_array("concurrency", self.concurrency, low=1.0, integer=True,
                 fix="Fix: concurrency is the number of simultaneous sessions, >= 1.")
        # settings of other channels would be used (concurrency) or ignored (working
        # hours) without a word
        if self.concurrency != 1 and self.channel not in ("chat", "messaging"):
            raise QueueingInputError(
                f"concurrency={self.concurrency} applies to chat / messaging sessions, not to "
                f"channel {self.channel!r} (a {self.channel} agent handles one contact at a "
                f"time). Fix: channel='chat', or leave concurrency at 1.")
        if self.working_hours is not None and self.channel not in ("email", "web"):
            raise QueueingInputError(
                f"working_hours applies to email / web (deferrable work), not to channel "
                f"{self.channel!r}: a queued channel is staffed wherever the forecast has "
                f"volume. Fix: channel='email' with deadline_hours, or drop the forecast's "
                f"rows outside opening hours.")
        if self.channel in ("email", "web"):
            for name in ("max_asa_seconds", "max_abandon_rate"):
                if getattr(self, name) is not None:
                    raise QueueingInputError(
                        f"{name} applies to queued channels (voice, chat, messaging), not to "
                        f"channel {self.channel!r}: deferrable work is answered within "
                        f"deadline_hours. Fix: leave {name} out for {self.channel}.")
            if self.deadline_hours is None:
                raise QueueingInputError(
                    f"channel {self.channel!r} is deferrable work and needs deadline_hours "
                    f"(e.g. deadline_hours=24)."
                )
        if self.working_hours is not None:
            hours = as_array("working_hours", list(self.working_hours), low=0.0, high=24.0,
                             fix="Fix: (start_hour, end_hour), e.g. (8, 20).")
            if hours.shape != (2,) or not hours[0] < hours[1]:
                raise QueueingInputError(
                    f"working_hours must be (start_hour, end_hour) with start < end, got "
                    f"{self.working_hours!r}. Fix: e.g. (8, 20)."
                )
            # a list (YAML, JSON) is kept as a tuple: targets are hashed per queue
            object.__setattr__(self, "working_hours", (float(hours[0]), float(hours[1])))
        if self.deadline_hours is not None:
            as_array("deadline_hours", self.deadline_hours, low=0.0, low_inclusive=False,
                     fix="Fix: pass the answer deadline in hours, > 0.")
        p = self.patience_seconds
        if p is not None and np.isfinite(p) and p < MIN_PLAUSIBLE_AHT_SECONDS:
            warnings.warn(
                f"patience_seconds={p:g} is below {MIN_PLAUSIBLE_AHT_SECONDS:g} seconds: did "
                f"you give minutes? {p:g} minutes is patience_seconds={p * 60:g}. Erlang A "
                f"staffs fewer agents the less callers wait. (A warning only.)",
                UserWarning, stacklevel=3)

    @property
    def deferrable(self) -> bool:
        """True for email / web (work answered within a deadline, not queued live)."""
        return self.channel in ("email", "web")


def _check_targets(service_level: Any, answer_seconds: Any, max_occupancy: Any,
                   shrinkage: Any, patience_seconds: Any) -> list[np.ndarray | None]:
    sl = as_array("service_level", service_level, low=0.0, low_inclusive=False, high=1.0,
                  fix="Fix: a fraction in (0, 1], e.g. 0.8 for 80%.")
    ans = as_array("answer_seconds", answer_seconds, low=0.0,
                   fix="Fix: the service-level threshold in seconds, e.g. 20.")
    occ = None if max_occupancy is None else as_array(
        "max_occupancy", max_occupancy, low=0.0, low_inclusive=False, high=1.0,
        fix="Fix: a fraction in (0, 1], e.g. 0.85, or None for no cap.")
    shr = as_array("shrinkage", shrinkage, low=0.0, high=1.0, high_inclusive=False,
                   fix="Fix: a fraction in [0, 1), e.g. 0.3 for 30% of paid time off the phones.")
    pat = None if patience_seconds is None else as_array(
        "patience_seconds", patience_seconds, low=0.0, low_inclusive=False, allow_inf=True,
        fix="Fix: the mean caller patience in seconds, or None for Erlang C.")
    return [sl, ans, occ, shr, pat]


def _check_wait_targets(max_asa_seconds: Any, max_abandon_rate: Any,
                        patience_seconds: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The ASA and abandonment caps, checked (None: no cap)."""
    asa = None if max_asa_seconds is None else as_array(
        "max_asa_seconds", max_asa_seconds, low=0.0, low_inclusive=False, allow_inf=True,
        fix="Fix: the longest acceptable average speed of answer in seconds, e.g. 30, or None.")
    ab = None if max_abandon_rate is None else as_array(
        "max_abandon_rate", max_abandon_rate, low=0.0, low_inclusive=False, high=1.0,
        fix="Fix: a fraction in (0, 1], e.g. 0.05 for 5% of the contacts offered, or None.")
    if ab is not None and patience_seconds is None:
        raise QueueingInputError(
            "max_abandon_rate needs patience_seconds: without it the model is Erlang C, where "
            "nobody hangs up. Fix: give the callers' mean patience, e.g. patience_seconds=120 "
            "(Erlang A).")
    return asa, ab


@series_aware
def apply_shrinkage(agents: ArrayLike, shrinkage: ArrayLike, *, fractional: bool = False) -> int | float | np.ndarray:
    """Scheduled agents for ``agents`` on the phones: ``ceil(agents / (1 - shrinkage))``.

    The ceiling is exact for decimal shrinkage values (``21`` agents at 30% shrinkage gives
    30, not the 31 of a float ceiling), see the module docstring.

    Parameters
    ----------
    agents : agents needed on the phones, >= 0.
    shrinkage : fraction of paid time off the phones, in [0, 1).
    fractional : return ``agents / (1 - shrinkage)`` unrounded (for aggregating several
        queues before rounding).

    Returns
    -------
    int / float or ndarray
        Scheduled agents (int64 unless ``fractional``).

    Raises
    ------
    QueueingInputError
        If an argument is NaN, out of its domain or the shapes mismatch.
    """
    n = as_array("agents", agents, low=0.0)
    s = as_array("shrinkage", shrinkage, low=0.0, high=1.0, high_inclusive=False,
                 fix="Fix: a fraction in [0, 1).")
    n, s = broadcast(agents=n, shrinkage=s)
    res = _gross_up(n, s, fractional)
    return out(res, all_scalar(agents, shrinkage), integer=not fractional, inputs="agents and shrinkage")


def _gross_up(n: np.ndarray, s: np.ndarray, fractional: bool) -> np.ndarray:
    x = n / (1.0 - s)
    if fractional:
        return x
    r = np.rint(x)
    out = np.where(np.abs(x - r) <= _ROUND_TOL * np.maximum(x, 1.0), r, np.ceil(x))
    # near 1 the float 1 - s carries a relative error of ~1e-16 / (1 - s), more than the
    # tolerance: those (rare) entries are computed with the decimal shrinkage as a fraction
    n_b, s_b = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(s, dtype=float))
    close = np.isfinite(n_b) & (1.0 - s_b < 1e-3)
    if close.any():
        from fractions import Fraction

        out = np.array(np.broadcast_to(out, close.shape), dtype=float)
        for i in np.argwhere(close):
            k = tuple(i)
            exact = Fraction(float(n_b[k])) / (1 - Fraction(repr(float(s_b[k]))))
            out[k] = float(-(-exact.numerator // exact.denominator))
    return out


@series_aware
def required_agents(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_minutes: ArrayLike,
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
    """The minimal number of agents that meets every target at once, per interval.

    Erlang C (``patience_seconds=None``) or exact Erlang A (``patience_seconds`` given,
    where the answer may be below the offered load). All arguments broadcast.

    Parameters
    ----------
    volume : contacts arriving in the interval, >= 0.
    aht_seconds : mean handle time in seconds, > 0. Below 10 s a UserWarning asks whether
        minutes were given (``MIN_PLAUSIBLE_AHT_SECONDS``); the result is still computed.
    interval_minutes : interval length in minutes, > 0.
    service_level : target fraction answered within ``answer_seconds``, in (0, 1].
    answer_seconds : service-level threshold in seconds, >= 0.
    max_occupancy : cap on occupancy in (0, 1], or None.
    shrinkage : fraction of paid time off the phones, in [0, 1). The result is
        ``ceil(n / (1 - shrinkage))`` with exact rounding (see :func:`apply_shrinkage`).
    patience_seconds : mean caller patience in seconds (> 0, ``inf`` = Erlang C) or None.
    max_asa_seconds : cap on the average speed of answer in seconds (the mean wait of every
        contact offered, as :func:`~routing_ml.queueing.asa_seconds` /
        :func:`~routing_ml.queueing.erlang_a` give it), > 0, or None.
    max_abandon_rate : cap on the fraction of contacts offered that hang up before an
        answer, in (0, 1], or None; needs ``patience_seconds`` (Erlang A).
    fractional : if True return ``n / (1 - shrinkage)`` as floats, where ``n`` is the
        minimal whole number of agents on the phones: the fractional scheduled headcount,
        so a multi-queue plan can sum queues (or intervals) first and round once. Its
        ceiling (same tolerance) is the integer answer.

    Returns
    -------
    int or ndarray of int64 (float / float64 with ``fractional``)
        Scheduled agents; 0 where the volume is 0.

    Raises
    ------
    QueueingInputError
        (``ValueError``) naming the argument that is NaN, negative, out of its domain, of
        the wrong type, or of a shape that does not broadcast.
    InfeasibleTargetError
        (``ValueError``) when no finite staffing meets the target: a 100% service level
        with a positive volume (every contact waits with positive probability).

    Examples
    --------
    >>> required_agents(100, 180, 30)   # 10 erlangs, 80% in 20 s
    14
    >>> required_agents([0, 100], 180, 30, shrinkage=0.3).tolist()
    [0, 20]
    >>> required_agents(100, 180, 30, max_asa_seconds=5)   # 14 meet 80/20 at an ASA of 7.8 s
    15
    """
    vol = as_array("volume", volume, low=0.0, fix="Fix: volumes are counts >= 0.")
    aht = as_array("aht_seconds", aht_seconds, low=0.0, low_inclusive=False,
                   fix="Fix: pass the mean handle time in seconds, > 0.")
    warn_short_aht(aht)
    interval = interval_minutes_array(interval_minutes)
    sl, ans, occ, shr, pat = _check_targets(service_level, answer_seconds, max_occupancy,
                                            shrinkage, patience_seconds)
    asa_cap, ab_cap = _check_wait_targets(max_asa_seconds, max_abandon_rate, patience_seconds)
    assert sl is not None and ans is not None and shr is not None
    arrays: dict[str, np.ndarray] = {
        "volume": vol, "aht_seconds": aht, "interval_minutes": interval,
        "service_level": sl, "answer_seconds": ans, "shrinkage": shr,
    }
    for name, arr in (("max_occupancy", occ), ("patience_seconds", pat), ("max_asa_seconds", asa_cap),
                      ("max_abandon_rate", ab_cap)):
        if arr is not None:
            arrays[name] = arr
    b = dict(zip(arrays, broadcast(**arrays), strict=True))
    shape = b["volume"].shape
    a = (b["volume"] * b["aht_seconds"] / (60.0 * b["interval_minutes"])).ravel()
    occ_f = b["max_occupancy"].ravel() if occ is not None else np.ones(a.size)
    pat_f = b["patience_seconds"].ravel() if pat is not None else np.full(a.size, np.inf)
    n = _minimum_agents(a, b["aht_seconds"].ravel(), b["service_level"].ravel(),
                        b["answer_seconds"].ravel(), occ_f, pat_f,
                        None if asa_cap is None else b["max_asa_seconds"].ravel(),
                        None if ab_cap is None else b["max_abandon_rate"].ravel())
    res = _gross_up(n, b["shrinkage"].ravel(), fractional).reshape(shape)
    scalar = all_scalar(volume, aht_seconds, interval_minutes, service_level, answer_seconds,
                        max_occupancy, shrinkage, patience_seconds, max_asa_seconds, max_abandon_rate)
    return out(res, scalar, integer=not fractional, inputs="volume, aht_seconds and interval_minutes")


def _minimum_agents(a: np.ndarray, aht: np.ndarray, sl: np.ndarray, t: np.ndarray,
                    occ: np.ndarray, patience: np.ndarray, max_asa: np.ndarray | None = None,
                    max_abandon: np.ndarray | None = None) -> np.ndarray:
    """Minimal whole agents on the phones (float array) for flat, validated arrays; with
    ``max_asa`` (seconds) / ``max_abandon`` (fraction, Erlang A) the service-level answer
    is raised until those hold too (both fall as agents are added)."""
    # the offered load a = volume x aht_seconds / (60 x interval_minutes) erlangs: a huge one
    # is a units mistake, named here rather than failing inside the search
    check_agent_scale(a, "volume, aht_seconds and interval_minutes")
    n = _minimum_agents_sl(a, aht, sl, t, occ, patience)
    if max_asa is None and max_abandon is None:
        return n
    asa_cap = np.full(a.size, np.inf) if max_asa is None else max_asa
    ab_cap = np.full(a.size, np.inf) if max_abandon is None else max_abandon
    idx = np.flatnonzero((a > 0) & (np.isfinite(asa_cap) | np.isfinite(ab_cap)))
    if not idx.size:
        return n

    def ok_fn(n_try: np.ndarray, sel: np.ndarray) -> np.ndarray:
        g = idx[sel]  # only n >= the service-level answer is tried: that target holds
        _, ab, _, w, _ = _erlang_a_metrics(a[g], n_try, aht[g], patience[g], t[g])
        return (w <= asa_cap[g]) & (ab <= ab_cap[g])

    n[idx] = _bracket_and_bisect(ok_fn, n[idx] - 1.0, np.ceil(np.sqrt(a[idx])) + 1.0, first=n[idx])
    return n


def _minimum_agents_sl(a: np.ndarray, aht: np.ndarray, sl: np.ndarray, t: np.ndarray,
                       occ: np.ndarray, patience: np.ndarray) -> np.ndarray:
    """Minimal whole agents on the phones for the service level and occupancy alone."""
    n = np.zeros(a.size)
    busy = a > 0
    infeasible = busy & (sl >= 1.0)
    if infeasible.any():
        i = int(np.flatnonzero(infeasible)[0])
        raise InfeasibleTargetError(
            f"service_level={sl[i]:g} cannot be met by any finite number of agents with "
            f"traffic {a[i]:g} erlangs (answer_seconds={t[i]:g}): some contacts always "
            f"wait. Fix: use a target below 1, e.g. 0.99."
        )
    erlang_c = busy & np.isinf(patience)
    if erlang_c.any():
        idx = np.flatnonzero(erlang_c)
        n[idx] = _search_erlang_c(a[idx], aht[idx], sl[idx], t[idx], occ[idx])
    erlang_a = busy & ~np.isinf(patience)
    if erlang_a.any():
        idx = np.flatnonzero(erlang_a)
        n[idx] = _search_erlang_a(a[idx], aht[idx], sl[idx], t[idx], occ[idx], patience[idx])
    return n


def _occupancy_floor(a: np.ndarray, occ: np.ndarray) -> np.ndarray:
    """Smallest whole n with ``a / n <= occ``, an exact tie counting as at the cap: the
    comparison allows a relative 1e-12 (64.4 Erlangs at a 0.7 cap give 92 agents, whose
    0.7 reads 0.7000000000000001 in floating point), so ties are decided the same way
    whichever side of the cap rounding puts them."""
    tol = 1.0 + 1e-12
    n = np.maximum(np.ceil(a / (occ * tol)), 1.0)
    below = np.maximum(n - 1.0, 1.0)
    return np.where((n - 1.0 >= 1.0) & (a / below <= occ * tol), n - 1.0, n)


def _search_erlang_c_scalar(a: float, aht: float, sl: float, t: float,
                            occ: float) -> float | None:
    """The search below on Python floats (one interval): same steps, no numpy overhead."""
    n = float(_occupancy_floor(np.array([a]), np.array([occ]))[0])
    n = max(math.floor(a) + 1.0, n)
    b = math.exp(_special.log_erlang_b_scalar(n, a))
    k = t / aht
    q = 1.0 - sl
    gap = n - a
    e = math.exp(-gap * k)
    decay = math.exp(-k)
    for _ in range(100_000):
        ab = a * b
        if (n * b / (gap + ab)) * e <= q:
            return n
        b = ab / (n + 1.0 + ab)
        n += 1.0
        gap += 1.0
        e *= decay
    return None  # pragma: no cover - left to the array search


def _search_erlang_c(a: np.ndarray, aht: np.ndarray, sl: np.ndarray, t: np.ndarray,
                     occ: np.ndarray) -> np.ndarray:
    if a.size == 1:
        found = _search_erlang_c_scalar(float(a[0]), float(aht[0]), float(sl[0]), float(t[0]),
                                        float(occ[0]))
        if found is not None:
            return np.array([found])
    n = np.maximum(np.floor(a) + 1.0, _occupancy_floor(a, occ))
    b = np.exp(_special.log_erlang_b(n, a))
    result = np.empty(a.size)
    idx: np.ndarray = np.arange(a.size)
    k = t / aht
    q = 1.0 - sl  # target: P(wait > t) = C exp(-(n - a) t / AHT) <= 1 - service level
    gap = n - a
    e = np.exp(-gap * k)
    decay = np.exp(-k)  # exp(-(n + 1 - a) k) = exp(-(n - a) k) * exp(-k)
    done = np.zeros(a.size, dtype=bool)
    for _ in range(_STEP_LIMIT):
        ab = a * b
        ok = (n * b / (gap + ab)) * e <= q
        new = ok & ~done
        if new.any():
            result[idx[new]] = n[new]
            done |= new
            n_done = np.count_nonzero(done)
            if n_done == done.size:
                return result
            if n_done > done.size // 4:  # drop finished intervals from the arrays
                keep = ~done
                idx, n, b, a, ab, gap, e, decay, q, k, aht, sl, t = (  # type: ignore[assignment]
                    v[keep] for v in (idx, n, b, a, ab, gap, e, decay, q, k, aht, sl, t)
                )
                done = np.zeros(idx.size, dtype=bool)
        b = ab / (n + 1.0 + ab)  # Erlang B forward recursion
        n = n + 1.0
        gap = gap + 1.0
        e = e * decay
    keep = ~done
    idx, n, a, aht, sl, t = (v[keep] for v in (idx, n, a, aht, sl, t))
    logger.debug("Erlang C search: %d intervals continue with bisection", idx.size)

    def ok_fn(n_try: np.ndarray, sel: np.ndarray) -> np.ndarray:
        _, s, _, _ = _erlang_c_metrics(a[sel], n_try, aht[sel], t[sel])
        return s >= sl[sel]

    result[idx] = _bracket_and_bisect(ok_fn, n - 1.0, np.ceil(np.sqrt(a)) + 1.0)
    return result


def _search_erlang_a(a: np.ndarray, aht: np.ndarray, sl: np.ndarray, t: np.ndarray,
                     occ: np.ndarray, patience: np.ndarray) -> np.ndarray:
    def ok_fn(n_try: np.ndarray, sel: np.ndarray) -> np.ndarray:
        _, _, s, _, o = _erlang_a_metrics(a[sel], n_try, aht[sel], patience[sel], t[sel])
        return (s >= sl[sel]) & (o <= occ[sel])

    lo = np.maximum(np.floor(a * sl) - 1.0, -1.0)
    return _bracket_and_bisect(ok_fn, lo, np.ceil(np.sqrt(a)) + 1.0,
                               first=np.maximum(np.ceil(a), lo + 1.0))


def _bracket_and_bisect(
    ok_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lo: np.ndarray,
    step: np.ndarray,
    first: np.ndarray | None = None,
) -> np.ndarray:
    """Smallest n > lo with ok_fn(n) for each element; ``lo`` must fail (or be -1).

    Exponential search from ``first`` (default ``lo + step``) with doubling steps brackets
    the answer in ``(lo, hi]``; bisection on the unfinished elements closes the bracket.
    """
    lo = lo.astype(np.float64).copy()
    step = step.astype(np.float64).copy()
    hi = (lo + step) if first is None else first.astype(np.float64).copy()
    pending = np.arange(lo.size)
    for _ in range(200):
        ok = ok_fn(hi[pending], pending)
        fail = pending[~ok]
        if not fail.size:
            break
        lo[fail] = hi[fail]
        step[fail] *= 2.0
        hi[fail] = lo[fail] + step[fail]
        pending = fail
    else:  # pragma: no cover - needs a target that is never met
        raise InfeasibleTargetError("no staffing below 2**200 agents meets the target")
    pending = np.flatnonzero(hi - lo > 1.0)
    while pending.size:
        mid = np.floor((lo[pending] + hi[pending]) / 2.0)
        ok = ok_fn(mid, pending)
        hi[pending[ok]] = mid[ok]
        lo[pending[~ok]] = mid[~ok]
        pending = pending[hi[pending] - lo[pending] > 1.0]
    return hi


@series_aware
def erlang_b_required_agents(
    traffic_erlangs: ArrayLike, max_blocking: ArrayLike = 0.01, max_occupancy: ArrayLike | None = None
) -> int | float | np.ndarray:
    """Minimal servers of an M/M/n/n loss system with blocking ``B(n, a) <= max_blocking``.

    Sizing lines, trunks or overflow-free channels. ``B`` falls with ``n`` and
    ``B(n, a) >= 1 - n/a`` (the carried load cannot exceed ``n``), so the search starts
    from ``ceil(a (1 - max_blocking)) - 1`` (fewer servers certainly fail), evaluates the
    exact log-space ``B`` there once and steps up with the forward recursion
    ``B(n+1) = a B / (n + 1 + a B)``; intervals still short after 64 steps finish by
    bracketing + bisection with the exact ``B``.

    Parameters
    ----------
    traffic_erlangs : offered load in erlangs, >= 0.
    max_blocking : highest acceptable blocking probability, in (0, 1].
    max_occupancy : cap on carried load per server ``a (1 - B) / n``, in (0, 1], or None.

    Returns
    -------
    int or ndarray of int64
        Minimal servers; 0 where the traffic is 0.

    Raises
    ------
    QueueingInputError
        (``ValueError``) naming the bad argument.
    """
    a = as_array("traffic_erlangs", traffic_erlangs, low=0.0,
                 fix="Fix: traffic in erlangs, >= 0.")
    p = as_array("max_blocking", max_blocking, low=0.0, low_inclusive=False, high=1.0,
                 fix="Fix: a probability in (0, 1], e.g. 0.01.")
    occ = (np.ones(()) if max_occupancy is None else as_array(
        "max_occupancy", max_occupancy, low=0.0, low_inclusive=False, high=1.0,
        fix="Fix: a fraction in (0, 1], or None."))
    a, p, occ = broadcast(traffic_erlangs=a, max_blocking=p, max_occupancy=occ)
    shape = a.shape
    a, p, occ = a.ravel(), p.ravel(), occ.ravel()
    res = np.zeros(a.size)
    idx = np.flatnonzero(a > 0)
    if idx.size == 1:
        i = int(idx[0])
        found = _erlang_b_sizing_scalar(float(a[i]), float(p[i]), float(occ[i]))
        if found is not None:
            res[i] = found
            idx = idx[:0]
    if idx.size:
        res[idx] = _erlang_b_sizing(a[idx], p[idx], occ[idx])
    return out(res.reshape(shape), all_scalar(traffic_erlangs, max_blocking, max_occupancy),
               integer=True, inputs="traffic_erlangs and max_blocking")


def _erlang_b_sizing_scalar(a: float, p: float, occ: float) -> float | None:
    """Forward recursion from the sure-to-fail bound, on Python floats (one interval)."""
    n = max(math.ceil(a * (1.0 - p)) - 1.0, 0.0)
    b = math.exp(_special.log_erlang_b_scalar(n, a))
    for _ in range(100_000):
        if b <= p and a * (1.0 - b) <= occ * n:
            return n
        b = a * b / (n + 1.0 + a * b)
        n += 1.0
    return None  # pragma: no cover - left to the array search


def _erlang_b_sizing(a: np.ndarray, p: np.ndarray, occ: np.ndarray) -> np.ndarray:
    """Step up with ``B(n+1) = a B / (n + 1 + a B)`` for 64 steps, then bracket + bisect."""
    n = np.maximum(np.ceil(a * (1.0 - p)) - 1.0, 0.0)
    b = np.exp(_special.log_erlang_b(n, a))
    result = np.empty(a.size)
    pending = np.arange(a.size)
    for _ in range(_STEP_LIMIT):
        ok = (b <= p[pending]) & (a[pending] * (1.0 - b) <= occ[pending] * n)
        if ok.any():
            result[pending[ok]] = n[ok]
            keep = ~ok
            pending, n, b = pending[keep], n[keep], b[keep]
            if not pending.size:
                return result
        ab = a[pending] * b
        b = ab / (n + 1.0 + ab)
        n = n + 1.0

    def ok_fn(n_try: np.ndarray, sel: np.ndarray) -> np.ndarray:
        g = pending[sel]
        bb = np.exp(_special.log_erlang_b(n_try, a[g]))
        return (bb <= p[g]) & (a[g] * (1.0 - bb) <= occ[g] * n_try)

    result[pending] = _bracket_and_bisect(ok_fn, n - 1.0, np.ceil(np.sqrt(a[pending])) + 1.0)
    return result

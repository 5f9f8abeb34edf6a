"""Validation at the door of the queueing functions (inner code trusts its inputs)."""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from routing_ml.errors import RoutingMLError

_F = TypeVar("_F", bound=Callable[..., Any])


class QueueingInputError(RoutingMLError, ValueError):
    """A queueing argument is invalid; the message names it, shows the value and the fix."""


class InfeasibleTargetError(RoutingMLError, ValueError):
    """No finite staffing meets the target (e.g. a 100% service level with volume > 0)."""


#: Handle times below this many seconds on voice are implausible enough (minutes
#: typed as seconds: ``aht_seconds=5`` for 5 minutes staffs ~1/60 of the traffic) to get a
#: UserWarning. Not an error: very short contacts exist.
MIN_PLAUSIBLE_AHT_SECONDS = 10.0
#: the same for a chat session, an e-mail or a web form (seconds)
MIN_PLAUSIBLE_AHT_SECONDS_TEXT = 30.0


def warn_short_aht(aht: np.ndarray, name: str = "aht_seconds", *, stacklevel: int = 3,
                   column: bool = False, minimum: float = MIN_PLAUSIBLE_AHT_SECONDS,
                   what: str = "a voice / chat contact") -> None:
    """UserWarning when a handle time is below ``minimum`` seconds (default
    ``MIN_PLAUSIBLE_AHT_SECONDS``, for voice and chat).

    ``aht`` holds the handle times of the contacts to staff (callers pass only rows with
    a volume, so placeholder values of empty intervals do not count). ``column``: the
    values come from the frame's column ``name`` (the fix is in the data, not a parameter).
    """
    values = np.asarray(aht, dtype=float).ravel()
    # (0 and below are errors the callers raise: no 'did you give minutes?' for them)
    short = values[np.isfinite(values) & (values > 0) & (values < minimum)]
    if not short.size:
        return
    v = float(short.min())
    count = f" ({short.size} of {values.size} values)" if values.size > 1 else ""
    if column:
        warnings.warn(
            f"column '{name}' has handle times down to {v:g} seconds{count}, below {minimum:g} "
            f"seconds for {what}: did you give minutes? {v:g} minutes is {v * 60:g} seconds; "
            f"the column must hold seconds. (A warning only: short contacts exist.)",
            UserWarning, stacklevel=stacklevel)
        return
    warnings.warn(
        f"{name}={v:g}{count} is below {minimum:g} seconds for {what}: did you give minutes? "
        f"aht_seconds={v:g} means {v:g} seconds; {v:g} minutes is aht_seconds={v * 60:g}. "
        f"(A warning only: short contacts exist.)",
        UserWarning, stacklevel=stacklevel,
    )


def interval_minutes_array(value: Any, *, stacklevel: int = 3) -> np.ndarray:
    """``interval_minutes`` as a positive float64 array; a UserWarning when a value looks
    like seconds (longer than a day) or hours (shorter than a minute)."""
    arr = as_array("interval_minutes", value, low=0.0, low_inclusive=False,
                   fix="Fix: pass the interval length in minutes, e.g. 15.")
    big, small = arr[arr > 24 * 60], arr[arr < 1]
    if big.size:
        v = float(big.max())
        warnings.warn(f"interval_minutes={v:g} is longer than a day: did you give seconds? "
                      f"{v:g} seconds is interval_minutes={v / 60:g}.", UserWarning,
                      stacklevel=stacklevel)
    if small.size:
        v = float(small.min())
        warnings.warn(f"interval_minutes={v:g} is shorter than a minute: did you give hours? "
                      f"{v:g} hours is interval_minutes={v * 60:g}.", UserWarning,
                      stacklevel=stacklevel)
    return arr


def _show(values: np.ndarray, bad: np.ndarray) -> str:
    shown = values[bad].ravel()[:5]
    count = int(np.count_nonzero(bad))
    text = ", ".join(repr(float(v)) for v in shown)
    return text + (f" ... ({count} values)" if count > 5 else "")


def as_array(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    low_inclusive: bool = True,
    high: float | None = None,
    high_inclusive: bool = True,
    integer: bool = False,
    allow_inf: bool = False,
    fix: str = "",
) -> np.ndarray:
    """``value`` as a float64 array checked against its domain, or a QueueingInputError.

    Accepts Python and numpy scalars (any integer or float dtype), lists and arrays.
    Booleans, strings and objects are rejected, and so are NaN, infinities (unless
    ``allow_inf``) and values outside ``[low, high]`` (open ends when not inclusive).
    """
    if isinstance(value, bool | np.bool_) or value is None:
        raise QueueingInputError(
            f"{name} must be a number or an array of numbers, got {value!r}. {fix}".rstrip()
        )
    if isinstance(value, numbers.Number) and not isinstance(value, numbers.Real):
        raise QueueingInputError(f"{name} must be a real number, got {value!r}.")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise QueueingInputError(f"{name} could not be read as numbers: {exc}") from exc
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise QueueingInputError(
            f"{name} must hold numbers (int or float), got dtype {arr.dtype} "
            f"(value {value!r:.80}). Fix: convert it with np.asarray(..., dtype=float)."
        )
    if arr.dtype in (np.float16, np.float32):
        # each value at its shortest decimal (float32 0.3 is 0.3, not 0.30000001192...):
        # the exact decimal rounding of shrinkage and the ceilings would see the float32
        # error as one agent more
        arr = arr.astype(str).astype(np.float64)  # (numpy writes the shortest repr)
    arr = arr.astype(np.float64, copy=False)
    # fast path: one combined test, the detailed diagnosis only when something is wrong
    if arr.ndim == 0:
        v = float(arr)
        ok = (v == v) and (allow_inf or math.isfinite(v))
        if ok and low is not None:
            ok = v >= low if low_inclusive else v > low
        if ok and high is not None:
            ok = v <= high if high_inclusive else v < high
        if ok and integer and math.isfinite(v):
            ok = v == math.floor(v)
        if ok:
            return arr
    else:
        good = np.isfinite(arr) if not allow_inf else ~np.isnan(arr)
        if low is not None:
            good &= (arr >= low) if low_inclusive else (arr > low)
        if high is not None:
            good &= (arr <= high) if high_inclusive else (arr < high)
        if integer:
            good &= ~(np.isfinite(arr) & (arr != np.floor(arr)))
        if good.all():
            return arr
    _diagnose(name, arr, low=low, low_inclusive=low_inclusive, high=high,
              high_inclusive=high_inclusive, integer=integer, allow_inf=allow_inf, fix=fix)
    return arr  # pragma: no cover - _diagnose always raises


def _diagnose(name: str, arr: np.ndarray, *, low: float | None, low_inclusive: bool,
              high: float | None, high_inclusive: bool, integer: bool, allow_inf: bool,
              fix: str) -> None:
    """Raise the QueueingInputError that describes what is wrong with ``arr``."""
    nan = np.isnan(arr)
    if nan.any():
        raise QueueingInputError(
            f"{name} has NaN values ({int(nan.sum())} of {arr.size}). Fix: fill or drop "
            f"them before calling"
            + (" (a closed interval has 0 volume, not NaN)." if "volume" in name else ".")
        )
    if not allow_inf:
        inf = np.isinf(arr)
        if inf.any():
            raise QueueingInputError(f"{name} has infinite values: {_show(arr, inf)}.")
    if low is not None:
        bad = arr < low if low_inclusive else arr <= low
        if bad.any():
            op = ">=" if low_inclusive else ">"
            raise QueueingInputError(
                f"{name} must be {op} {low:g}; got {_show(arr, bad)}. {fix}".rstrip()
            )
    if high is not None:
        bad = arr > high if high_inclusive else arr >= high
        if bad.any():
            op = "<=" if high_inclusive else "<"
            raise QueueingInputError(
                f"{name} must be {op} {high:g}; got {_show(arr, bad)}. {fix}".rstrip()
            )
    if integer:
        frac = np.isfinite(arr) & (arr != np.floor(arr))
        if frac.any():
            raise QueueingInputError(
                f"{name} must be whole numbers; got {_show(arr, frac)}. Fix: round up with "
                f"np.ceil."
            )
    raise QueueingInputError(f"{name} is invalid: {arr!r:.80}")  # pragma: no cover


def broadcast(**arrays: np.ndarray) -> list[np.ndarray]:
    """Broadcast the named arrays together or raise an error naming their shapes."""
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError as exc:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise QueueingInputError(
            f"arguments have mismatched shapes that cannot broadcast: {shapes}. Fix: pass "
            f"scalars or arrays of the same length."
        ) from exc


#: whole agents above this are no longer exact in float64 (and near int64's limit): no
#: contact center is this large, so such an answer means inputs in the wrong units
MAX_EXACT_AGENTS = 2.0**53


def check_agent_scale(value: np.ndarray, inputs: str) -> None:
    """Raise when an agent count (or offered load in erlangs) is beyond
    ``MAX_EXACT_AGENTS``; ``inputs`` names the arguments it was computed from."""
    v = np.asarray(value, dtype=float)
    bad = ~np.isfinite(v) | (v > MAX_EXACT_AGENTS)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise QueueingInputError(
            f"{inputs} give {v.ravel()[i]:.4g} agents (or erlangs), beyond 2**53 where whole "
            f"numbers stop being exact (int64 would overflow to negative counts); no contact "
            f"center is this large. Fix: check the units of {inputs} (contacts per interval, "
            f"not per year; seconds, not milliseconds)."
        )


def out(value: np.ndarray, scalar: bool, *, integer: bool = False, inputs: str = "the inputs") -> Any:
    """Return a Python scalar for scalar inputs, else the array. With ``integer`` the values
    become int64 after :func:`check_agent_scale` (``inputs`` names the arguments)."""
    if integer:
        check_agent_scale(value, inputs)
        value = np.asarray(value).astype(np.int64)
    if scalar:
        item = np.asarray(value).item()
        return int(item) if integer else float(item)
    return value


def all_scalar(*values: Any) -> bool:
    return all(np.ndim(v) == 0 for v in values)


def _is_series(value: Any) -> bool:
    t = type(value)
    return t.__name__ == "Series" and t.__module__.startswith("pandas")


def series_aware(func: _F) -> _F:
    """Let a vectorised function take pandas Series: the Series among its arguments must
    share one index (else a QueueingInputError naming them: numpy would pair their values
    by position, a silently wrong answer when one is sorted another way), they are passed
    on as arrays, and an array result of that length comes back as a Series on that index
    (other results, e.g. :class:`~routing_ml.queueing.ErlangAResult`, as they are)."""
    names = list(inspect.signature(func).parameters)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = [(names[i], v) for i, v in enumerate(args)] + list(kwargs.items())
        series = [(n, v) for n, v in given if _is_series(v)]
        if not series:
            return func(*args, **kwargs)
        (n0, s0), index = series[0], series[0][1].index
        for n, v in series[1:]:
            if not v.index.equals(index):
                raise QueueingInputError(
                    f"{n0} and {n} are pandas Series with different indexes (e.g. "
                    f"{list(index[:3])} vs {list(v.index[:3])}); their values would be paired "
                    f"by position, not by label. Fix: align them first "
                    f"({n0}, {n} = {n0}.align({n}, join='inner')), or pass .to_numpy() to "
                    f"pair them by position on purpose.")
        args = tuple(v.to_numpy() if _is_series(v) else v for v in args)
        kwargs = {k: (v.to_numpy() if _is_series(v) else v) for k, v in kwargs.items()}
        result = func(*args, **kwargs)
        if isinstance(result, np.ndarray) and result.ndim == 1 and len(result) == len(index):
            return type(s0)(result, index=index)
        return result

    return wrapper  # type: ignore[return-value]

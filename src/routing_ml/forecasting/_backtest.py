"""Rolling-origin cross-validation and forecast metrics."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError
from routing_ml.forecasting import _calendar as cal
from routing_ml.frames import (
    FORECAST,
    ID,
    TARGET,
    TIME,
    as_datetime_column,
    require_columns,
    validate_volumes,
)

logger = logging.getLogger(__name__)


def cross_validation(df: pd.DataFrame, h: int | str | pd.Timedelta, n_windows: int,
                     step_size: int | str | pd.Timedelta | None = None, *,
                     forecaster: Any = None, level: Sequence[float] = (80, 95),
                     progress: Callable[[int, int], None] | None = None,
                     **forecaster_params: Any) -> pd.DataFrame:
    """Rolling-origin (expanding window) backtest, Nixtla style.

    Parameters
    ----------
    df : volumes frame (``unique_id``, ``ds``, ``y``; NaN ``y`` = unknown).
    h : horizon. A span ("1w", "1D"): window ``k`` covers ``[start_k, start_k + h)`` where
        the last window ends at midnight after the last timestamp; its test intervals are
        the rows of ``df`` in it (the business calendar as it happened). An int: the last
        ``h`` rows of each series per window.
    n_windows : number of origins.
    step_size : distance between origins (same kind as ``h``; default ``h``). Origins with
        no row between them (e.g. Sunday and Monday of a center closed at weekends) have
        the same training data and cutoff: they are merged into one window whose test
        rows are the union. When only some series are closed (an office closed at
        weekends beside a web channel open every day) the windows stay apart and the
        closed series' rows of the later window, whose cutoff repeats, are dropped: each
        (``unique_id``, ``ds``, ``cutoff``) appears once.
    forecaster : an unfitted :class:`Forecaster` (or anything with ``fit(df)`` and
        ``predict(future=, level=)``) used as a template; a fresh copy is fitted per
        window. Default: ``Forecaster(**forecaster_params)``.
    level : interval levels in percent.
    progress : optional callback ``progress(done, total)``.

    Returns
    -------
    DataFrame with ``unique_id``, ``ds``, ``cutoff`` (last training timestamp), ``y``
    (actual, may be NaN where unknown), ``yhat``, ``yhat_lo_L``, ``yhat_hi_L``.

    Raises
    ------
    ValueError
        Bad ``h``, ``n_windows`` or ``step_size``, or a window without training data.

    A series with less than a week of history before a window's origin (a queue launched
    recently) is left out of that window, with a warning naming it.
    """
    from routing_ml.forecasting._forecaster import Forecaster

    data = validate_volumes(df, allow_missing=True)
    if data.empty:
        raise FrameError("volumes frame has no rows; nothing to backtest. Fix: pass a "
                         "history longer than n_windows * step_size plus one week.")
    if not isinstance(n_windows, int) or n_windows < 1:
        raise ValueError(f"n_windows={n_windows!r} must be a positive int.")
    span = cal.parse_span(h)
    step = cal.parse_span(step_size, name="step_size") if step_size is not None else span
    if isinstance(span, int) != isinstance(step, int):
        raise ValueError(f"h={h!r} and step_size={step_size!r} must both be ints or both spans.")
    if forecaster is not None and forecaster_params:
        raise ValueError(
            f"cross_validation got forecaster= and the Forecaster parameters "
            f"{sorted(forecaster_params)}: they would be ignored. Fix: pass one of the two, "
            f"e.g. forecaster=Forecaster(...) with the parameters inside it.")
    template = forecaster if forecaster is not None else Forecaster(**forecaster_params)
    windows: list[tuple[int, pd.Series, pd.Series]] = []
    starts: dict[int, pd.Timestamp | None] = {}  # the first day of each span window
    for k in range(n_windows):
        back = n_windows - 1 - k
        if isinstance(span, int):
            pos = data.groupby(ID).cumcount()
            size = data.groupby(ID)[TIME].transform("size")
            first = size - span - back * step
            if (first <= 0).any():
                raise ValueError(f"window {k}: a series has too few rows for h={h}, "
                                 f"n_windows={n_windows}, step_size={step_size}.")
            test_mask = (pos >= first) & (pos < first + span)
            train_mask = pos < first
        else:
            end = data[TIME].max().normalize() + pd.Timedelta("1D")
            start = end - span - back * step
            test_mask = (data[TIME] >= start) & (data[TIME] < start + span)
            train_mask = data[TIME] < start
            starts[k] = start
        if not test_mask.any():
            continue
        if windows and windows[-1][1].equals(train_mask):
            # no row between the two origins (closed days): same training data, so the
            # same cutoff; one window whose test rows are the union
            starts[k] = starts.get(windows[-1][0])  # the union starts with the earlier one
            windows[-1] = (k, train_mask, windows[-1][2] | test_mask)
        else:
            windows.append((k, train_mask, test_mask))
    outs = []
    for k, train_mask, test_mask in windows:
        test = data.loc[test_mask]
        train = data.loc[train_mask & data[ID].isin(test[ID].unique())]
        if train.empty:
            raise ValueError(f"window {k} has no training data; lower n_windows.")
        # a series launched after the origin, or less than a week before it, has no weekly
        # season to learn from: it leaves this window (named in a warning), not the backtest
        days = train.groupby(ID)[TIME].agg(lambda t: (t.max().normalize() - t.min().normalize()).days + 1)
        known = train.groupby(ID)[TARGET].count()
        ready = set(days.index[(days >= 7) & (known.reindex(days.index) > 0)])
        young = sorted(set(test[ID]) - ready)
        if young:
            warnings.warn(f"window {k}: series {young[:5]} have less than a week of history before "
                          f"its origin; they are left out of that window.", UserWarning, stacklevel=2)
            test = test.loc[test[ID].isin(ready)]
            train = train.loc[train[ID].isin(ready)]
            if test.empty:
                continue
        model = _clone(template)
        model.fit(train)
        if isinstance(model, Forecaster):
            # the window as it happened: its days without rows (a Monday holiday) were
            # closed, whether or not they come before its first row
            first = starts.get(k)
            if first is None:  # int h: the window starts the day after each cutoff
                first = train.groupby(ID)[TIME].max().min().normalize() + pd.Timedelta("1D")
            fc = model.predict(future=test[[ID, TIME]], level=level, window_start=first)
        else:
            fc = model.predict(future=test[[ID, TIME]], level=level)
        cut = train.groupby(ID)[TIME].max().rename("cutoff")
        fc = fc.merge(cut, left_on=ID, right_index=True)
        fc = fc.merge(test[[ID, TIME, TARGET]], on=[ID, TIME], how="left")
        outs.append(fc)
        if progress is not None:
            progress(k + 1, n_windows)
    if not outs:
        raise ValueError("no window has test rows; check h, n_windows and step_size.")
    out = pd.concat(outs, ignore_index=True)
    # a series closed between two origins has the same cutoff in both windows while the
    # other series moved on (the windows were not merged): its rows are kept once, from
    # the earlier window (the same training rows of that series)
    out = out.drop_duplicates([ID, TIME, "cutoff"], keep="first").reset_index(drop=True)
    if pd.api.types.is_integer_dtype(df[ID]):  # integer ids back as the caller gave them
        out[ID] = out[ID].astype(np.int64).astype(df[ID].dtype)
    cols = [ID, TIME, "cutoff", TARGET, FORECAST]
    return out[cols + [c for c in out.columns if c not in cols]]


def _clone(template: Any) -> Any:
    if hasattr(template, "get_params"):
        return type(template)(**template.get_params())
    import copy

    return copy.deepcopy(template)


# ----------------------------------------------------------------------------- metrics
def _same_length(**arrays: Any) -> list[np.ndarray]:
    """The arrays as float, or a ValueError naming the ones whose length differs."""
    out = [np.asarray(a, float) for a in arrays.values()]
    sizes = {k: a.shape for k, a in zip(arrays, out, strict=True)}
    if len(set(sizes.values())) > 1:
        raise ValueError(f"the arrays must have the same length (one value per interval); "
                         f"got shapes {sizes}.")
    return out


def wape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |y - yhat| / sum y (NaN y ignored).

    NaN when no actual is known (nothing to score) or when actuals and errors are all
    0; inf when the actuals sum to 0 but the forecast does not.
    """
    y, yhat = _same_length(y=y, yhat=yhat)
    ok = ~np.isnan(y)
    err, total = float(np.abs(y[ok] - yhat[ok]).sum()), float(y[ok].sum())
    if not ok.any() or (total == 0 and err == 0):
        return float("nan")
    return err / total if total > 0 else float("inf")


def rmse(y: np.ndarray, yhat: np.ndarray) -> float:
    """Root mean squared error (NaN y ignored), in contacts per interval."""
    y, yhat = _same_length(y=y, yhat=yhat)
    ok = ~np.isnan(y)
    return float(np.sqrt(np.mean((y[ok] - yhat[ok]) ** 2)))


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of known actuals inside [lo, hi]."""
    y, lo, hi = _same_length(y=y, lo=lo, hi=hi)
    ok = ~np.isnan(y)
    return float(((y[ok] >= np.asarray(lo)[ok]) & (y[ok] <= np.asarray(hi)[ok])).mean())


def pinball_loss(y: np.ndarray, q_pred: np.ndarray, q: float) -> float:
    """Mean pinball (quantile) loss of the ``q`` quantile forecast ``q_pred``."""
    y, q_pred = _same_length(y=y, q_pred=q_pred)
    ok = ~np.isnan(y)
    d = y[ok] - q_pred[ok]
    return float(np.mean(np.maximum(q * d, (q - 1) * d)))


def seasonal_naive_scale(history: pd.DataFrame, season: str = "7D") -> pd.Series:
    """Per series: mean |y(t) - y(t - season)| in the history (the MASE denominator)."""
    hist = validate_volumes(history, allow_missing=True)
    lagged = hist[[ID, TIME, TARGET]].copy()
    lagged[TIME] = lagged[TIME] + pd.Timedelta(season)
    m = hist.merge(lagged, on=[ID, TIME], suffixes=("", "_lag"))
    m = m.dropna(subset=[TARGET, f"{TARGET}_lag"])
    if m.empty:
        raise FrameError(f"history has no pairs one season ({season}) apart; the MASE "
                         f"scale needs at least one season of history.")
    return (m[TARGET] - m[f"{TARGET}_lag"]).abs().groupby(m[ID]).mean()


def evaluate(cv: pd.DataFrame, history: pd.DataFrame | None = None,
             level: Sequence[float] | None = None) -> dict[str, float]:
    """Pooled metrics of a :func:`cross_validation` frame (rows with NaN ``y`` excluded).

    Parameters
    ----------
    cv : frame with ``unique_id``, ``ds``, ``cutoff``, ``y``, ``yhat`` and, per level,
        ``yhat_lo_L`` / ``yhat_hi_L``. ``yhat`` is clipped at 0.
    history : volumes before the first cutoff, for the MASE scale (in-sample one-week
        seasonal naive MAE per series); MASE is omitted without it.
    level : levels (percent) whose coverage and pinball loss to report; default every
        level whose ``yhat_lo_L`` / ``yhat_hi_L`` columns ``cv`` has. A level given here
        that ``cv`` lacks is an error.

    Returns
    -------
    dict with ``wape``, ``mase``, ``rmse``, ``daily_wape`` (per series and day totals),
    ``coverage_L`` and ``pinball_L`` (mean of the two quantiles' pinball losses, in
    contacts) for each level, and ``n`` (intervals scored).
    """
    require_columns(cv, (ID, TIME, "cutoff", TARGET, FORECAST), frame="evaluate: cv",
                    hint="Pass the frame cross_validation(...) returns.")
    d = cv.dropna(subset=[TARGET]).copy()
    d[TIME] = as_datetime_column(d, TIME, frame="evaluate: cv")
    d[FORECAST] = d[FORECAST].clip(lower=0)
    y, yh = d[TARGET].to_numpy(float), d[FORECAST].to_numpy(float)
    out: dict[str, float] = {"n": float(len(d)), "wape": wape(y, yh), "rmse": rmse(y, yh)}
    if history is not None:
        scale = seasonal_naive_scale(history)
        # the scale's ids are text (validate_volumes); the cv frame keeps the caller's dtype
        ae = (d[TARGET] - d[FORECAST]).abs().groupby(d[ID].astype(str)).mean()
        out["mase"] = float((ae / scale.reindex(ae.index)).mean())
    day = d.groupby([ID, "cutoff", d[TIME].dt.normalize()])[[TARGET, FORECAST]].sum()
    out["daily_wape"] = wape(day[TARGET].to_numpy(), day[FORECAST].to_numpy())
    for L, name in _levels(d, level):
        lo, hi = f"{FORECAST}_lo_{name}", f"{FORECAST}_hi_{name}"
        out[f"coverage_{name}"] = coverage(y, d[lo].to_numpy(), d[hi].to_numpy())
        q = (1 - L / 100) / 2
        out[f"pinball_{name}"] = 0.5 * (pinball_loss(y, d[lo].to_numpy(), q)
                                        + pinball_loss(y, d[hi].to_numpy(), 1 - q))
    return out


def _levels(cv: pd.DataFrame, level: Sequence[float] | None) -> list[tuple[float, str]]:
    """(level, its column suffix) of ``level``, or of every interval ``cv`` has; a
    requested level without both columns is a FrameError."""
    def suffix(L: float) -> str:
        return str(int(L)) if float(L).is_integer() else str(L)

    prefix = f"{FORECAST}_lo_"
    if level is None:
        found = []
        for col in cv.columns:
            if str(col).startswith(prefix) and f"{FORECAST}_hi_{str(col)[len(prefix):]}" in cv:
                try:
                    found.append(float(str(col)[len(prefix):]))
                except ValueError:
                    continue
        return [(L, suffix(L)) for L in sorted(found)]
    out = []
    for L in level:
        name = suffix(L)
        missing = [c for c in (f"{prefix}{name}", f"{FORECAST}_hi_{name}") if c not in cv]
        if missing:
            have = sorted(str(c)[len(prefix):] for c in cv.columns if str(c).startswith(prefix))
            raise FrameError(
                f"evaluate: level {L:g} has no interval in cv (missing {', '.join(missing)}; "
                f"levels there: {', '.join(have) or 'none'}). Fix: evaluate those levels, or "
                f"run cross_validation(..., level=[{L:g}]).")
        out.append((float(L), name))
    return out

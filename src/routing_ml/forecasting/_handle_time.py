"""Average handle time per queue and interval (the staffing input)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError, NotFittedError
from routing_ml.forecasting import _calendar as cal
from routing_ml.forecasting._forecaster import _check_levels, _fmt
from routing_ml.forecasting._params import ParamsMixin
from routing_ml.frames import (
    AHT,
    ID,
    TARGET,
    TIME,
    as_datetime_column,
    caller_ids,
    check_unique_keys,
    integer_id_dtype,
    require_columns,
    validate_volumes,
)

logger = logging.getLogger(__name__)

#: the calls-served column HandleTimeForecaster weights by when the frame has it
DEFAULT_WEIGHT_COL = "served"
#: the prediction intervals are calibrated on the last days of the history (this many, or
#: fewer leaving the first week), against the profile of the days before them (out of sample)
INTERVAL_CALIBRATION_DAYS = 14


class HandleTimeForecaster(ParamsMixin):
    """Handle time (seconds) per queue, weekday and interval of day.

    For each queue and (weekday, slot) the forecast is the call-weighted, exponentially
    time-weighted mean of the observed ``aht_seconds`` (weights: calls served x
    ``0.5 ** (age_weeks / halflife_weeks)``), shrunk towards the same slot over all
    weekdays and then towards the queue's overall mean with ``prior_calls`` pseudo-calls
    (empirical Bayes: thin slots borrow strength, busy slots speak for themselves).

    Parameters
    ----------
    freq : interval length ("30min"); inferred with a warning when None.
    weight_col : column with the number of calls behind each ``aht_seconds``. The default
        ``"served"`` (or None) falls back to ``y``, then to 1 per row when the frame has no
        such column; any other name must be a column.
    halflife_weeks : recency weighting.
    prior_calls : shrinkage strength, in calls (> 0).
    holidays_country, holidays_subdiv, extra_holidays : a holiday calendar, as in
        :class:`~routing_ml.forecasting.Forecaster` (e.g. ``"ES"``, ``"MD"``); ``None``
        (default) treats holidays as the weekday they fall on. With a calendar, holidays
        get a profile of their own: per slot, the holidays' handle time shrunk towards
        the slot's mean over the ordinary days with ``prior_calls`` pseudo-calls (a
        history with few holidays stays close to an ordinary day), and the weekday
        profiles no longer include the holidays. ``predict(h=...)`` leaves out the
        holidays a series was always closed on, as ``Forecaster.predict`` does.
    """

    def __init__(self, *, freq: str | None = None, weight_col: str | None = "served",
                 halflife_weeks: float = 4.0, prior_calls: float = 30.0,
                 calendar_weeks: int = 8, holidays_country: str | None = None,
                 holidays_subdiv: str | None = None,
                 extra_holidays: tuple[str, ...] | list[str] = ()) -> None:
        self.freq = freq
        self.weight_col = weight_col
        self.halflife_weeks = halflife_weeks
        self.prior_calls = prior_calls
        self.calendar_weeks = calendar_weeks
        self.holidays_country = holidays_country
        self.holidays_subdiv = holidays_subdiv
        self.extra_holidays = extra_holidays

    _PARAMS = ("freq", "weight_col", "halflife_weeks", "prior_calls", "calendar_weeks",
               "holidays_country", "holidays_subdiv", "extra_holidays")

    def __repr__(self) -> str:
        return (f"HandleTimeForecaster(freq={self.freq!r}, weight_col={self.weight_col!r}, "
                f"halflife_weeks={self.halflife_weeks!r}, prior_calls={self.prior_calls!r})")

    def _day_kind(self, start: np.datetime64, days: np.ndarray) -> np.ndarray:
        """Profile row of each day (relative to ``start``): its weekday 0-6, or 7 on a
        holiday of the calendar."""
        kind = cal.weekdays(start, int(days.max()) + 1)[days] if len(days) else days.copy()
        hol = getattr(self, "_holidays_", None)  # (models fitted before holidays existed)
        if hol is not None:
            kind = np.where(hol.mask(start + days.astype("timedelta64[D]")), 7, kind)
        return kind

    def _recency(self, n_days: int) -> np.ndarray:
        """(days, 1) weights ``0.5 ** (age_weeks / halflife_weeks)``, the last day 1."""
        age_weeks = (n_days - 1 - np.arange(n_days)) / 7.0
        return (0.5 ** (age_weeks / self.halflife_weeks))[:, None]

    def _calls_table(self, calls: np.ndarray, wd: np.ndarray) -> np.ndarray:
        """(8, slots) calls of a typical day of each kind (weekdays 0-6, holidays 7) and
        slot: the recency-weighted mean of ``calls`` (days x slots); a kind the history
        has no day of takes the mean over all days."""
        recency = self._recency(len(calls))
        overall = (recency * calls).sum(axis=0) / max(recency.sum(), 1e-12)
        table = np.zeros((8, calls.shape[1]))
        for w_ in range(8):
            sel = wd == w_
            table[w_] = (recency[sel] * calls[sel]).sum(axis=0) / recency[sel].sum() \
                if sel.any() else overall
        return table

    def _table(self, calls: np.ndarray, values: np.ndarray, wd: np.ndarray,
               n_days: int) -> np.ndarray:
        """(8, slots) profile of ``values`` (days x slots) by day kind (weekdays 0-6,
        holidays 7): the calls- and recency-weighted mean shrunk towards the slot's and
        the queue's means with ``prior_calls`` pseudo-calls (see the class docstring)."""
        recency = self._recency(n_days)
        W = calls * recency
        # the means every profile shrinks to come from ordinary days (holidays would
        # pull them), or from all days when the history has nothing else
        base = W * (wd < 7)[:, None]
        base = base if base.sum() > 0 else W
        overall = (base * values).sum() / base.sum()
        k = self.prior_calls
        slot_mean = ((base * values).sum(axis=0) + k * overall) / (base.sum(axis=0) + k)
        # rows 0-6: weekdays; row 7: holidays (without a calendar, no day is one and the
        # row is the slot mean)
        table = np.zeros((8, values.shape[1]))
        for w_ in range(8):
            sel = wd == w_
            ww = W[sel].sum(axis=0)
            table[w_] = ((W[sel] * values[sel]).sum(axis=0) + k * slot_mean) / (ww + k)
        return table

    def _calibrate(self, residuals: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Spread of an interval's mean handle time around the profile, from out-of-sample
        log ratios ``r`` over ``n`` calls, all queues pooled: ``E[r^2] = between + within
        / n`` (the day's own level, and the noise of a mean over n calls; ``log_var_``);
        ``z_`` keeps the standardised residuals ``r / sqrt(between + within / n)``, whose
        quantiles give the intervals (normal quantiles with fewer than 50). A spread per
        queue was tried on the February 1999 bank: no better coverage with two weeks of
        calibration."""
        r = np.concatenate([x for x, _ in residuals]) if residuals else np.zeros(0)
        n = np.concatenate([c for _, c in residuals]) if residuals else np.zeros(0)
        self.interval_residuals_ = int(r.size)
        if r.size < 10:
            self.log_var_ = None
            self.z_ = None
            return
        self.log_var_ = _log_var(r, n)
        z = r / np.sqrt(self.log_var_[0] + self.log_var_[1] / n)
        self.z_ = np.sort(z[np.isfinite(z)]) if z.size >= 50 else None

    def fit(self, df: pd.DataFrame) -> HandleTimeForecaster:
        """Fit on a frame of ``unique_id``, ``ds``, ``aht_seconds`` (+ weights).

        Raises
        ------
        FrameError
            Missing columns, negative handle times, duplicated keys, no usable row.
        """
        if self.halflife_weeks <= 0 or self.prior_calls <= 0:
            raise ValueError(f"halflife_weeks={self.halflife_weeks} must be > 0 and "
                             f"prior_calls={self.prior_calls} > 0 (a slot no call was "
                             f"served in takes the queue's mean with this weight).")
        require_columns(df, (ID, TIME, AHT), frame="handle-time frame",
                        hint="aht_seconds is the mean handle time of the calls of the "
                             "interval, e.g. from anonymous_bank_volumes().")
        if self.weight_col is not None and self.weight_col in df:
            col = self.weight_col
        elif self.weight_col not in (None, DEFAULT_WEIGHT_COL):
            raise FrameError(
                f"handle-time frame: weight_col={self.weight_col!r} is not a column (columns: "
                f"{list(df.columns)}). Fix: name the column holding the calls served per "
                f"interval, or weight_col=None to weight by '{TARGET}' (or equally).")
        else:
            col = TARGET
        weights = df[col] if col in df else pd.Series(1.0, index=df.index)
        w = pd.to_numeric(weights, errors="coerce")
        bad = w.isna() & weights.notna() | (w < 0) | np.isinf(w)
        if bad.any():
            raise FrameError(
                f"handle-time frame: weight column '{col}' has {int(bad.sum())} value(s) "
                f"that are not calls (non-numeric, negative or infinite), e.g. "
                f"{weights[bad].head(3).tolist()}. Fix: give counts of calls >= 0.")
        a = pd.to_numeric(df[AHT], errors="coerce")
        bad = a.isna() & df[AHT].notna() | np.isinf(a)
        if bad.any():
            raise FrameError(
                f"handle-time frame: '{AHT}' has {int(bad.sum())} value(s) that are not "
                f"seconds, e.g. {df[AHT][bad].head(3).tolist()}. Fix: numbers of seconds, or "
                f"empty where no call was served.")
        if (a < 0).any():
            raise FrameError(f"handle-time frame: '{AHT}' has negative values:\n"
                             f"{df.loc[a < 0, [ID, TIME, AHT]].head()}\nFix: drop them.")
        d = df.copy()
        d[TARGET] = w.fillna(0.0)
        d[AHT] = a
        d = validate_volumes(d, frame="handle-time frame")
        self.id_dtype_ = integer_id_dtype(df)  # integer ids come back as the caller gave them
        if d.empty:
            raise FrameError("handle-time frame has no rows; nothing to fit. Fix: pass the "
                             "history of aht_seconds per queue and interval.")
        self._holidays_ = cal.holiday_calendar(self.holidays_country, self.holidays_subdiv,
                                               self.extra_holidays)
        step = cal.freq_minutes(self.freq) if self.freq else cal.infer_freq_minutes(d)
        cal.check_grid(d, step, frame="handle-time frame")
        cal.check_step(d, step, freq=self.freq if self.freq else f"{step}min")
        self.step_minutes_ = step
        self.panels_: list[Any] = []
        self.tables_: list[Any] = []
        residuals: list[tuple[np.ndarray, np.ndarray]] = []  # (log ratio, calls) out of sample
        for uid, g in d.groupby(ID, sort=True):
            p = cal.build_panel(g, str(uid), step, self.calendar_weeks, with_aht=True)
            A = p.aht
            assert A is not None  # built with_aht=True
            calls = np.where(np.isnan(A) | np.isnan(p.Y), 0.0, p.Y)
            if calls.sum() <= 0:
                raise FrameError(f"handle-time frame: series '{uid}' has no interval with "
                                 f"calls and a handle time.")
            wd = self._day_kind(p.start, np.arange(p.n_days))
            A0 = np.nan_to_num(A)
            p.extra["aht_table"] = self._table(calls, A0, wd, p.n_days)
            # the calls of a typical day of each kind and slot (recency-weighted): the
            # interval's width depends on how many calls its mean is taken over
            p.extra["calls_table"] = self._calls_table(calls, wd)
            # out of sample: the profile of the days before the last calibration days
            # (at most INTERVAL_CALIBRATION_DAYS, leaving a week before them) against the
            # handle times of those days
            cut = p.n_days - min(INTERVAL_CALIBRATION_DAYS, p.n_days - 7)
            if cut < p.n_days and calls[:cut].sum() > 0:
                past = self._table(calls[:cut], A0[:cut], wd[:cut], cut)
                cells = (calls[cut:] > 0) & (A0[cut:] > 0)
                rows, cols = np.nonzero(cells)
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = np.log(A0[cut:][cells] / past[wd[cut:][rows], cols])
                ok = np.isfinite(r)
                residuals.append((r[ok], calls[cut:][cells][ok]))
            self.panels_.append(p)
        self._calibrate(residuals)
        return self

    def predict(self, h: int | str | pd.Timedelta | None = None,
                future: pd.DataFrame | None = None,
                level: Sequence[int | float] | None = None) -> pd.DataFrame:
        """Handle-time forecast for the next intervals (or exactly the ``future`` rows).

        ``level`` (percentages, e.g. ``(80, 95)``) adds prediction intervals of the
        interval's mean handle time over the calls a typical day of that kind has in that
        slot: the spread of the day's own level and of a mean over few calls, calibrated
        out of sample on the last ``INTERVAL_CALIBRATION_DAYS`` (14) days of the history
        against the profile of the days before them (all queues pooled; a history of
        under three weeks keeps its first week for the profile and calibrates on the rest;
        with a week or less, asking for a level raises). A slot that will see many more (fewer) calls than usual has a narrower
        (wider) true spread.

        Returns
        -------
        DataFrame with ``unique_id``, ``ds`` and ``aht_seconds``, and
        ``aht_seconds_lo_L`` / ``aht_seconds_hi_L`` per level L (seconds).

        Raises
        ------
        FrameError
            ``future`` asks for series not in the fitted history, or for intervals
            closed in a series' calendar.
        """
        if not hasattr(self, "panels_"):
            raise NotFittedError("HandleTimeForecaster is not fitted; call fit(df) first.")
        levels = _check_levels(level) if level is not None else []
        if levels and getattr(self, "log_var_", None) is None:
            raise ValueError(
                f"level={level!r}: the handle-time intervals are calibrated on the days "
                f"after the first week of history against the profile of the days before "
                f"them: this history had {getattr(self, 'interval_residuals_', 0)} interval(s) "
                f"with calls to calibrate on (10 needed). Fix: fit on two weeks or more, or "
                f"predict without level.")
        frames = []
        groups = {}
        if future is not None:
            require_columns(future, (ID, TIME), frame="future frame")
            fut = future[[ID, TIME]].copy()
            fut[TIME] = as_datetime_column(fut, TIME, frame="future frame")
            fut[ID] = fut[ID].astype(str)
            check_unique_keys(fut, (ID, TIME), frame="future frame")
            cal.check_grid(fut, self.step_minutes_, frame="future frame")
            groups = dict(tuple(fut.groupby(ID, sort=False)))
            unknown = sorted(set(groups) - {p.uid for p in self.panels_})
            if unknown:
                raise FrameError(f"future frame has series {unknown[:5]} that were not in "
                                 f"the fitted history; fit on them first or drop them.")
        elif h is None:
            raise ValueError("give h (e.g. '1w') or a future frame of unique_id, ds.")
        for p in self.panels_:
            if future is not None:
                if p.uid not in groups:
                    continue
                d_idx, s_idx = cal.future_index(p, groups[p.uid])
            else:
                # as Forecaster.predict(h): the holidays a series was always closed on are
                # left out, so the two forecasts have the same rows
                hol = getattr(self, "_holidays_", None)
                closed = hol if hol is not None and cal.closed_on_holidays(p, hol) else None
                d_idx, s_idx = cal.default_future(p, cal.parse_span(h), closed)
            wd = self._day_kind(p.start, d_idx)
            ds = (p.start + d_idx.astype("timedelta64[D]")).astype("datetime64[ns]") + (
                p.slots[s_idx].astype("timedelta64[m]"))
            frame = pd.DataFrame({ID: p.uid, TIME: ds, AHT: p.extra["aht_table"][wd, s_idx]})
            if levels:
                self._add_intervals(frame, p.extra["calls_table"][wd, s_idx], levels)
            frames.append(frame)
        columns = [ID, TIME, AHT, *(f"{AHT}_{side}_{_fmt(L)}" for L in levels for side in ("lo", "hi"))]
        return caller_ids(pd.concat(frames, ignore_index=True), getattr(self, "id_dtype_", None)) \
            if frames else pd.DataFrame(columns=columns)

    def _add_intervals(self, frame: pd.DataFrame, calls: np.ndarray, levels: list[float]) -> None:
        """``aht_seconds_lo_L`` / ``_hi_L`` columns of ``frame`` (in place): the forecast
        times ``exp(q x sd)``, ``sd`` the log spread of a mean over ``calls`` (at least
        one), ``q`` the calibrated quantiles (``lo <= forecast <= hi`` always)."""
        from statistics import NormalDist

        assert self.log_var_ is not None
        between, within = self.log_var_
        sd = np.sqrt(between + within / np.maximum(calls, 1.0))
        aht = frame[AHT].to_numpy(float)
        for L in levels:
            lo_q, hi_q = (1 - L / 100) / 2, 1 - (1 - L / 100) / 2
            if self.z_ is not None:
                lo, hi = np.quantile(self.z_, [lo_q, hi_q])
            else:
                lo, hi = NormalDist().inv_cdf(lo_q), NormalDist().inv_cdf(hi_q)
            frame[f"{AHT}_lo_{_fmt(L)}"] = aht * np.exp(min(float(lo), 0.0) * sd)
            frame[f"{AHT}_hi_{_fmt(L)}"] = aht * np.exp(max(float(hi), 0.0) * sd)


def _log_var(r: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """(between, within) with ``E[r^2] = between + within / n``: non-negative least
    squares, each square weighted by its calls (a thin interval is noisy)."""
    from scipy.optimize import nnls

    sw = np.sqrt(n)
    coef, _ = nnls(np.column_stack([np.ones(r.size), 1.0 / n]) * sw[:, None], r ** 2 * sw)
    if not (coef > 0).any():
        coef = np.array([float(np.mean(r ** 2)) or 1e-6, 0.0])
    return float(coef[0]), float(coef[1])

"""Average handle time per queue and interval (the staffing input)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError, NotFittedError
from routing_ml.forecasting import _calendar as cal
from routing_ml.forecasting._params import ParamsMixin
from routing_ml.frames import (
    AHT,
    ID,
    TARGET,
    TIME,
    as_datetime_column,
    check_unique_keys,
    require_columns,
    validate_volumes,
)

logger = logging.getLogger(__name__)

#: the calls-served column HandleTimeForecaster weights by when the frame has it
DEFAULT_WEIGHT_COL = "served"


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
        if d.empty:
            raise FrameError("handle-time frame has no rows; nothing to fit. Fix: pass the "
                             "history of aht_seconds per queue and interval.")
        self._holidays_ = cal.holiday_calendar(self.holidays_country, self.holidays_subdiv,
                                               self.extra_holidays)
        step = cal.freq_minutes(self.freq) if self.freq else cal.infer_freq_minutes(d)
        cal.check_grid(d, step, frame="handle-time frame")
        self.step_minutes_ = step
        self.panels_: list[Any] = []
        self.tables_: list[Any] = []
        for uid, g in d.groupby(ID, sort=True):
            p = cal.build_panel(g, str(uid), step, self.calendar_weeks, with_aht=True)
            A = p.aht
            assert A is not None  # built with_aht=True
            W = np.where(np.isnan(A) | np.isnan(p.Y), 0.0, p.Y)
            if W.sum() <= 0:
                raise FrameError(f"handle-time frame: series '{uid}' has no interval with "
                                 f"calls and a handle time.")
            age_weeks = (p.n_days - 1 - np.arange(p.n_days)) / 7.0
            W = W * (0.5 ** (age_weeks / self.halflife_weeks))[:, None]
            A0 = np.nan_to_num(A)
            wd = self._day_kind(p.start, np.arange(p.n_days))
            # the means every profile shrinks to come from ordinary days (holidays would
            # pull them), or from all days when the history has nothing else
            base = W * (wd < 7)[:, None]
            base = base if base.sum() > 0 else W
            overall = (base * A0).sum() / base.sum()
            k = self.prior_calls
            slot_mean = ((base * A0).sum(axis=0) + k * overall) / (base.sum(axis=0) + k)
            # rows 0-6: weekdays; row 7: holidays (without a calendar, no day is one and
            # the row is the slot mean)
            table = np.zeros((8, len(p.slots)))
            for w_ in range(8):
                sel = wd == w_
                ww = W[sel].sum(axis=0)
                table[w_] = ((W[sel] * A0[sel]).sum(axis=0) + k * slot_mean) / (ww + k)
            p.extra["aht_table"] = table
            self.panels_.append(p)
        return self

    def predict(self, h: int | str | pd.Timedelta | None = None,
                future: pd.DataFrame | None = None) -> pd.DataFrame:
        """Handle-time forecast for the next intervals (or exactly the ``future`` rows).

        Returns
        -------
        DataFrame with ``unique_id``, ``ds`` and ``aht_seconds``.

        Raises
        ------
        FrameError
            ``future`` asks for series not in the fitted history, or for intervals
            closed in a series' calendar.
        """
        if not hasattr(self, "panels_"):
            raise NotFittedError("HandleTimeForecaster is not fitted; call fit(df) first.")
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
            frames.append(pd.DataFrame({ID: p.uid, TIME: ds,
                                        AHT: p.extra["aht_table"][wd, s_idx]}))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=[ID, TIME, AHT])

"""The :class:`Forecaster`: interval volumes per queue with calibrated count intervals."""

from __future__ import annotations

import logging
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError, NotFittedError
from routing_ml.forecasting import _calendar as cal
from routing_ml.forecasting._lgbm import LightGBMDirect
from routing_ml.forecasting._models import DailyStatsmodels, SeasonalNaive, TopDown, WindowAverage
from routing_ml.forecasting._parallel import check_backend, parallel_map
from routing_ml.forecasting._params import ParamsMixin
from routing_ml.frames import (
    FORECAST,
    ID,
    TARGET,
    TIME,
    caller_ids,
    integer_id_dtype,
    validate_volumes,
)

logger = logging.getLogger(__name__)

#: Model names accepted by ``Forecaster(model=...)``.
MODELS = ("seasonal_naive_day", "seasonal_naive_week", "window_average", "topdown", "ets",
          "mstl", "lightgbm", "ensemble")
DEFAULT_MODEL = "topdown"
#: calibration errors of intervals forecast below this with no contact are left out
ZERO_FORECAST = 0.5
#: conformal quantiles per forecast level: at most this many bins, each of at least this
#: many calibration errors
MAX_BINS, MIN_BIN_POINTS = 4, 1000
#: a series gets its own variance function with at least this many calibration errors
MIN_SERIES_POINTS = 200
ENSEMBLE_MEMBERS = ("topdown", "lightgbm", "window_average")


def _local_model(name: str, params: dict) -> Any:
    if name == "seasonal_naive_day":
        return SeasonalNaive("day")
    if name == "seasonal_naive_week":
        return SeasonalNaive("week")
    if name == "window_average":
        return WindowAverage(**params.get("window_average", {}))
    if name == "topdown":
        return TopDown(**params.get("topdown", {}))
    if name in ("ets", "mstl"):
        return DailyStatsmodels(name)
    raise ValueError(name)


def _tables(panels: list[cal.Panel], fut_days: list[np.ndarray] | None,
            holidays: cal.HolidayCalendar | None, campaigns: Sequence[tuple],
            closed_on_holidays: dict[str, bool] | None = None,
            window_start: pd.Timestamp | None = None) -> list[dict]:
    """The day table of each panel, over the history and up to its last future day.
    ``window_start``: the first day of the forecast window (default: each panel's first
    future day); its days without future rows are closures."""
    out = []
    for i, p in enumerate(panels):
        day_open = p.present.any(axis=1)
        open_weekdays = np.asarray(p.open_mask.any(axis=1), dtype=bool)
        if fut_days is not None and len(fut_days[i]):
            n = max(p.n_days, int(fut_days[i].max()) + 1)
            ext = np.zeros(n, dtype=bool)
            ext[: p.n_days] = day_open
            # days inside the forecast window without rows are closed days; the days
            # between the history and a later window are open as predict(h) would take
            # them (open weekdays, holidays closed where the series closes on them): not
            # closures, whose after-closure uplift would land on the window's first day
            first = int(fut_days[i].min())
            if window_start is not None:
                ws = int((np.datetime64(window_start.normalize(), "D") - p.start)
                         // np.timedelta64(1, "D"))
                first = min(first, max(p.n_days, ws))
            gap = np.arange(p.n_days, first)
            if gap.size:
                dates = p.start + gap.astype("timedelta64[D]")
                fill = open_weekdays[pd.DatetimeIndex(dates).dayofweek]
                if holidays is not None and (closed_on_holidays or {}).get(p.uid):
                    fill &= ~holidays.mask(dates)
                ext[gap] = fill
            ext[fut_days[i]] = True
            day_open = ext
        out.append(cal.day_table(p.start, np.asarray(day_open, dtype=bool), np.asarray(open_weekdays, dtype=bool),
                                 holidays, campaigns,
                                 uid=p.uid))
    return out


def _run_local(chunk: list[tuple]) -> list[dict]:
    """Worker: for each (panel, table, names, params, cal_cuts, horizon) fit the local
    models at every calibration origin and at the end; return states and calibration
    predictions."""
    out = []
    for panel, table, names, params, cuts, horizon_days in chunk:
        models = {n: _local_model(n, params) for n in names}
        cal_rows = []
        for c in cuts:
            tp = _truncate_day(panel, c)
            dd, ss = np.nonzero(~np.isnan(panel.Y[c + 1:c + 1 + horizon_days]))
            if dd.size == 0:
                continue
            dd = dd + c + 1
            preds = {}
            try:
                for n, m in models.items():
                    preds[n] = m.predict(m.fit(tp, table), tp, table, dd, ss)
            except FrameError as exc:
                # too little history at this origin: leave it out of the calibration
                logger.info("calibration origin %d of '%s' skipped: %s", c, panel.uid, exc)
                continue
            cal_rows.append({"cut": c, "d": dd, "s": ss, "y": panel.Y[dd, ss],
                             "pred": preds})
        states = {n: m.fit(panel, table) for n, m in models.items()}
        out.append({"states": states, "cal": cal_rows})
    return out


def _truncate_day(panel: cal.Panel, c: int) -> cal.Panel:
    """The panel up to the end of day ``c``."""
    p = cal.Panel(panel.uid, panel.step, panel.start, panel.slots, panel.Y[: c + 1],
                  panel.present[: c + 1], panel.open_mask,
                  None if panel.aht is None else panel.aht[: c + 1])
    return p


#: a queue with no contact in its last this many days with known counts is silent
SILENT_DAYS = 28


def _silent(panel: cal.Panel) -> bool:
    """No contact over the last ``SILENT_DAYS`` days with known counts (and that many)."""
    known = np.isfinite(panel.Y).any(axis=1)
    days = np.flatnonzero(known)[-SILENT_DAYS:]
    return len(days) >= SILENT_DAYS and float(np.nansum(panel.Y[days])) == 0.0


#: share of a series' usual rows absent on its open days that makes fit warn
ABSENT_ROWS_SHARE = 0.05


class Forecaster(ParamsMixin):
    """Interval contact volumes per queue, with calibrated prediction intervals.

    Parameters
    ----------
    model : one of :data:`MODELS`; default ``"topdown"``: in
        ``experiments/forecast_protocol.py`` the most accurate on the bank backtest and
        within 2.3 % of the best (``"mstl"``) on the Madrid one, in well under a second.
        ``"ensemble"`` blends
        top-down, LightGBM and the window average with weights chosen on a rolling-origin
        backtest of the training data only.
    freq : interval length ("30min", "1h"); inferred from the timestamps with a warning
        when None.
    holidays_country, holidays_subdiv : the ``holidays`` package calendar ("ES", "MD").
        ``None`` country disables public holidays.
        ``"ES"`` without a subdivision warns: the regional holidays (Jueves Santo and
        2 May in Madrid, say) are then missing.
    extra_holidays : recurring "MM-DD" or dated "YYYY-MM-DD" local holidays, e.g.
        :data:`~routing_ml.forecasting.MADRID_CITY_HOLIDAYS`; a recurring "MM-DD*" marks
        the Monday too when it falls on a Sunday. A country holiday moved by law from a
        Sunday to the Monday is a holiday on both days.
    closed_on_holidays : whether the forecast without ``future`` (``predict(h=...)``)
        leaves the holidays out. ``"auto"`` (default) learns it per series from the
        history: a series with no rows (or only zero counts) on every past holiday that
        fell on one of its open weekdays is closed on holidays (see
        :func:`~routing_ml.forecasting._calendar.closed_on_holidays`); ``True`` / ``False``
        force it for every series. Left-out holidays are closed days for the calendar
        features (the next open day is the first after a closure). A ``future`` frame is
        always forecast as given.
    campaigns : (start, end[, unique_id]) date ranges of campaigns (a flag feature).
    calendar_weeks : weeks of recent history that define the opening-hours calendar.
    calibration_windows : rolling origins inside the training data used for the interval
        calibration and the ensemble weights.
    calibration_horizon : span of each calibration window ("7D"); match your horizon.
    model_params : per-model keyword overrides, e.g. ``{"topdown": {"ridge": 2.0}}``.
    short_series : what ``fit`` does with a series of less than a week of history (no
        weekly season to learn): ``"raise"`` (default) a FrameError naming it; ``"skip"``
        fits the others, leaves it out of every forecast and warns naming it (listed in
        ``skipped_series_`` with its days of history), e.g. a queue opened last week among
        forty. Every series short is an error either way.
    n_jobs, backend : run the per-queue work in ``n_jobs`` processes ("local"/"joblib")
        or on the current Dask scheduler (``"dask"``); the numbers are identical.
    random_state : seed of LightGBM.

    Notes
    -----
    Missing data: a day without rows is closed; NaN ``y`` or an absent row in an open
    day is unknown and left out of fitting (never zero). See
    :mod:`routing_ml.forecasting._calendar`. Intervals are split conformal: the
    standardized residuals ``(y - yhat) / sqrt(a * yhat + b * yhat**2)`` of the
    calibration backtest give the quantiles of each level; counts are clipped at 0.

    Daylight-saving time: ``ds`` is naive local wall-clock time, so a 24-hour series
    cannot hold the repeated hour of an autumn change (validation rejects the duplicate
    timestamps) and the default future of a spring change day lists the local times the
    clock skips (02:00-02:59 in Europe/Madrid). For series open at those hours, keep
    ``ds`` in UTC or in a fixed UTC offset (standard time all year) in history, future
    and staffing alike, or drop the intervals that do not exist from the forecast.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, freq: str | None = None,
                 holidays_country: str | None = "ES", holidays_subdiv: str | None = None,
                 extra_holidays: Sequence[str] = (), campaigns: Sequence[tuple] = (),
                 calendar_weeks: int = 8, calibration_windows: int = 12,
                 calibration_horizon: str = "7D", model_params: dict | None = None,
                 n_jobs: int = 1, backend: str = "local", random_state: int = 0,
                 closed_on_holidays: bool | str = "auto", short_series: str = "raise") -> None:
        self.model = model
        self.freq = freq
        self.holidays_country = holidays_country
        self.holidays_subdiv = holidays_subdiv
        self.extra_holidays = extra_holidays
        self.campaigns = campaigns
        self.calendar_weeks = calendar_weeks
        self.calibration_windows = calibration_windows
        self.calibration_horizon = calibration_horizon
        self.model_params = model_params
        self.n_jobs = n_jobs
        self.backend = backend
        self.random_state = random_state
        self.closed_on_holidays = closed_on_holidays
        self.short_series = short_series

    #: default of forecasters pickled before ``short_series`` existed
    short_series: str = "raise"

    _PARAMS = ("model", "freq", "holidays_country", "holidays_subdiv", "extra_holidays",
               "campaigns", "calendar_weeks", "calibration_windows", "calibration_horizon",
               "model_params", "n_jobs", "backend", "random_state", "closed_on_holidays",
               "short_series")

    def __repr__(self) -> str:
        return f"Forecaster(model={self.model!r}, freq={self.freq!r})"

    # ------------------------------------------------------------------ validation
    def _check_params(self) -> None:
        cal.check_extra_holidays(self.extra_holidays)
        if self.model not in MODELS:
            raise ValueError(f"model={self.model!r} is unknown; choose one of {MODELS}.")
        check_backend(self.backend, self.n_jobs)
        if not (self.closed_on_holidays == "auto" or isinstance(self.closed_on_holidays, bool)):
            raise ValueError(f"closed_on_holidays={self.closed_on_holidays!r} must be 'auto' "
                             f"(learned from the history), True or False.")
        if self.short_series not in ("raise", "skip"):
            raise ValueError(f"short_series={self.short_series!r} must be 'raise' (a series of "
                             f"less than a week is an error) or 'skip' (left out, warned).")
        if not isinstance(self.calibration_windows, int) or self.calibration_windows < 2:
            raise ValueError(f"calibration_windows={self.calibration_windows!r} must be an "
                             f"int >= 2.")
        if not isinstance(self.calendar_weeks, int) or self.calendar_weeks < 1:
            raise ValueError(f"calendar_weeks={self.calendar_weeks!r} must be an int >= 1.")
        _check_campaigns(self.campaigns)
        _check_model_params(self.model_params)
        if self.holidays_subdiv and not self.holidays_country:
            raise ValueError(f"holidays_subdiv={self.holidays_subdiv!r} needs holidays_country "
                             f"(e.g. holidays_country='ES'); without a country no public "
                             f"holiday is used. Fix: pass the country, or drop holidays_subdiv.")
        span = cal.parse_span(self.calibration_horizon, name="calibration_horizon")
        if isinstance(span, int) or span < pd.Timedelta("1D"):
            raise ValueError(f"calibration_horizon={self.calibration_horizon!r} must be a span"
                             f" of at least one day, e.g. '1D' or '7D'.")

    def _holidays(self) -> cal.HolidayCalendar | None:
        return cal.holiday_calendar(self.holidays_country, self.holidays_subdiv,
                                    self.extra_holidays)

    def _members(self) -> tuple[str, ...]:
        return ENSEMBLE_MEMBERS if self.model == "ensemble" else (self.model,)

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame) -> Forecaster:
        """Fit on a volumes frame (``unique_id``, ``ds``, ``y``; NaN ``y`` = unknown).

        Returns
        -------
        self

        Raises
        ------
        FrameError
            Missing columns, bad timestamps, negative counts, duplicates, timestamps off
            the ``freq`` grid, or a series shorter than one week (one season).
        ValueError
            Unknown model, backend or parameter value.
        """
        self._check_params()
        # a refit starts fresh: no fitted state (names ending in "_") of an earlier fit
        # survives, whichever branch sets it
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)
        if str(self.holidays_country).upper() == "ES" and not self.holidays_subdiv:
            warnings.warn(
                f"holidays_country={self.holidays_country!r} without holidays_subdiv uses "
                f"only Spain's national holidays: the regional ones (e.g. Jueves Santo and "
                f"2 May in Madrid) are forecast as ordinary days. Fix: pass your region, "
                f"e.g. holidays_subdiv='MD' (Comunidad de Madrid), or "
                f"holidays_country=None to switch public holidays off.",
                UserWarning, stacklevel=2)
        data = validate_volumes(df, allow_missing=True)
        # the ids are text inside; integer ids come back as the caller gave them
        self.id_dtype_ = integer_id_dtype(df)
        if data.empty:
            raise FrameError("volumes frame has no rows; nothing to fit. Fix: pass a history "
                             "of at least one week per series.")
        step = cal.freq_minutes(self.freq) if self.freq else cal.infer_freq_minutes(data)
        cal.check_grid(data, step, frame="volumes frame")
        cal.check_step(data, step, freq=self.freq if self.freq else f"{step}min")
        panels = []
        skipped: dict[str, int] = {}
        for uid, g in data.groupby(ID, sort=True):
            p = cal.build_panel(g, str(uid), step, self.calendar_weeks)
            if p.n_days < 7 or np.isfinite(p.Y).sum() == 0:
                if self.short_series == "skip":
                    skipped[str(uid)] = int(p.n_days)
                    continue
                raise FrameError(
                    f"series '{uid}' spans {p.n_days} days with {int(np.isfinite(p.Y).sum())}"
                    f" known counts; at least one week (one weekly season) is needed. Fix: "
                    f"give a longer history, drop that series, or pass short_series='skip' "
                    f"to forecast the others without it.")
            panels.append(p)
        if not panels:
            raise FrameError(
                f"every series has less than a week of known history ({skipped}); at least "
                f"one week (one weekly season) is needed. Fix: give a longer history.")
        if skipped:
            warnings.warn(
                f"short_series='skip': {len(skipped)} series left out of the fit and of every "
                f"forecast, with less than a week of known history (days of history): "
                f"{dict(list(skipped.items())[:10])}{' ...' if len(skipped) > 10 else ''}. Plan "
                f"them by hand, or forecast them once they have a week.",
                UserWarning, stacklevel=2)
        self.skipped_series_ = skipped
        self._warn_absent_rows(panels)
        self.step_minutes_ = step
        horizon_days = int(np.ceil(cal.parse_span(self.calibration_horizon)
                                   / pd.Timedelta("1D")))
        self.horizon_days_ = horizon_days
        hol = self._holidays()
        if hol is not None:
            years = range(min(int(str(p.start)[:4]) for p in panels),
                          max(int(str(p.dates[-1])[:4]) for p in panels) + 1)
            missing = hol.years_without_country_dates(years)
            if missing:
                region = (f" holidays_subdiv={self.holidays_subdiv!r}" if self.holidays_subdiv
                          else "")
                warnings.warn(
                    f"the holidays package has no date of holidays_country="
                    f"{self.holidays_country!r}{region} in {', '.join(map(str, missing))}: "
                    f"the history's public holidays of those years are treated as ordinary "
                    f"days. Fix: list them in extra_holidays as ISO dates ('YYYY-MM-DD'), or "
                    f"holidays_country=None to switch public holidays off.",
                    UserWarning, stacklevel=2)
        if self.closed_on_holidays == "auto":
            self.closed_on_holidays_ = {p.uid: cal.closed_on_holidays(p, hol) for p in panels}
        else:
            self.closed_on_holidays_ = {p.uid: bool(self.closed_on_holidays) for p in panels}
        tables = _tables(panels, None, hol, self.campaigns)
        members = self._members()
        local = [m for m in members if m != "lightgbm"]
        params = self.model_params or {}
        cuts_all = []
        for p in panels:
            last = int(np.flatnonzero(p.present.any(axis=1)).max())
            cuts = [last - horizon_days * k for k in range(self.calibration_windows, 0, -1)]
            cuts_all.append([c for c in cuts if c >= 14])
        jobs = [(p, t, local, params, c, horizon_days)
                for p, t, c in zip(panels, tables, cuts_all, strict=True)]
        results = parallel_map(_run_local, jobs, backend=self.backend, n_jobs=self.n_jobs)
        cal_preds: list[dict] = []  # one per (series, cut)
        for i, r in enumerate(results):
            for row in r["cal"]:
                row["series"] = i
                cal_preds.append(row)
        self.lgbm_ = None
        if "lightgbm" in members:
            lg = self._lgbm()
            # one global model per calibration origin, on every series up to that date: an
            # origin is a calendar day (series that start on other dates count their days
            # from other starts)
            cut_dates = [{p.start + np.timedelta64(c, "D"): c for c in cs}
                         for p, cs in zip(panels, cuts_all, strict=True)]
            for date in sorted({d for cd in cut_dates for d in cd}):
                idx = [i for i, cd in enumerate(cut_dates) if date in cd]
                tp = [_truncate_day(panels[i], cut_dates[i][date]) for i in idx]
                model = lg.fit_global(tp, [tables[i] for i in idx])
                for i, tpi in zip(idx, tp, strict=True):
                    row = next((r for r in cal_preds if r["series"] == i
                                and r["cut"] == cut_dates[i][date]), None)
                    if row is not None:
                        row["pred"]["lightgbm"] = lg.predict_series(
                            model, tpi, tables[i], row["d"], row["s"])
            self.lgbm_ = lg.fit_global(panels, tables)
        self.panels_ = panels
        # queues with no contact over their last SILENT_DAYS known days are forecast 0,
        # intervals included (the pooled variance floor gave a queue that receives
        # nothing 2-3 contacts an hour of upper bound; the models' echo of its older
        # volume, e.g. topdown's 0.2 an hour, came with an interval of zero width)
        self.silent_series_ = frozenset(p.uid for p in panels if _silent(p))
        self.states_ = [r["states"] for r in results]
        self.weights_ = self._choose_weights(cal_preds, members)
        self._calibrate(cal_preds)
        if self.z_ is None or len(self.z_) < 20:
            longest = max(p.n_days for p in panels)
            warnings.warn(
                f"the prediction intervals are not calibrated: a history of {longest} days "
                f"leaves no calibration window (rolling origins start on day 14 and each "
                f"covers calibration_horizon={self.calibration_horizon!r}, "
                f"{horizon_days} days), so they fall back to Poisson count intervals, which "
                f"are too narrow for contact volumes. Fix: give at least "
                f"{15 + horizon_days} days of history, or a shorter calibration_horizon.",
                UserWarning, stacklevel=2)
        self.n_series_ = len(panels)
        return self

    def _lgbm(self) -> LightGBMDirect:
        params = dict((self.model_params or {}).get("lightgbm", {}))
        params.setdefault("horizon_days", self.horizon_days_)
        params.setdefault("step_days", max(1, min(7, self.horizon_days_)))
        return LightGBMDirect(random_state=int(self.random_state or 0), **params)

    def _choose_weights(self, cal_preds: list[dict], members: Sequence[str]) -> dict:
        if len(members) == 1 or not cal_preds:
            return {members[0]: 1.0} if len(members) == 1 else {
                m: 1.0 / len(members) for m in members}
        y = np.concatenate([r["y"] for r in cal_preds])
        P = np.column_stack([np.concatenate([r["pred"][m] for r in cal_preds])
                             for m in members])
        best, best_w = np.inf, None
        grid = np.arange(0, 11) / 10
        for w0 in grid:
            for w1 in grid:
                if w0 + w1 > 1 + 1e-9:
                    continue
                w = np.array([w0, w1, 1 - w0 - w1])[: len(members)]
                err = np.abs(y - P @ w).sum()
                if err < best - 1e-9:
                    best, best_w = err, w
        assert best_w is not None  # the grid always holds the single-member weights
        weights = dict(zip(members, map(float, best_w), strict=True))
        logger.info("ensemble weights %s", weights)
        return weights

    def _combine(self, preds: dict[str, np.ndarray]) -> np.ndarray:
        return np.maximum(sum(w * preds[m] for m, w in self.weights_.items()), 0.0)

    def _calibrate(self, cal_preds: list[dict]) -> None:
        """Fit the variance function and the conformal quantiles of standardized errors."""
        if not cal_preds:
            self.var_coef_ = (1.0, 0.0)
            self.z_ = None
            self.z_edges_, self.z_bins_ = np.zeros(0), []
            self.day_alpha_ = 50.0
            self.day_part_var_, self.day_interval_disp_ = 0.0, 1.0
            return
        y_all = np.concatenate([r["y"] for r in cal_preds])
        yhat_all = np.concatenate([self._combine(r["pred"]) for r in cal_preds])
        series_all = np.concatenate([np.full(len(r["y"]), r["series"]) for r in cal_preds])
        # a zero forecast of an interval with no contact (a closed night, a queue with no
        # traffic) says nothing about the spread of errors: its exact zeros would shrink
        # every interval of every queue
        informative = ~((y_all == 0) & (yhat_all < ZERO_FORECAST))
        y, yhat, series = y_all[informative], yhat_all[informative], series_all[informative]
        if y.size == 0:
            y, yhat, series = y_all, yhat_all, series_all
        e2 = (y - yhat) ** 2
        coef = _nnls2(yhat, yhat ** 2, e2)
        a, b = float(max(coef[0], 1.0)), float(coef[1])
        self.var_coef_ = (a, b)
        # each series with enough calibration errors gets its own variance function: a
        # Poisson queue and an over-dispersed one fitted together would otherwise share one
        # (the first's intervals too wide, the second's too narrow); the standardized errors
        # are then pooled for the quantiles
        self.var_coef_by_series_: dict[str, tuple[float, float]] = {}
        a_row, b_row = np.full(y.size, a), np.full(y.size, b)
        if len(self.panels_) > 1:
            for i in np.unique(series):
                sel = series == i
                if sel.sum() < MIN_SERIES_POINTS:
                    continue
                ci = _nnls2(yhat[sel], yhat[sel] ** 2, e2[sel])
                ai, bi = float(max(ci[0], 1.0)), float(ci[1])
                self.var_coef_by_series_[str(self.panels_[int(i)].uid)] = (ai, bi)
                a_row[sel], b_row[sel] = ai, bi
        z = (y - yhat) / np.sqrt(a_row * (yhat + 1.0) + b_row * yhat ** 2)
        self.z_ = np.sort(z)
        # conformal quantiles per level of the forecast (Mondrian): the variance function
        # fixes the scale, the bins the shape, which differs between quiet and busy intervals
        n_bins = int(np.clip(z.size // MIN_BIN_POINTS, 1, MAX_BINS))
        self.z_edges_ = np.quantile(yhat, np.arange(1, n_bins) / n_bins) if n_bins > 1 else np.zeros(0)
        which = np.searchsorted(self.z_edges_, yhat, side="right")
        self.z_bins_ = [np.sort(z[which == k]) for k in range(n_bins)]
        self._calibrate_intraday(cal_preds)

    def _calibrate_intraday(self, cal_preds: list[dict]) -> None:
        """The noises of a day's volume around its forecast, for intraday updating.

        Each calibration day is split where half its forecast volume is reached; with
        ``x1``, ``x2`` the two halves' actual / forecast ratios less 1, the day factor
        common to both has variance ``v = E[x1 x2]`` (the halves' count noise is
        independent: it drops out), each half its own on top, ``g = E[x^2 - d / L] - v``,
        and the intervals of a half scatter around its level with dispersion ``d`` (1 for
        Poisson counts). On the 2003 bank ``g`` is larger than ``v``: a morning above its
        forecast says little about the afternoon, and an update that trusted it was worse
        than none at 10:00 and covered 0.42 at 80 % (``experiments/intraday_coverage.py``).
        Days are weighted by ``L1 L2 / (L1 + L2)``: a queue of a few contacts a day does
        not swamp them.
        """
        halves = []  # (x1, x2, L1, L2) per calibration day
        ss, dof = 0.0, 0.0  # the intervals' squared deviations from their half's level
        for r in cal_preds:
            yh = self._combine(r["pred"])
            for d in np.unique(r["d"]):
                sel = np.flatnonzero(r["d"] == d)
                e, y = yh[sel], r["y"][sel]
                k = int(np.searchsorted(np.cumsum(e), 0.5 * e.sum())) + 1
                l1, l2 = float(e[:k].sum()), float(e[k:].sum())
                if l1 <= 0 or l2 <= 0:
                    continue
                x1, x2 = float(y[:k].sum()) / l1 - 1.0, float(y[k:].sum()) / l2 - 1.0
                halves.append((x1, x2, l1, l2))
                for part, level in ((slice(0, k), x1 + 1.0), (slice(k, None), x2 + 1.0)):
                    fitted = e[part] * level
                    n = fitted.size
                    if n > 1:
                        ss += float(((y[part] - fitted) ** 2).sum())
                        dof += float(fitted.sum()) * (n - 1) / n
        disp = max(ss / dof, 1.0) if dof > 0 else 1.0
        if len(halves) > 2:
            h = np.array(halves)  # columns x1, x2, L1, L2
            w = h[:, 2] * h[:, 3] / (h[:, 2] + h[:, 3])
            v = max(float(np.average(h[:, 0] * h[:, 1], weights=w)), 1e-4)
            own = 0.5 * (h[:, 0] ** 2 - disp / h[:, 2] + h[:, 1] ** 2 - disp / h[:, 3])
            g = max(float(np.average(own, weights=w)) - v, 0.0)
        else:
            v, g = 0.01, 0.0
        self.day_alpha_ = float(1.0 / v)
        #: variance of half a day's ratio to its forecast beyond the day's own factor
        self.day_part_var_ = float(g)
        #: dispersion of an interval's count around its half-day's level (1: Poisson)
        self.day_interval_disp_ = float(disp)

    def _check_fitted(self) -> None:
        if not hasattr(self, "panels_"):
            raise NotFittedError("This Forecaster is not fitted yet; call fit(df) first.")

    # ------------------------------------------------------------------ predict
    @staticmethod
    def _warn_absent_rows(panels: list[cal.Panel]) -> None:
        """Warn when open days miss rows at hours the series usually has (5 % or more of
        them): absent rows are unknown, not zero, so a history listing only the intervals
        with contacts is forecast too high (+19 % on a Madrid service)."""
        holes = []
        for p in panels:
            absent, expected, first = p.absent_rows()
            if expected and absent >= 10 and absent >= ABSENT_ROWS_SHARE * expected:
                holes.append((absent / expected, p.uid, absent, first))
        if not holes:
            return
        holes.sort(reverse=True)
        shown = ", ".join(f"'{uid}' ({n} rows, {share:.0%}; e.g. {at:%Y-%m-%d %H:%M})"
                          for share, uid, n, at in holes[:5])
        warnings.warn(
            f"{len(holes)} series miss rows on open days at hours they usually have: "
            f"{shown}. Absent rows are read as unknown, not zero, so if they are intervals "
            f"without contacts (a history built with groupby().size() lists only the others) "
            f"the forecast is too high. Fix: add those rows with y=0 (e.g. reindex each "
            f"series on its full grid of open intervals and fillna(0)); give rows with NaN y "
            f"for real data gaps.", UserWarning, stacklevel=3)

    def predict(self, h: int | str | pd.Timedelta | None = None,
                future: pd.DataFrame | None = None,
                level: Sequence[int | float] = (80, 95),
                window_start: str | pd.Timestamp | None = None) -> pd.DataFrame:
        """Forecast the next intervals of every series.

        Parameters
        ----------
        h : horizon: an int number of future open intervals per series, or a span such
            as "1w", "2d" from the end of each series' history. Ignored with ``future``.
            Holidays are left out for the series closed on them (``closed_on_holidays``).
        future : frame of ``unique_id``, ``ds`` to forecast exactly (e.g. the open
            intervals of a business calendar). Days in the forecast window without rows
            are read as closed days (a calendar feature). The days between the end of the
            history and the window are taken as ``predict(h)`` takes them (open on the
            series' open weekdays, holidays closed where it closes on them), so a later
            window gets the forecast ``h`` gives it. Without it, the future follows the
            series' own opening-hours calendar on every following day.
        level : prediction-interval levels in percent.
        window_start : with ``future``, the first day of the forecast window (default: the
            day of the first row of ``future``): a window whose first days are closed
            (a Monday holiday) says so by starting before its first row.

        Returns
        -------
        DataFrame with ``unique_id``, ``ds``, ``yhat`` and ``yhat_lo_L``, ``yhat_hi_L``
        per level L (counts per interval, >= 0); ``attrs["freq"]`` is the interval
        length (e.g. ``"60min"``).

        Raises
        ------
        FrameError
            ``future`` malformed, asking for unknown series, intervals at or before the
            end of history, or intervals closed in the series' calendar.
        ValueError
            Neither ``h`` nor ``future``; a bad ``h`` or ``level``.
        """
        self._check_fitted()
        levels = _check_levels(level)
        idx = self._future_indices(h, future)
        reach = max((int(d.max()) - int(np.flatnonzero(p.present.any(axis=1)).max())
                     for p, (d, _) in zip(self.panels_, idx, strict=True) if len(d)), default=0)
        if reach > getattr(self, "horizon_days_", reach):
            warnings.warn(
                f"the forecast reaches {reach} days past the history, but its intervals "
                f"were calibrated on {self.horizon_days_}-day windows "
                f"(calibration_horizon={self.calibration_horizon!r}): further out they are "
                f"likely too narrow. Fix: refit with calibration_horizon='{reach}D' (it "
                f"needs about {15 + reach} days of history).", UserWarning, stacklevel=2)
        if future is None:
            ends = {p.uid: p.last_ds for p in self.panels_}
            latest = max(ends.values())
            stale = [u for u, t in ends.items() if latest - t > pd.Timedelta(days=7)]
            if stale:
                warnings.warn(
                    f"{len(stale)} series end more than a week before the latest history "
                    f"({latest}): {', '.join(f'{u} ({ends[u]:%Y-%m-%d})' for u in stale[:5])}. "
                    f"h counts from each series' own end, so theirs is an old period. Fix: a "
                    f"future frame of the dates you want, or drop the retired queues.",
                    UserWarning, stacklevel=2)
            empty = [p.uid for p, ix in zip(self.panels_, idx, strict=True) if len(ix[0]) == 0]
            span = cal.parse_span(h) if isinstance(h, str) else None
            if empty and span is not None and span < pd.Timedelta(minutes=self.step_minutes_):
                warnings.warn(
                    f"h={h!r} is shorter than one interval ({self.step_minutes_} minutes): no "
                    f"interval fits in it, so the forecast has no row. Fix: h of at least "
                    f"'{self.step_minutes_}min', or an int h (that many intervals).",
                    UserWarning, stacklevel=2)
            elif empty:
                warnings.warn(
                    f"h={h!r} from the end of the history covers no open interval of "
                    f"{len(empty)} series ({', '.join(map(str, empty[:5]))}): the span is "
                    f"counted in calendar time from each series' last interval and falls "
                    f"where they are closed (e.g. a weekend). Fix: a longer h (e.g. h='1w'), "
                    f"an int h (open intervals), or a future frame.", UserWarning, stacklevel=2)
        start = None
        if future is not None and window_start is not None:
            from routing_ml.frames import as_timestamp

            start = as_timestamp(window_start, "window_start")
        out = self._caller_ids(self._predict_idx(idx, levels, start))
        # the interval each row counts (a frame alone cannot say it for a series with one
        # row a day; staffing does not read it: pandas keeps attrs through a roll-up)
        out.attrs["freq"] = f"{self.step_minutes_}min"
        return out

    def _caller_ids(self, out: pd.DataFrame) -> pd.DataFrame:
        return caller_ids(out, getattr(self, "id_dtype_", None))

    def _future_indices(self, h, future) -> list[tuple[np.ndarray, np.ndarray]]:
        if future is None:
            if h is None:
                raise ValueError("give the horizon h (e.g. h='1w' or h=48) or a `future` "
                                 "frame of unique_id, ds.")
            span = cal.parse_span(h)
            hol = self._holidays()
            closed = getattr(self, "closed_on_holidays_", {})
            return [cal.default_future(p, span, hol if closed.get(p.uid) else None)
                    for p in self.panels_]
        from routing_ml.frames import as_datetime_column, check_unique_keys, require_columns

        require_columns(future, (ID, TIME), frame="future frame")
        fut = future[[ID, TIME]].copy()
        fut[TIME] = as_datetime_column(fut, TIME, frame="future frame")
        fut[ID] = fut[ID].astype(str)
        check_unique_keys(fut, (ID, TIME), frame="future frame")
        cal.check_grid(fut, self.step_minutes_, frame="future frame")
        known = {p.uid for p in self.panels_}
        unknown = sorted(set(fut[ID]) - known)
        if unknown:
            skipped = [u for u in unknown if u in getattr(self, "skipped_series_", {})]
            why = (f" ({skipped[:5]} left out by short_series='skip': less than a week of "
                   f"history)" if skipped else "")
            raise FrameError(f"future frame has series {unknown[:5]} that were not in the "
                             f"fitted history{why}; fit on them first or drop them.")
        fut = fut.sort_values([ID, TIME])
        groups = dict(tuple(fut.groupby(ID, sort=False)))
        out = []
        for p in self.panels_:
            g = groups.get(p.uid)
            if g is None:
                out.append((np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)))
            else:
                out.append(cal.future_index(p, g))
        return out

    def _point(self, idx: list[tuple[np.ndarray, np.ndarray]],
               window_start: pd.Timestamp | None = None) -> tuple[list[np.ndarray], list[dict]]:
        fut_days = [d for d, _ in idx]
        tables = _tables(self.panels_, fut_days, self._holidays(), self.campaigns,
                         getattr(self, "closed_on_holidays_", {}), window_start)
        params = self.model_params or {}
        out = []
        for i, p in enumerate(self.panels_):
            d_idx, s_idx = idx[i]
            if len(d_idx) == 0:
                out.append(np.empty(0))
                continue
            preds = {}
            for name, state in self.states_[i].items():
                m = _local_model(name, params)
                preds[name] = m.predict(state, p, tables[i], d_idx, s_idx)
            if "lightgbm" in self.weights_:
                preds["lightgbm"] = self._lgbm().predict_series(self.lgbm_, p, tables[i],
                                                                d_idx, s_idx)
            out.append(self._combine(preds))
        return out, tables

    def _predict_idx(self, idx, levels, window_start: pd.Timestamp | None = None) -> pd.DataFrame:
        yhat, _ = self._point(idx, window_start)
        silent: frozenset[str] = getattr(self, "silent_series_", frozenset())
        frames = []
        for p, (d_idx, s_idx), yh in zip(self.panels_, idx, yhat, strict=True):
            if p.uid in silent:
                yh = np.zeros_like(yh)
            ds = (p.start + d_idx.astype("timedelta64[D]")).astype("datetime64[ns]") + (
                p.slots[s_idx].astype("timedelta64[m]"))
            f = pd.DataFrame({ID: p.uid, TIME: ds, FORECAST: yh})
            frames.append(f)
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=[ID, TIME, FORECAST])
        return self._add_intervals(out, levels)

    def _add_intervals(self, out: pd.DataFrame, levels: Sequence[float]) -> pd.DataFrame:
        yh = out[FORECAST].to_numpy(float)
        a0, b0 = self.var_coef_
        own = getattr(self, "var_coef_by_series_", None) or {}
        coefs = out[ID].astype(str).map(lambda u: own.get(u, (a0, b0))) if own else None
        a = np.full(yh.size, a0) if coefs is None else np.array([c[0] for c in coefs], dtype=float)
        b = np.full(yh.size, b0) if coefs is None else np.array([c[1] for c in coefs], dtype=float)
        sd = np.sqrt(a * (yh + 1.0) + b * yh ** 2)
        bins = getattr(self, "z_bins_", None) or ([self.z_] if self.z_ is not None else [])
        edges = getattr(self, "z_edges_", np.zeros(0)) if len(bins) > 1 else np.zeros(0)
        which = np.searchsorted(edges, yh, side="right")
        for L in levels:
            lo_q, hi_q = (1 - L / 100) / 2, 1 - (1 - L / 100) / 2
            zl, zh = np.empty(yh.size), np.empty(yh.size)
            for k in range(max(1, len(bins))):
                z = bins[k] if bins else None
                if z is not None and len(z) >= 20:
                    lo, hi = np.quantile(z, [lo_q, hi_q])
                else:
                    from statistics import NormalDist

                    lo, hi = NormalDist().inv_cdf(lo_q), NormalDist().inv_cdf(hi_q)
                # a biased calibration (e.g. all errors of one sign) must not put the point
                # forecast outside its own interval: lo <= yhat <= hi always
                sel = which == k
                zl[sel], zh[sel] = min(lo, 0.0), max(hi, 0.0)
            silent: frozenset[str] = getattr(self, "silent_series_", frozenset())
            if silent:
                quiet = out[ID].astype(str).isin(silent).to_numpy()
                zl, zh = np.where(quiet, 0.0, zl), np.where(quiet, 0.0, zh)
            name = _fmt(L)
            # no count is less spread than Poisson: the lower bound is at most Poisson's
            # quantile. A quiet queue's calibration errors leave out its exact zeros (see
            # _calibrate), so its bins saw only positive errors and put the lower bound at
            # the forecast: 0.05 contacts an hour, y = 0 nine times in ten, outside the
            # interval (95 % intervals covered 0.59 on 30 such queues, 0.70 on Madrid's 77
            # services by the hour)
            poisson_lo = _poisson_lower(lo_q, yh)
            out[f"{FORECAST}_lo_{name}"] = np.maximum(np.minimum(yh + zl * sd, poisson_lo), 0.0)
            out[f"{FORECAST}_hi_{name}"] = np.maximum(yh + zh * sd, 0.0)
        return out

    # ------------------------------------------------------------------ intraday
    def reforecast_intraday(self, observed: pd.DataFrame,
                            level: Sequence[int | float] = (80, 95)) -> pd.DataFrame:
        """Update the rest of today from the arrivals observed so far today.

        The day's volume is the forecast times a day factor with a Gamma(alpha, alpha)
        prior (Weinberg, Brown & Stroud 2007; Shen & Huang 2008). The part of the day seen
        is a noisy measure of it: its intervals scatter with dispersion ``d`` and that part
        of the day strays from the day's factor with variance ``g``, so after seeing ``N``
        contacts where ``L`` were forecast the factor's posterior mean is
        ``(alpha + N / phi) / (alpha + L / phi)`` with ``phi = d + g L`` (``alpha``, ``g``,
        ``d`` from the calibration backtest: ``day_alpha_``, ``day_part_var_``,
        ``day_interval_disp_``), and each remaining interval's count is negative binomial
        with the variance of that posterior, of ``g`` and of ``d``. On the 2003 bank, seen
        until 10:00 / 12:00 / 15:00, the rest of the day's 80 % intervals cover 0.79 /
        0.85 / 0.84 and its MAE is 1 / 9 / 11 % below the day-ahead forecast's
        (``experiments/intraday_coverage.py``).

        Parameters
        ----------
        observed : volumes frame (``unique_id``, ``ds``, ``y``) of today's intervals so
            far, all on the day after the fitted history (or later that same day).
        level : interval levels in percent.

        Returns
        -------
        DataFrame with ``unique_id``, ``ds``, ``yhat``, ``yhat_lo_L``, ``yhat_hi_L`` for the
        remaining open intervals of that day, plus ``day_factor``.
        """
        self._check_fitted()
        from scipy.stats import nbinom

        levels = _check_levels(level)
        obs = validate_volumes(observed, frame="observed frame")
        cal.check_grid(obs, self.step_minutes_, frame="observed frame")
        frames = []
        by = dict(tuple(obs.groupby(ID, sort=False)))
        unknown = sorted(set(by) - {str(p.uid) for p in self.panels_})
        if unknown:
            raise FrameError(
                f"observed frame: unique_id {unknown[:5]} are not series of the fitted history "
                f"(it has {sorted(str(p.uid) for p in self.panels_)[:8]}). Fix: correct the ids, "
                f"or refit with those queues.")
        for p in self.panels_:
            g = by.get(p.uid)
            if g is None:
                continue
            days = g[TIME].dt.normalize().unique()
            if len(days) != 1:
                raise FrameError(f"observed frame: series '{p.uid}' spans {len(days)} days; "
                                 f"give only today's intervals.")
            day = pd.Timestamp(days[0])
            d = int((np.datetime64(day, "D") - p.start) // np.timedelta64(1, "D"))
            wd = day.dayofweek
            s_all = np.flatnonzero(p.open_mask[wd])
            last = int(np.flatnonzero(p.present.any(axis=1)).max())
            if d <= last:
                raise FrameError(f"observed frame: {day.date()} is not after the fitted "
                                 f"history of '{p.uid}'; refit or pass a later day.")
            # the open days in between would be taken as closures (and their after-closure
            # uplift applied): only the next open day, past closed weekdays and holidays
            between = pd.date_range(pd.Timestamp(p.start) + pd.Timedelta(days=last + 1),
                                    periods=d - last - 1, freq="D")
            hol = self._holidays()
            skipped = [x for x in between if p.open_mask[x.dayofweek].any()
                       and not (hol is not None and self.closed_on_holidays_.get(p.uid)
                                and hol.mask(np.array([x], dtype="datetime64[D]"))[0])]
            if skipped:
                raise FrameError(
                    f"observed frame: {day.date()} is not the next open day after the fitted "
                    f"history of '{p.uid}' (it ends {(pd.Timestamp(p.start) + pd.Timedelta(days=last)).date()}; "
                    f"{skipped[0].date()} is open and unseen). Fix: refit with the days up to "
                    f"yesterday, then update today.")
            fut = pd.DataFrame({ID: p.uid, TIME: day + pd.to_timedelta(p.slots[s_all], "m")})
            d_i, s_i = cal.future_index(p, fut, strict=True)
            one = Forecaster.__new__(Forecaster)
            one.__dict__.update(self.__dict__)
            one.panels_ = [p]
            one.states_ = [self.states_[self.panels_.index(p)]]
            yh = one._point([(d_i, s_i)])[0][0]
            minutes = (g[TIME] - day).dt.total_seconds().to_numpy() / 60
            closed = ~np.isin(minutes, p.slots[s_all]) & (g[TARGET].to_numpy(float) > 0)
            if closed.any():
                times = ", ".join(f"{t:%H:%M}" for t in g[TIME][closed].head(5))
                raise FrameError(
                    f"observed frame: series '{p.uid}' has {int(g[TARGET][closed].sum())} "
                    f"contacts in {int(closed.sum())} interval(s) its fitted calendar has "
                    f"closed on {day:%A}s ({times}); the day factor would scale the whole "
                    f"day by them. Fix: refit with a history that has those hours open, or "
                    f"leave those intervals out.")
            seen = np.isin(p.slots[s_all], minutes)
            lam_seen = yh[seen].sum()
            n_seen = g[TARGET].sum()
            # the morning is a noisy measure of the day's factor: its counts scatter
            # (day_interval_disp_) and its half of the day strays on its own
            # (day_part_var_), so they weigh as N / phi contacts (quasi-Poisson)
            disp = getattr(self, "day_interval_disp_", 1.0)
            part = getattr(self, "day_part_var_", 0.0)
            phi = disp + part * lam_seen
            alpha = self.day_alpha_
            shape = alpha + n_seen / phi
            factor = shape / (alpha + lam_seen / phi)
            rest = ~seen & (p.slots[s_all] > minutes.max())
            lam = yh[rest]
            f = pd.DataFrame({ID: p.uid, TIME: fut[TIME].to_numpy()[rest],
                              FORECAST: lam * factor, "day_factor": factor})
            mean = f[FORECAST].to_numpy(float)
            # each remaining count: negative binomial with the variance of the factor's
            # posterior, of the rest of the day's own deviation and of the interval
            var = disp * mean + mean ** 2 * (1.0 / shape + part)
            n_par = mean ** 2 / np.maximum(var - mean, 1e-12)
            prob = n_par / (n_par + np.maximum(mean, 1e-12))
            # integer quantiles of a skewed count can fall below a small mean:
            # keep lo <= yhat <= hi
            # an interval forecast at zero (closed in practice, or no contact ever) stays
            # at zero whatever the day factor: its bounds are 0, not the NaN of nbinom(0, 0)
            zero = mean <= 0
            for L in levels:
                lo_q, hi_q = (1 - L / 100) / 2, 1 - (1 - L / 100) / 2
                f[f"{FORECAST}_lo_{_fmt(L)}"] = np.where(zero, 0.0, np.minimum(
                    nbinom.ppf(lo_q, n_par, prob).astype(float), mean))
                f[f"{FORECAST}_hi_{_fmt(L)}"] = np.where(zero, 0.0, np.maximum(
                    nbinom.ppf(hi_q, n_par, prob).astype(float), mean))
            frames.append(f)
        if not frames:
            raise FrameError("observed frame has no series of the fitted history.")
        return self._caller_ids(pd.concat(frames, ignore_index=True))

    update = reforecast_intraday


def _check_model_params(model_params: Any) -> None:
    """``model_params`` is None or {model: {parameter: value}} with models that take
    parameters and parameters they know (a typo was silently ignored, or failed deep
    inside the fit with a bare TypeError)."""
    import inspect

    if model_params is None:
        return
    tunable = {"topdown": TopDown, "window_average": WindowAverage, "lightgbm": LightGBMDirect}
    if not isinstance(model_params, dict):
        raise ValueError(f"model_params={model_params!r} must be a dict of per-model parameters, "
                         f"e.g. {{'topdown': {{'ridge': 2.0}}}}.")
    for name, kw in model_params.items():
        if name not in tunable:
            raise ValueError(f"model_params: {name!r} is not a model that takes parameters; "
                             f"use one of {sorted(tunable)}.")
        if not isinstance(kw, dict):
            raise ValueError(f"model_params[{name!r}] must be a dict of parameters, got {kw!r}.")
        sig = inspect.signature(tunable[name]).parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.values()):
            continue
        known = sorted(set(sig) - {"self", "random_state"})
        unknown = sorted(str(k) for k in kw if k not in known)
        if unknown:
            raise ValueError(f"model_params[{name!r}]: unknown parameter(s) {unknown}; "
                             f"{name} takes {known}.")


def _check_campaigns(campaigns: Any) -> None:
    """``campaigns`` is a list of (start, end[, unique_id]) with start <= end (dates)."""
    fix = ("Fix: a list of (start, end) or (start, end, unique_id) date ranges, e.g. "
           "campaigns=[('2024-03-04', '2024-03-15')].")
    if isinstance(campaigns, str | bytes) or not isinstance(campaigns, Sequence):
        raise ValueError(f"campaigns={campaigns!r} is not a list of date ranges. {fix}")
    for c in campaigns:
        if isinstance(c, str | bytes) or not isinstance(c, Sequence) or len(c) not in (2, 3):
            raise ValueError(f"campaigns: {c!r} is not a (start, end[, unique_id]) range "
                             f"(a bare pair must be inside a list). {fix}")
        try:
            start, end = pd.Timestamp(c[0]), pd.Timestamp(c[1])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"campaigns: {c!r} has a start or end that is not a date "
                             f"({exc}). {fix}") from None
        if pd.isna(start) or pd.isna(end) or start > end:
            raise ValueError(f"campaigns: {c!r} must have a start on or before its end. {fix}")


def _poisson_lower(q: float, lam: np.ndarray) -> np.ndarray:
    """A floor for the ``q`` quantile (q <= 0.5) of Poisson(``lam``), per row: exact up
    to ``lam`` 30 (the number of counts whose CDF is below ``q``), the normal approximation
    less one above (scipy.stats costs 1.6 s to import and 0.3 s per 100,000 rows)."""
    from statistics import NormalDist

    lam = np.maximum(np.asarray(lam, dtype=float), 0.0)
    out = np.empty_like(lam)
    big = lam > 30.0
    out[big] = np.maximum(np.floor(lam[big] + NormalDist().inv_cdf(q) * np.sqrt(lam[big])) - 1, 0)
    small = lam[~big]
    pmf = np.exp(-small)
    cdf = pmf.copy()
    below = cdf < q
    count = below.astype(float)
    k = 1
    while below.any() and k < 120:
        pmf = pmf * small / k
        cdf += pmf
        below = cdf < q
        count += below
        k += 1
    out[~big] = count
    return out


def _nnls2(x1: np.ndarray, x2: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-negative least squares of y on two columns (no intercept), in closed form."""
    A = np.column_stack([x1, x2])
    G = A.T @ A
    b = A.T @ y
    try:
        coef = np.linalg.solve(G + 1e-12 * np.eye(2), b)
    except np.linalg.LinAlgError:
        coef = np.array([-1.0, -1.0])
    if (coef >= 0).all():
        return coef
    c1 = max(b[0] / max(G[0, 0], 1e-12), 0.0)
    c2 = max(b[1] / max(G[1, 1], 1e-12), 0.0)
    r1 = ((y - c1 * x1) ** 2).sum()
    r2 = ((y - c2 * x2) ** 2).sum()
    return np.array([c1, 0.0]) if r1 <= r2 else np.array([0.0, c2])


def _fmt(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else str(level)


def _check_levels(level: Sequence[int | float] | int | float | np.ndarray) -> list[float]:
    given: list[Any] = np.asarray(level, dtype=object).ravel().tolist()  # numbers, NumPy too
    out: list[float] = []
    for L in given:
        if isinstance(L, bool | np.bool_) or not isinstance(L, numbers.Real) \
                or not 0 < float(L) < 100:
            raise ValueError(f"level={level!r}: each level must be a percentage in (0, 100), "
                             f"e.g. (80, 95).")
        out.append(float(L))
    if out and max(out) <= 1:
        fix = tuple(_fmt(100 * L) for L in out)
        raise ValueError(f"level={level!r}: levels are percentages (80 for an 80 % interval); "
                         f"these read as intervals of at most 1 %. Fix: level=({', '.join(fix)}"
                         f"{',' if len(fix) == 1 else ''}).")
    return out

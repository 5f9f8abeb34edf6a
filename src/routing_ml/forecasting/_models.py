"""Point-forecast models on the day x slot panel of one series (or all, for LightGBM).

Every model has ``fit(panel, table) -> state`` (local) and ``predict(state, panel, table,
d_idx, s_idx) -> yhat`` where ``table`` is the :func:`~._calendar.day_table` over the
history and forecast days, and ``d_idx``/``s_idx`` index the intervals to forecast.
Heavy libraries (statsmodels, lightgbm) are imported inside ``fit``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from routing_ml.forecasting._calendar import Panel

logger = logging.getLogger(__name__)

EVENT_COLUMNS = ("holiday", "bridge", "eve", "after_holiday", "closed_before1",
                 "closed_before2", "closed_before3", "bdom1", "bdom2", "bdom_last", "bdom_last2", "campaign")


def _last_day(panel: Panel) -> int:
    return int(np.flatnonzero(panel.present.any(axis=1)).max())


# ----------------------------------------------------------------------------- profiles
#: a day read on its own opening hours must span this share of the weeks' open slots
OWN_HOURS_SHARE = 0.75
#: a series with no complete day and at most this many contacts in all is given a flat
#: intraday shape (a nearly silent queue), not an error
FLAT_PROFILE_MAX_CONTACTS = 10


def day_profiles(panel: Panel, day_type: np.ndarray, halflife: float, max_weeks: int
                 ) -> np.ndarray:
    """(7, slots) intraday shares per day type from fully observed recent days.

    Recent days weigh more: weight 0.5 ** (age in occurrences of that type / halflife).
    A type without a complete day falls back to the pooled profile of all types. When no
    day at all is complete (opening hours that moved: no day covers the union of the
    weeks' open slots), each day is read on its own open slots (those of its first to last
    observed slot).
    """
    def usable(p: np.ndarray) -> bool:
        return bool(np.isfinite(p).all() and (p.sum(axis=1) > 0).any())

    # the recent weeks first; a queue quiet for all of them (its traffic stopped) takes its
    # shape from its whole history, where it had some
    for weeks in (max_weeks, panel.n_days // 7 + 1):
        for own_hours in (False, True):
            prof = _day_profiles(panel, day_type, halflife, weeks, own_hours=own_hours)
            if usable(prof):
                return prof
    # no day with contacts and its intervals known: a queue that received a handful of
    # contacts (on days with a hole) gets a flat shape over the open intervals, its totals
    # (near zero) from the days whose intervals are known; more contacts than that with no
    # complete day is a frame listing only the intervals with calls (an error, later)
    if np.nansum(panel.Y) > FLAT_PROFILE_MAX_CONTACTS:
        return prof
    flat = panel.open_mask.any(axis=0).astype(float)
    if not flat.any():
        flat[:] = 1.0
    return np.tile(flat / flat.sum(), (7, 1))


def _day_profiles(panel: Panel, day_type: np.ndarray, halflife: float, max_weeks: int,
                  *, own_hours: bool) -> np.ndarray:
    Y = panel.Y
    n_days, n_slots = Y.shape
    wd = (panel.start.astype(np.int64) + np.arange(n_days) + 3) % 7
    prof = np.full((7, n_slots), np.nan)
    pooled_num = np.zeros(n_slots)
    pooled_den = np.zeros(n_slots)
    recent = np.arange(n_days) >= n_days - 7 * max_weeks
    for t in range(7):
        sel = np.flatnonzero((day_type[:n_days] == t) & recent)
        if sel.size == 0:
            continue
        mask = panel.open_mask[wd[sel]]
        obs = ~np.isnan(Y[sel])
        if own_hours:  # slots outside a day's first..last observed slot: closed that day
            cum = np.cumsum(obs, axis=1)
            inside = ((cum > 0) & (cum < cum[:, -1:])) | obs
            # ... if that span is most of the weeks' open hours (an hour moved), not a few
            # rows of a series that only lists the intervals with calls
            long = (mask & inside).sum(axis=1) >= OWN_HOURS_SHARE * mask.sum(axis=1)
            mask = mask & inside & long[:, None]
        full = (obs | ~mask).all(axis=1) & (np.nansum(Y[sel], axis=1) > 0) & mask.any(axis=1)
        sel = sel[full]
        if sel.size == 0:
            continue
        shares = np.nan_to_num(Y[sel]) / np.nansum(Y[sel], axis=1, keepdims=True)
        age = np.arange(sel.size)[::-1]
        w = 0.5 ** (age / halflife)
        prof[t] = (w[:, None] * shares).sum(axis=0) / w.sum()
        pooled_num += (w[:, None] * shares).sum(axis=0)
        pooled_den += w.sum()
    pooled = pooled_num / np.maximum(pooled_den, 1e-12)
    for t in range(7):
        if np.isnan(prof[t]).any():
            prof[t] = pooled
    return prof


def daily_totals(panel: Panel, prof: np.ndarray, day_type: np.ndarray,
                 min_coverage: float = 0.6) -> np.ndarray:
    """Total of each history day, scaled up for missing slots; NaN if too little is seen."""
    Y = panel.Y
    n_days = Y.shape[0]
    wd = (panel.start.astype(np.int64) + np.arange(n_days) + 3) % 7
    p = prof[day_type[:n_days]] * panel.open_mask[wd]
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
    obs = ~np.isnan(Y)
    cover = (p * obs).sum(axis=1)
    tot = np.where(cover >= min_coverage, np.nansum(Y, axis=1) / np.maximum(cover, 1e-12),
                   np.nan)
    tot[~panel.present.any(axis=1)] = np.nan
    return tot


def _shape(prof: np.ndarray, panel: Panel, day_type: np.ndarray, weekday: np.ndarray,
           d_idx: np.ndarray, s_idx: np.ndarray) -> np.ndarray:
    p = prof[day_type[d_idx]] * panel.open_mask[weekday[d_idx]]
    return p[np.arange(len(d_idx)), s_idx] / np.maximum(p.sum(axis=1), 1e-12)


# ----------------------------------------------------------------------------- baselines
@dataclass
class SeasonalNaive:
    """Last observed value of the same slot one season ago (``season`` "day" or "week")."""

    season: str = "week"

    name = "seasonal_naive"

    def fit(self, panel: Panel, table: dict) -> dict:
        return {}

    def predict(self, state: dict, panel: Panel, table: dict, d_idx, s_idx) -> np.ndarray:
        Y = panel.Y
        last = _last_day(panel)
        out = np.full(len(d_idx), np.nan)
        if self.season == "day":
            for s in np.unique(s_idx):
                col = Y[: last + 1, s]
                ok = np.flatnonzero(~np.isnan(col))
                out[s_idx == s] = col[ok[-1]] if ok.size else np.nan
        else:
            for i, (d, s) in enumerate(zip(d_idx, s_idx, strict=True)):
                # the latest same weekday at or before ``last``: d - 7 for d <= last + 7
                k = d - 7 * ((d - last - 1) // 7 + 1) if d > last else d - 7
                while k >= 0:
                    if not np.isnan(Y[k, s]):
                        out[i] = Y[k, s]
                        break
                    k -= 7
        return _fill(out, panel)


@dataclass
class WindowAverage:
    """Mean of the same weekday and slot over the last ``k`` observed weeks."""

    k: int = 4

    name = "window_average"

    def fit(self, panel: Panel, table: dict) -> dict:
        return {}

    def predict(self, state: dict, panel: Panel, table: dict, d_idx, s_idx) -> np.ndarray:
        Y = panel.Y
        last = _last_day(panel)
        out = np.full(len(d_idx), np.nan)
        for i, (d, s) in enumerate(zip(d_idx, s_idx, strict=True)):
            k0 = d - 7 * ((d - last - 1) // 7 + 1) if d > last else d - 7
            ks = np.arange(k0, -1, -7)[: 4 * self.k]
            vals = Y[ks, s]
            vals = vals[~np.isnan(vals)][: self.k]
            if vals.size:
                out[i] = vals.mean()
        return _fill(out, panel)


def _fill(out: np.ndarray, panel: Panel) -> np.ndarray:
    if np.isnan(out).any():
        out = np.where(np.isnan(out), np.nanmean(panel.Y) if np.isfinite(panel.Y).any()
                       else 0.0, out)
    return np.maximum(out, 0.0)


# ----------------------------------------------------------------------------- top-down
def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Smallest value whose cumulative weight reaches half of the total weight."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, 0.5 * cw[-1])])


@dataclass
class TopDown:
    """Daily totals x intraday profile of the same day type (weekday; holidays as Sunday).

    Daily totals: log-linear weighted regression on day-type dummies and calendar events
    (holidays, bridges, eves, first open days after a closure, first/last business days
    of the month, campaigns), ridge-shrunk, with weights halving every
    ``effects_halflife_days``; then a local level, the exponentially weighted mean of
    the recent residuals (half-life ``level_halflife_days``). Profiles: exponentially
    weighted mean shares of the recent complete days of the same type.
    """

    level_halflife_days: float = 5.0
    effects_halflife_days: float = 90.0
    profile_halflife: float = 4.0
    profile_weeks: int = 16
    ridge: float = 0.3
    events: bool = True
    robust: bool = True

    name = "topdown"

    def fit(self, panel: Panel, table: dict) -> dict:
        n = panel.n_days
        day_type = table["day_type"]
        prof = day_profiles(panel, day_type, self.profile_halflife, self.profile_weeks)
        tot = daily_totals(panel, prof, day_type)
        ok = np.flatnonzero(np.isfinite(tot))
        if ok.size == 0 and np.isfinite(panel.Y).any() and np.nansum(panel.Y) == 0:
            # every known count is 0 (a queue that received nothing): its daily totals are
            # known zeros, not unknown; forecast 0 (the intervals come from the variance
            # floor of the calibration)
            return {"prof": prof, "beta": np.zeros(7 + (len(EVENT_COLUMNS) if self.events
                                                         else 0)),
                    "level": 0.0, "sigma2": 0.0, "n": n, "zero": True}
        if ok.size == 0:
            from routing_ml.errors import FrameError

            raise FrameError(
                f"series '{panel.uid}': no day has enough known intervals to estimate its "
                f"daily total (each open day needs >= 60 % of its intraday profile known), so "
                f"the top-down model cannot be fitted. Missing rows and NaN y are read as "
                f"unknown, not as zero: if no row means no call, put the series on a regular "
                f"grid with y = 0 where nothing arrived (e.g. df.set_index('ds').asfreq(freq, "
                f"fill_value=0) per series).")
        last = ok.max()
        logt = np.log1p(tot[ok])
        X = self._design(table, ok)
        cols = X.std(axis=0) > 0
        cols[:7] = X[:, :7].any(axis=0)
        Xc = X[:, cols]
        w = 0.5 ** ((last - ok) / self.effects_halflife_days)
        pen = np.where(np.arange(X.shape[1])[cols] < 7, 1e-3, self.ridge)
        A = Xc.T @ (w[:, None] * Xc) + np.diag(pen)
        beta_c = np.linalg.solve(A, Xc.T @ (w * logt))
        beta = np.zeros(X.shape[1])
        beta[cols] = beta_c
        # unseen day types: the mean of the seen ones
        seen = cols[:7]
        if seen.any():
            beta[:7][~seen] = beta[:7][seen].mean()
        resid = logt - X @ beta
        wl = 0.5 ** ((last - ok) / self.level_halflife_days)
        if self.robust:
            # Huber-like: clip residuals at 2 robust standard deviations, centred and scaled
            # with the level's own recency weights, so a level change that has lasted
            # weeks is the centre (not an outlier) while an isolated odd day is still clipped
            med = _weighted_median(resid, wl)
            mad = 1.4826 * _weighted_median(np.abs(resid - med), wl) + 1e-9
            resid_l = np.clip(resid, med - 2 * mad, med + 2 * mad)
        else:
            resid_l = resid
        level = float((wl * resid_l).sum() / wl.sum())
        sigma2 = float((w * (resid - level) ** 2).sum() / w.sum())
        return {"prof": prof, "beta": beta, "level": level, "sigma2": sigma2, "n": n}

    def _design(self, table: dict, days: np.ndarray) -> np.ndarray:
        X = np.zeros((len(days), 7 + (len(EVENT_COLUMNS) if self.events else 0)))
        X[np.arange(len(days)), table["day_type"][days]] = 1.0
        if self.events:
            for j, c in enumerate(EVENT_COLUMNS):
                X[:, 7 + j] = table[c][days]
        return X

    def daily(self, state: dict, table: dict, days: np.ndarray) -> np.ndarray:
        """Forecast daily totals of ``days``."""
        if state.get("zero"):
            return np.zeros(len(days))
        X = self._design(table, days)
        return np.expm1(X @ state["beta"] + state["level"])

    def predict(self, state: dict, panel: Panel, table: dict, d_idx, s_idx) -> np.ndarray:
        days = np.unique(d_idx)
        tot = dict(zip(days, self.daily(state, table, days), strict=True))
        t = np.array([tot[d] for d in d_idx])
        share = _shape(state["prof"], panel, table["day_type"], table["weekday"], d_idx, s_idx)
        return np.maximum(t * share, 0.0)


def _ordinary(table: dict) -> dict:
    """The calendar table with every day an ordinary day of its weekday (no holiday day
    type, no event)."""
    return {**table, "day_type": table["weekday"],
            **{c: np.zeros_like(table[c]) for c in EVENT_COLUMNS if c in table}}


def _calendar_factor(td: TopDown, state: dict, table: dict, days: np.ndarray) -> np.ndarray:
    """Top-down total of each day over that of an ordinary day of its weekday: below 1 on
    a holiday, above after a closure; 1 where either is not positive."""
    if state.get("zero") or len(days) == 0:
        return np.ones(len(days))
    actual = td.daily(state, table, days)
    plain = td.daily(state, _ordinary(table), days)
    ok = (actual > 0) & (plain > 0) & np.isfinite(actual) & np.isfinite(plain)
    return np.where(ok, np.clip(actual / np.where(ok, plain, 1.0), 0.02, 50.0), 1.0)


# ----------------------------------------------------------------------------- statsmodels
@dataclass
class DailyStatsmodels:
    """statsmodels ETS (Holt-Winters) or MSTL on the sequence of open-day totals x profile.

    The sequence keeps one position per day of an open weekday, so its weekly season is
    the number of open weekdays; days without rows or too incomplete to total are filled
    by the top-down estimate. A history too short for a weekly season (fewer than two
    open weekdays, or fewer than two weeks of them plus a day) is forecast by the top-down
    model instead, with a warning.
    """

    method: str = "ets"

    @property
    def name(self) -> str:
        return self.method

    def fit(self, panel: Panel, table: dict) -> dict:
        from routing_ml.errors import require

        require("statsmodels", None)
        td = TopDown()
        st = td.fit(panel, table)
        prof = st["prof"]
        if st.get("zero"):  # every known count is 0: nothing for statsmodels to fit
            return {"prof": prof, "zero": True}
        tot = daily_totals(panel, prof, table["day_type"])
        seen = np.flatnonzero(panel.present.any(axis=1))
        # the 14-month hole of a series: keep only the last contiguous stretch
        gaps = np.flatnonzero(np.diff(seen) > 14)
        first = seen[gaps[-1] + 1] if gaps.size else seen[0]
        # one position per day of an open weekday, as predict counts them: a day without
        # rows (a holiday closure, a missing day) is filled with the top-down estimate, so
        # it cannot shift every later day one place in the weekly season
        open_wd = np.asarray(panel.open_mask.any(axis=1), dtype=bool)
        if not open_wd.any():
            open_wd = np.ones(7, dtype=bool)
        span = np.arange(first, seen[-1] + 1)
        open_days = span[open_wd[table["weekday"][span]]]
        series = tot[open_days]
        miss = np.isnan(series)
        if miss.any():
            # as an ordinary day of its weekday: a holiday closure's own day type (holidays
            # as Sunday) would fill a Thursday with a Sunday's total and bend the season
            series[miss] = td.daily(st, _ordinary(table), open_days[miss])
        # holidays, bridges and other calendar events: the series is fitted as ordinary
        # days (each total divided by the top-down model's calendar factor) and the
        # forecast multiplied back, so a past holiday does not pull its weekday down and a
        # holiday ahead is forecast as one
        factor = np.where(miss, 1.0, _calendar_factor(td, st, table, open_days))
        series = series / factor
        m = int(open_wd.sum())
        if m < 2 or len(series) < 2 * m + 1:
            import warnings

            warnings.warn(
                f"{self.method} on '{panel.uid}': {len(series)} open days with {m} open weekdays "
                f"are too few for a weekly season (at least 2 open weekdays and {2 * m + 1} days); "
                f"forecast by the top-down model instead. Fix: a longer history, or "
                f"model='topdown'.", stacklevel=2)
            return {"prof": prof, "fallback": st}
        wd = table["weekday"][open_days]
        if self.method == "ets":
            import warnings

            from statsmodels.tsa.holtwinters import ExponentialSmoothing

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fitm = ExponentialSmoothing(np.maximum(series, 1.0), trend=None,
                                            seasonal="mul", seasonal_periods=m,
                                            initialization_method="estimated").fit()
            for w in caught:
                logger.debug("statsmodels ETS on '%s': %s", panel.uid, w.message)
            # the multiplicative season needs totals >= 1: a weekday whose recent totals
            # are all 0 (rows kept, nobody calls) is forecast 0, not 1 a day
            recent_wd, recent = table["weekday"][open_days[-4 * m:]], series[-4 * m:]
            zero_wd = np.array([bool((recent_wd == wday).any() and (recent[recent_wd == wday] <= 0).all())
                                for wday in range(7)])
            return {"prof": prof, "fitm": fitm, "m": m, "n_seq": len(series),
                    "last_total": float(series[-1] * factor[-1]), "open_weekdays": open_wd,
                    "zero_weekdays": zero_wd, "td": st}
        from statsmodels.tsa.seasonal import MSTL

        res = MSTL(series, periods=(m,)).fit()
        seas = np.asarray(res.seasonal).reshape(len(series), -1).sum(axis=1)
        by_wd = np.zeros(7)
        for wday in range(7):
            sel = np.flatnonzero(wd == wday)[-2:]
            by_wd[wday] = seas[sel].mean() if sel.size else 0.0
        trend = np.asarray(res.trend)
        slope = (trend[-1] - trend[-m - 1]) / m if len(trend) > m else 0.0
        return {"prof": prof, "by_wd": by_wd, "trend": float(trend[-1]), "slope": float(slope),
                "td": st}

    def predict(self, state: dict, panel: Panel, table: dict, d_idx, s_idx) -> np.ndarray:
        if state.get("zero"):
            return np.zeros(len(d_idx))
        if "fallback" in state:
            return TopDown().predict(state["fallback"], panel, table, d_idx, s_idx)
        days = np.unique(d_idx)
        if self.method == "ets":
            # the model's day index counts the open weekdays after the last history day:
            # each requested day is picked by its own position, so a skipped day (a
            # holiday, a gap in ``future``) does not shift the others onto its total
            last = _last_day(panel)
            open_wd = state.get("open_weekdays", panel.open_mask.any(axis=1))
            span = np.arange(last + 1, max(int(days.max()), last) + 1)
            steps = np.cumsum(open_wd[table["weekday"][span]])
            pos = np.array([steps[d - last - 1] if d > last else 0 for d in days],
                           dtype=np.int64)
            ahead = np.asarray(state["fitm"].forecast(max(int(pos.max()), 1)))
            # position 0 is the (partial) last history day: its own estimated total
            fc = np.where(pos > 0, ahead[np.maximum(pos, 1) - 1],
                          state.get("last_total", ahead[0]))
            fc = np.where(state.get("zero_weekdays", np.zeros(7, bool))[table["weekday"][days]],
                          0.0, fc)
        else:
            steps = np.arange(1, len(days) + 1)
            fc = state["trend"] + 0.0 * state["slope"] * steps + state["by_wd"][
                table["weekday"][days]]
        if "td" in state:  # the calendar events of the forecast days (see fit)
            last = _last_day(panel)
            ahead_days = days > last  # the last history day's total is already its own
            fc = np.where(ahead_days, fc * _calendar_factor(TopDown(), state["td"], table, days),
                          fc)
        tot = dict(zip(days, np.maximum(fc, 0.0), strict=True))
        t = np.array([tot[d] for d in d_idx])
        share = _shape(state["prof"], panel, table["day_type"], table["weekday"], d_idx, s_idx)
        return np.maximum(t * share, 0.0)

"""Global direct multi-horizon LightGBM across queues.

Training samples come from pseudo-origins in the history: for an origin at the end of day
``c``, every feature of a target interval on day ``d > c`` is computed from data up to
``c`` only (same-slot values of earlier weeks, recent means, the series scale), plus the
calendar of day ``d`` (known in advance) and the lead ``d - c`` in days. The same function
builds the features at prediction time with ``c`` = the end of history, so what the model
sees in training is exactly what it will see when forecasting (no leakage; tested).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from routing_ml.forecasting._calendar import Panel
from routing_ml.forecasting._models import EVENT_COLUMNS, _last_day

logger = logging.getLogger(__name__)

FEATURES = ("slot", "weekday", "day_type", "lead_days", "lag_week1", "lag_week2",
            "mean_week4", "lag_day1", "day_share", *EVENT_COLUMNS, "days_to_holiday",
            "days_from_holiday", "day_of_month", "month_end")


def origin_features(panel: Panel, table: dict, c: int, d_idx: np.ndarray,
                    s_idx: np.ndarray) -> tuple[np.ndarray, float]:
    """Feature matrix (rows = targets) for an origin at the end of day ``c``.

    Uses ``panel.Y[: c + 1]`` only (and of day ``c`` only what is observed). Returns the
    matrix (columns :data:`FEATURES`, lags divided by the scale) and the series scale
    (mean count per observed interval over the 28 days up to ``c``).
    """
    Yc = panel.Y[: c + 1]
    n_slots = Yc.shape[1]
    wd_hist = table["weekday"][: c + 1]
    lag1 = np.full((7, n_slots), np.nan)
    lag2 = np.full((7, n_slots), np.nan)
    mean4 = np.full((7, n_slots), np.nan)
    for w in range(7):
        rows = Yc[wd_hist == w][-8:]
        if rows.size == 0:
            continue
        lag1[w], lag2[w], mean4[w] = _recent_stats(rows)
    lastday = _recent_stats(Yc[-14:])[0]
    recent = Yc[-28:]
    scale = float(np.nanmean(recent)) if np.isfinite(recent).any() else float(
        np.nanmean(Yc)) if np.isfinite(Yc).any() else 1.0
    scale = max(scale, 1e-3)
    wd = table["weekday"][d_idx]
    day_tot = np.nansum(mean4, axis=1)
    X = np.empty((len(d_idx), len(FEATURES)))
    X[:, 0] = panel.slots[s_idx] / 60.0
    X[:, 1] = wd
    X[:, 2] = table["day_type"][d_idx]
    X[:, 3] = d_idx - c
    X[:, 4] = lag1[wd, s_idx] / scale
    X[:, 5] = lag2[wd, s_idx] / scale
    X[:, 6] = mean4[wd, s_idx] / scale
    X[:, 7] = lastday[s_idx] / scale
    X[:, 8] = mean4[wd, s_idx] / np.maximum(day_tot[wd], 1e-9)
    for j, col in enumerate(EVENT_COLUMNS):
        X[:, 9 + j] = table[col][d_idx]
    k = 9 + len(EVENT_COLUMNS)
    X[:, k] = table["days_to_holiday"][d_idx]
    X[:, k + 1] = table["days_from_holiday"][d_idx]
    X[:, k + 2] = table["day_of_month"][d_idx]
    X[:, k + 3] = table["month_end"][d_idx]
    return X, scale


def _recent_stats(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column: the last, second-to-last (or last) and mean of the last 4 known values."""
    ok = ~np.isnan(rows)
    rank = np.cumsum(ok[::-1], axis=0)[::-1]  # 1 = the last known value
    vals = np.where(ok, rows, 0.0)
    n_ok = ok.sum(axis=0)
    last = np.where(n_ok > 0, (vals * (ok & (rank == 1))).sum(axis=0), np.nan)
    second = np.where(n_ok > 1, (vals * (ok & (rank == 2))).sum(axis=0), last)
    k4 = ok & (rank <= 4)
    mean4 = np.where(n_ok > 0, (vals * k4).sum(axis=0) / np.maximum(k4.sum(axis=0), 1), np.nan)
    return last, second, mean4


def training_rows(panel: Panel, table: dict, horizon_days: int, step_days: int,
                  min_days: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Stack the samples of every pseudo-origin of one series (targets not NaN)."""
    last = _last_day(panel)
    Xs, ys = [], []
    for c in range(last - 1, min_days - 1, -step_days):
        d_hi = min(c + horizon_days, last)
        block = panel.Y[c + 1:d_hi + 1]
        dd, ss = np.nonzero(~np.isnan(block))
        if dd.size == 0:
            continue
        dd = dd + c + 1
        X, scale = origin_features(panel, table, c, dd, ss)
        Xs.append(X)
        ys.append(panel.Y[dd, ss] / scale)
    if not Xs:
        return np.empty((0, len(FEATURES))), np.empty(0)
    return np.vstack(Xs), np.concatenate(ys)


@dataclass
class LightGBMDirect:
    """Global LightGBM (Poisson objective on counts / series scale), direct multi-horizon."""

    horizon_days: int = 7
    step_days: int = 7
    n_estimators: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_child_samples: int = 20
    random_state: int = 0

    name = "lightgbm"
    is_global = True

    def fit_global(self, panels: list[Panel], tables: list[dict]):
        from routing_ml.errors import require

        lgb = require("lightgbm", None)
        Xs, ys = [], []
        for p, t in zip(panels, tables, strict=True):
            X, y = training_rows(p, t, self.horizon_days, self.step_days)
            Xs.append(X)
            ys.append(y)
        X = np.vstack(Xs)
        y = np.concatenate(ys)
        if len(y) < 50 or not np.nansum(y) > 0:  # no contact at all: nothing for a Poisson fit
            return None
        model = lgb.LGBMRegressor(
            objective="poisson", n_estimators=self.n_estimators,
            learning_rate=self.learning_rate, num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples, subsample=1.0, colsample_bytree=0.9,
            random_state=self.random_state, deterministic=True, force_row_wise=True,
            n_jobs=1, verbose=-1)
        model.fit(X, y)
        return model

    def predict_series(self, model, panel: Panel, table: dict, d_idx, s_idx) -> np.ndarray:
        c = _last_day(panel)
        X, scale = origin_features(panel, table, c, d_idx, s_idx)
        if model is None:
            return np.maximum(np.nan_to_num(X[:, 6]) * scale, 0.0)
        return np.maximum(model.predict(X) * scale, 0.0)

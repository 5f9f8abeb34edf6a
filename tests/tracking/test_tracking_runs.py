"""Runs, params, metrics, artifacts and backtest tables logged to a temporary sqlite store."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
import pytest

from routing_ml import tracking
from routing_ml.errors import FrameError
from routing_ml.tracking import TrackingError


@dataclass(frozen=True, slots=True, kw_only=True)
class _Solver:
    time_limit_seconds: float = 30.0
    num_workers: int = 1
    random_seed: int = 7


class _Mode(Enum):
    FAST = "fast"


@dataclass(frozen=True)
class _Config:
    seed: int
    solver: _Solver
    mode: _Mode
    levels: tuple[int, ...] = (80, 95)


def _run_data(store, run_id):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=store["uri"]).get_run(run_id).data


def test_flatten_params_nested_dicts_and_dataclasses():
    flat = tracking.flatten_params(
        {"config": _Config(seed=3, solver=_Solver(), mode=_Mode.FAST), "model": {"k": 6}},
        prefix="fc",
    )
    assert flat == {
        "fc.config.seed": "3",
        "fc.config.solver.time_limit_seconds": "30.0",
        "fc.config.solver.num_workers": "1",
        "fc.config.solver.random_seed": "7",
        "fc.config.mode": "fast",
        "fc.config.levels": "[80, 95]",
        "fc.model.k": "6",
    }


def test_flatten_rejects_bad_keys_and_values():
    with pytest.raises(TrackingError, match="cannot be logged"):
        tracking.flatten_params({"bad:key": 1})
    with pytest.raises(TrackingError, match="mapping or a dataclass"):
        tracking.flatten_params([1, 2])
    with pytest.raises(TrackingError, match="'wape'.*real number"):
        tracking.flatten_metrics({"wape": "low"})


def test_run_logs_params_metrics_tags_and_restores_uri(store):
    import mlflow

    before_env = os.environ.get("MLFLOW_TRACKING_URI")
    before_uri = mlflow.get_tracking_uri()
    with tracking.start_run(
        "exp_runs", "r1", tracking_uri=store["uri"], tags={"room": "tracking"},
        artifact_location=store["artifacts"],
    ) as run:
        assert mlflow.get_tracking_uri() == store["uri"]
        logged = tracking.log_params({"seed": 0, "solver": _Solver()})
        tracking.log_metrics({"wape": 0.07, "nested": {"coverage_80": 0.8}})
        for step, loss in enumerate([3.0, 2.0, 1.5]):
            tracking.log_metrics({"loss": loss}, step=step)
    assert mlflow.get_tracking_uri() == before_uri
    assert os.environ.get("MLFLOW_TRACKING_URI") == before_env
    assert logged["solver.random_seed"] == "7"

    data = _run_data(store, run.info.run_id)
    assert data.params["seed"] == "0"
    assert data.params["solver.num_workers"] == "1"
    assert data.metrics["wape"] == pytest.approx(0.07)
    assert data.metrics["nested.coverage_80"] == pytest.approx(0.8)
    assert data.tags["room"] == "tracking"
    assert data.tags["routing_ml.version"]
    from mlflow import MlflowClient

    history = MlflowClient(tracking_uri=store["uri"]).get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [
        (0, 3.0), (1, 2.0), (2, 1.5)
    ]
    exp = MlflowClient(tracking_uri=store["uri"]).get_experiment_by_name("exp_runs")
    assert exp.artifact_location.endswith("artifacts")


def test_logging_without_a_run_is_a_clear_error(store):
    with pytest.raises(TrackingError, match="active MLflow run"):
        tracking.log_params({"seed": 0})
    with pytest.raises(TrackingError, match="step"):
        tracking.log_metrics({"x": 1.0}, step=-1)


def test_log_params_changed_value_names_the_key_and_the_fix(store):
    with tracking.start_run("exp_runs", "r_changed", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]) as run:
        tracking.log_params({"seed": 0, "alpha": 0.5})
        tracking.log_params({"seed": 0})  # the same value again is fine
        with pytest.raises(TrackingError, match=r"'alpha': logged '0.5', now '0.7'.*Fix"):
            tracking.log_params({"alpha": 0.7, "beta": 1})
    # nothing of the refused call was logged
    assert "beta" not in _run_data(store, run.info.run_id).params


def test_log_frame_and_figure_artifacts(store, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mlflow import MlflowClient

    frame = pd.DataFrame({"unique_id": ["q1", "q2"], "ds": pd.to_datetime(["2024-01-01"] * 2),
                          "yhat": [1.5, 2.5]})
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    with tracking.start_run("exp_art", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]) as run:
        tracking.log_frame(frame, "forecast/forecast.csv")
        tracking.log_frame(frame, "forecast/forecast.json")
        tracking.log_figure(fig, "plots/fan.png")
        with pytest.raises(TrackingError, match="ending in one of"):
            tracking.log_frame(frame, "forecast/forecast.xlsx")
        with pytest.raises(TrackingError, match="matplotlib Figure"):
            tracking.log_figure(frame, "plots/x.png")
    plt.close(fig)
    client = MlflowClient(tracking_uri=store["uri"])
    local = client.download_artifacts(run.info.run_id, "forecast/forecast.csv", str(tmp_path))
    back = pd.read_csv(local, parse_dates=["ds"])
    pd.testing.assert_frame_equal(back, frame)
    names = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert names == {"plots/fan.png"}


def test_log_backtest_per_window_and_summary(store):
    from mlflow import MlflowClient

    table = pd.DataFrame({
        "model": ["top_down", "top_down", "naive", "naive"],
        "cutoff": pd.to_datetime(["2024-01-08", "2024-01-01", "2024-01-01", "2024-01-08"]),
        "wape": [0.08, 0.06, 0.11, 0.13],
        "coverage_80": [0.8, 0.78, 0.7, 0.72],
    })
    with tracking.start_run("exp_bt", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]) as run:
        summary = tracking.log_backtest(table)
    assert summary["backtest.top_down.wape"] == pytest.approx(0.07)
    assert summary["backtest.naive.coverage_80"] == pytest.approx(0.71)
    client = MlflowClient(tracking_uri=store["uri"])
    data = client.get_run(run.info.run_id).data
    assert data.metrics["backtest.naive.wape"] == pytest.approx(0.12)
    hist = client.get_metric_history(run.info.run_id, "backtest.top_down.window.wape")
    # steps follow the cutoff order (2024-01-01 first), not the row order
    assert [(m.step, m.value) for m in sorted(hist, key=lambda m: m.step)] == [(0, 0.06), (1, 0.08)]
    arts = {a.path for a in client.list_artifacts(run.info.run_id, "backtest")}
    assert arts == {"backtest/metrics.csv"}


def test_a_window_without_a_figure_leaves_the_mean_nan(store):
    # skipping the failed window made model b look better than a (0.3 vs 0.35)
    table = pd.DataFrame({"model": ["a", "a", "b", "b"],
                          "cutoff": pd.to_datetime(["2024-01-01", "2024-01-08"] * 2),
                          "wape": [0.3, 0.4, 0.3, float("nan")]})
    with tracking.start_run("exp_bt_nan", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        summary = tracking.log_backtest(table, artifact_file=None)
    assert summary["backtest.a.wape"] == pytest.approx(0.35)
    assert np.isnan(summary["backtest.b.wape"])


def test_log_backtest_long_table_and_bad_tables(store):
    long = pd.DataFrame({"model": ["a", "a", "b", "b"], "metric": ["wape", "mase"] * 2,
                         "value": [0.1, 0.9, 0.2, 1.1]})
    with tracking.start_run("exp_bt2", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        summary = tracking.log_backtest(long, prefix="cv", artifact_file=None)
        assert summary == pytest.approx({"cv.a.wape": 0.1, "cv.a.mase": 0.9,
                                         "cv.b.wape": 0.2, "cv.b.mase": 1.1})
        per_series = pd.DataFrame({"model": ["a", "a"], "unique_id": ["q1", "q2"],
                                   "wape": [0.1, 0.2]})
        with pytest.raises(FrameError, match="unique_id"):
            tracking.log_backtest(per_series)
        dup = pd.DataFrame({"model": ["a", "a"], "wape": [0.1, 0.2]})
        with pytest.raises(FrameError, match="duplicated"):
            tracking.log_backtest(dup)
        with pytest.raises(FrameError, match="non-empty DataFrame"):
            tracking.log_backtest(pd.DataFrame())
        nan = tracking.log_metrics({"x": float("nan")})
        assert math.isnan(nan["x"])


def test_log_run_one_call_sanitizes_names(store):
    from mlflow import MlflowClient

    run_id = tracking.log_run(
        params={"default_model": "topdown", "seed": 0},
        metrics={"bank_weekly": {"blend(a+b)": {"wape": 0.07}}, "cpu_seconds": 3},
        experiment="exp_once", run_name="protocol", tracking_uri=store["uri"],
        artifact_location=store["artifacts"],
    )
    data = MlflowClient(tracking_uri=store["uri"]).get_run(run_id).data
    assert data.params == {"default_model": "topdown", "seed": "0"}
    assert data.metrics == {"bank_weekly.blend_a_b_.wape": 0.07, "cpu_seconds": 3.0}
    with pytest.raises(TrackingError, match="real number"):
        tracking.log_run(metrics={"x": "n/a"}, tracking_uri=store["uri"])


def test_log_backtest_long_table_keeps_failed_windows_and_refuses_duplicates(store):
    # the same figures as a wide table give a NaN mean for b (a failed window) and refuse
    # two figures for one window; the long form dropped the NaN and kept the first figure
    d1, d2 = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")
    wide = pd.DataFrame({"model": ["a", "a", "b", "b"], "cutoff": [d1, d2] * 2,
                         "wape": [0.3, 0.4, 0.3, np.nan]})
    long = wide.melt(id_vars=["model", "cutoff"], var_name="metric", value_name="value")
    with tracking.start_run("exp_bt3", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        got = tracking.log_backtest(long, prefix="L", artifact_file=None)
        assert got["L.a.wape"] == pytest.approx(0.35) and math.isnan(got["L.b.wape"])
        twice = pd.concat([long, long.iloc[[0]].assign(value=0.5)], ignore_index=True)
        with pytest.raises(FrameError, match="duplicated"):
            tracking.log_backtest(twice, artifact_file=None)
        only = pd.DataFrame({"metric": ["wape", "mase"], "value": [0.1, 0.9]})
        assert tracking.log_backtest(only, prefix="o", artifact_file=None) == pytest.approx(
            {"o.model.wape": 0.1, "o.model.mase": 0.9})


def test_an_estimator_that_does_not_read_rows_is_refused():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["pagar ibi", "recibo ibi", "impuesto ibi", "alta padron", "padron cambio", "empadronar"]
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, ["tax"] * 3 + ["census"] * 3)
    with pytest.raises(tracking.AdapterError, match="1 predictions for 6 rows"):
        tracking.predict_frame("estimator", pipe, pd.DataFrame({"text": texts}))
    ok = tracking.predict_frame("intent", pipe, pd.DataFrame({"text": texts}))
    assert len(ok) == 6

"""A command launched by ``mlflow run`` (``MLFLOW_RUN_ID`` set) logs its files and
headline figures to that run; outside a run it logs nothing."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from routing_ml.cli import app


def _forecast_csv(tmp_path):
    ds = pd.date_range("2024-01-08 09:00", periods=6, freq="30min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": [100.0, 120, 130, 110, 90, 80]}).to_csv(
        tmp_path / "fc.csv", index=False)
    return tmp_path / "fc.csv"


def test_staff_in_an_mlflow_project_run_logs_its_output_and_peak(tmp_path, store, monkeypatch):
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", store["uri"])
    client = mlflow.MlflowClient(store["uri"])
    exp = client.create_experiment("cli_outputs", artifact_location=store["artifacts"])
    run = client.create_run(exp)
    monkeypatch.setenv("MLFLOW_RUN_ID", run.info.run_id)
    out = tmp_path / "req.csv"
    res = CliRunner().invoke(app, ["staff", "--forecast", str(_forecast_csv(tmp_path)),
                                   "--aht-seconds", "300", "--out", str(out)])
    assert res.exit_code == 0, res.output
    got = client.get_run(run.info.run_id)
    assert got.data.metrics["peak_agents"] == pd.read_csv(out)["agents"].max()
    assert [a.path for a in client.list_artifacts(run.info.run_id)] == ["req.csv"]


def test_outside_a_run_nothing_is_logged(tmp_path, monkeypatch):
    from routing_ml._mlflow_run import log_cli_outputs

    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    assert log_cli_outputs([tmp_path], {"x": 1.0}) is False


def test_a_folder_holding_the_artifact_store_is_not_copied_into_itself(tmp_path, monkeypatch):
    # `mlflow run . -e demo -P out=.` logged the project folder, which holds mlruns/: the
    # run's artifacts were copied into themselves until the path was 4,000 characters long
    import mlflow

    from routing_ml._mlflow_run import log_cli_outputs

    uri = f"sqlite:///{tmp_path / 'm.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    client = mlflow.MlflowClient(uri)
    exp = client.create_experiment("self_copy", artifact_location=str(tmp_path / "mlruns"))
    run = client.create_run(exp)
    monkeypatch.setenv("MLFLOW_RUN_ID", run.info.run_id)
    (tmp_path / "out.csv").write_text("a\n1\n")
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "plot.txt").write_text("x")
    assert log_cli_outputs([tmp_path, tmp_path / "out.csv", outputs], {"x": 1.0})
    assert sorted(a.path for a in client.list_artifacts(run.info.run_id)) == ["out.csv", "outputs"]

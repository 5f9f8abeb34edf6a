"""Every MLproject parameter, declared or passed as an extra ``-P name=value``, reaches an
option the ``routing-ml`` command accepts (MLflow appends extras as ``--name value``, with
underscores). Parsed with MLflow's project loader; nothing is run through mlflow."""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd
import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from routing_ml.cli import app

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "MLproject").read_text())
CLI_ENTRY_POINTS = [name for name, ep in SPEC["entry_points"].items()
                    if ep["command"].startswith("routing-ml ")]


def _options(command: object) -> set[str]:
    return {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}  # type: ignore[attr-defined]


@pytest.mark.parametrize("entry_point", CLI_ENTRY_POINTS)
def test_every_parameter_maps_to_an_option_of_the_command(entry_point):
    from mlflow.projects._project_spec import load_project

    root = typer.main.get_command(app)
    normalize = root.context_settings["token_normalize_func"]
    ep = load_project(str(ROOT)).get_entry_point(entry_point)
    sub = shlex.split(ep.command)[1]
    command = root.get_command(None, sub)  # type: ignore[arg-type]
    assert command is not None, f"{entry_point}: no routing-ml command {sub!r}"
    accepted = _options(command)
    # every option a user may pass as an extra parameter, in MLflow's underscore form
    extras = {p.name: "1" for p in command.params
              if p.name not in ep.parameters and p.name != "help"}
    required = {k: f"<{k}>" for k, p in ep.parameters.items() if p.default is None}
    argv = shlex.split(ep.compute_command({**required, **extras}, storage_dir=None))
    given = [t for t in argv[2:] if t.startswith("--")]
    bad = [t for t in given if normalize(t) not in accepted]
    assert not bad, f"{entry_point}: routing-ml {sub} does not accept {bad}"
    declared = {normalize(f"--{k}") for k in ep.parameters}
    assert declared <= set(map(normalize, given)), f"{entry_point}: declared not passed"


def test_staff_accepts_mlflow_extra_parameters_with_underscores(tmp_path):
    forecast = tmp_path / "f.csv"
    pd.DataFrame({"unique_id": "q", "ds": pd.date_range("2024-01-01 08:00", periods=4,
                                                         freq="30min"),
                  "y": [10.0, 20.0, 30.0, 5.0]}).to_csv(forecast, index=False)
    out = tmp_path / "r.csv"
    res = CliRunner().invoke(app, [
        "staff", "--forecast", str(forecast), "--aht-seconds", "300", "--out", str(out),
        "--interval_minutes", "30", "--max_occupancy", "0.85",
        "--patience_seconds", "120", "--volume_col", "y",
    ])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 4

"""The planner's chain on spreadsheet files (review, 2026-12-02): a separator at the end of
every row shifted every column, spaces around queue names travelled down the chain, and
`simulate` ignored the forecast's handle times. Each test failed before its fix."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from routing_ml._csv import read_table
from routing_ml.cli import app


def test_a_separator_at_the_end_of_every_row_is_an_empty_field(tmp_path) -> None:
    p = tmp_path / "agents.csv"
    p.write_text("agent_id;skills\r\nana;voice;\r\nben;chat;\r\n", encoding="utf-8")
    df = read_table(p)
    # before: agent_id was 'voice' / 'chat' (the names became row labels), skills empty
    assert df["agent_id"].tolist() == ["ana", "ben"]
    assert df["skills"].tolist() == ["voice", "chat"]


def test_spaces_around_ids_are_trimmed(tmp_path) -> None:
    p = tmp_path / "fc.csv"
    p.write_text("unique_id,ds,yhat\n voice ,2026-12-07 09:00,3\nchat ,2026-12-07 09:00,2\n", encoding="utf-8")
    df = read_table(p)
    assert df["unique_id"].tolist() == ["voice", "chat"]


def test_simulate_takes_the_forecasts_handle_times(tmp_path) -> None:
    day = pd.Timestamp("2026-12-07")
    ds = pd.date_range(day + pd.Timedelta("9h"), periods=8, freq="15min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": 40.0, "aht_seconds": 180.0}).to_csv(
        tmp_path / "fc.csv", index=False)
    pd.DataFrame({"unique_id": "voice", "ds": ds, "agents": 11}).to_csv(tmp_path / "req.csv", index=False)

    def sl(*extra: str) -> tuple[float, str]:
        out = tmp_path / f"sim{len(extra)}"
        res = CliRunner().invoke(app, ["simulate", "--schedule", str(tmp_path / "req.csv"), "--forecast",
                                       str(tmp_path / "fc.csv"), "--replications", "3", "--out", str(out),
                                       *extra])
        assert res.exit_code == 0, res.output
        summ = pd.read_csv(out / "summary.csv").set_index("metric")
        return float(summ.loc["service_level", "mean"]), res.output

    default, said = sl()
    given, _ = sl("--aht-seconds", "180")
    # before: 300 s (service level near 0 for a plan staffed at 180 s)
    assert default == given
    assert "voice 180 s" in said
    assert sl("--aht-seconds", "300", "--seed", "0")[0] < given


def test_forecast_says_when_the_queues_histories_end_on_different_days(tmp_path) -> None:
    ds = pd.date_range("2026-11-02 09:00", "2026-11-29 17:00", freq="h")
    ds = ds[(ds.hour >= 9) & (ds.hour < 17)]
    voice = pd.DataFrame({"unique_id": "voice", "ds": ds, "y": 10})
    chat = pd.DataFrame({"unique_id": "chat", "ds": ds, "y": 4})
    args = ["forecast", "--freq", "1h", "--horizon", "1d", "--country", "", "--model", "seasonal_naive_week"]
    pd.concat([voice, chat]).to_csv(tmp_path / "same.csv", index=False)
    res = CliRunner().invoke(app, [*args, "--history", str(tmp_path / "same.csv"), "--out", str(tmp_path / "a.csv")])
    assert res.exit_code == 0, res.output
    assert "end on different days" not in res.output
    pd.concat([voice, chat[chat["ds"] < "2026-11-27"]]).to_csv(tmp_path / "ragged.csv", index=False)
    res = CliRunner().invoke(app, [*args, "--history", str(tmp_path / "ragged.csv"), "--out", str(tmp_path / "b.csv")])
    assert res.exit_code == 0, res.output
    assert "end on different days ('chat' on 2026-11-26, 'voice' on 2026-11-29)" in res.output


def test_the_demo_returns_its_headline_figures_for_mlflow() -> None:
    # review: `mlflow run . -e demo` logged no metric although the MLproject promises them
    from types import SimpleNamespace

    from routing_ml._demo import _headline

    req = {"voice_requirements": pd.DataFrame({"agents": [3, 9, 4]})}
    sched = {"counts": SimpleNamespace(objective=1234.5, gap=0.01)}
    sim = {"simulation": SimpleNamespace(summary=pd.DataFrame({"metric": ["service_level"], "mean": [0.9]}))}
    got = _headline(req, sched, sim, {"intent_accuracy": 0.8})
    assert got == {"peak_agents": 9.0, "objective": 1234.5, "gap": 0.01, "service_level_mean": 0.9,
                   "intent_accuracy": 0.8}
    assert _headline({}, {}, {}, {}) == {}


def test_mlproject_outputs_default_to_an_ignored_folder() -> None:
    # review: the default outputs (forecast.csv, roster.png, ...) landed in the checkout
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    project = yaml.safe_load((root / "MLproject").read_text())
    defaults = [p["default"] for e in project["entry_points"].values()
                for name, p in e.get("parameters", {}).items()
                if name in ("out", "plot") and isinstance(p, dict)]
    assert defaults and all(d.startswith(("outputs/", "demo_output")) for d in defaults), defaults
    assert "outputs/" in (root / ".gitignore").read_text().split()


def test_forecast_names_the_spring_hour_that_does_not_exist(tmp_path) -> None:
    # review: --time-zone Europe/Madrid forecast 02:00 on 31 March 2024 without a word
    ds = pd.date_range("2024-02-20", "2024-03-30 23:00", freq="1h", tz="UTC")
    pd.DataFrame({"unique_id": "voice", "ds": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "y": 10.0}).to_csv(
        tmp_path / "h.csv", index=False)
    args = ["forecast", "--history", str(tmp_path / "h.csv"), "--freq", "1h", "--country", "",
            "--time-zone", "Europe/Madrid", "--model", "seasonal_naive_week", "--out", str(tmp_path / "f.csv")]
    res = CliRunner().invoke(app, [*args, "--horizon", "2d"])
    assert res.exit_code == 0, res.output
    assert "1 forecast rows fall in a local hour that does not exist in Europe/Madrid" in res.output
    assert "2024-03-31 02:00:00" in res.output
    res = CliRunner().invoke(app, [*args, "--horizon", "1h"])  # 01:00 only: before the change
    assert res.exit_code == 0 and "does not exist" not in res.output

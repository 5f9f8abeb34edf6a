"""The console script: --help, --version, datasets."""

import subprocess
import sys

from typer.testing import CliRunner

from routing_ml import __version__
from routing_ml.cli import app

runner = CliRunner()


def test_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "datasets" in result.output
    assert "demo" in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_datasets_lists_bundled_data():
    result = runner.invoke(app, ["datasets"])
    assert result.exit_code == 0, result.output
    for name in ("bank_calls", "anonymous_bank", "banking77", "avisos_madrid"):
        assert name in result.output
    assert "Ayuntamiento de Madrid" in result.output


def test_console_script_help_does_not_import_heavy_modules():
    code = (
        "import sys; from routing_ml.cli import app; "
        "heavy = ('mlflow', 'lightgbm', 'statsmodels', 'ortools', 'sklearn', 'torch'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.check_output([sys.executable, "-c", code], text=True).strip()
    assert out == "[]"


def test_usage_errors_exit_1_with_the_usage_message(tmp_path):
    """Exit 2 is reserved for infeasible / no solution in time; bad input exits 1."""
    forecast = tmp_path / "f.csv"
    forecast.write_text("unique_id,ds,yhat\nq,2024-01-01 08:00,10\n")
    bad_value = runner.invoke(app, ["staff", "--forecast", str(forecast), "--out",
                                    str(tmp_path / "r.csv"), "--service-level", "abc"])
    assert bad_value.exit_code == 1
    assert "Invalid value for '--service-level'" in bad_value.output
    missing = runner.invoke(app, ["staff", "--forecast", str(forecast)])
    assert missing.exit_code == 1 and "--out" in missing.output
    unknown = runner.invoke(app, ["staff", "--no-such-option"])
    assert unknown.exit_code == 1 and "--no-such-option" in unknown.output
    nested = runner.invoke(app, ["models", "list", "--bogus"])
    assert nested.exit_code == 1 and "--bogus" in nested.output
    assert runner.invoke(app, ["no-such-command"]).exit_code == 1


def test_library_hints_are_shown_as_flags_on_the_command_line(tmp_path):
    from routing_ml._cli_hints import as_flags

    assert as_flags("Pass freq='30min' to silence this warning.") == (
        "Pass --freq 30min to silence this warning.")
    assert as_flags("e.g. holidays_subdiv='MD' ... or holidays_country=None") == (
        "e.g. --subdiv MD ... or --country ''")
    assert as_flags("Fix: pass interval_minutes=30, or interval_minutes= to choose.") == (
        "Fix: pass --interval-minutes 30, or --interval-minutes to choose.")
    assert as_flags("no hint here: min_interval_minutes_x=3") == (
        "no hint here: min_interval_minutes_x=3")
    assert as_flags("5 minutes is aht_seconds=300.") == "5 minutes is --aht-seconds 300."
    # end to end: a 30-minute requirements frame scheduled on the default 15-minute grid
    import pandas as pd
    from typer.testing import CliRunner

    from routing_ml.cli import app

    ds = pd.date_range("2026-12-07 08:00", periods=8, freq="30min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "agents": 1}).to_csv(
        tmp_path / "req.csv", index=False)
    pd.DataFrame({"agent_id": ["a"], "skills": ["voice"]}).to_csv(tmp_path / "ag.csv",
                                                                  index=False)
    (tmp_path / "sh.yaml").write_text(
        "shifts:\n  - name: day\n    start: '08:00'\n    lengths_hours: [4]\n")
    res = CliRunner().invoke(app, ["schedule", "--requirements", str(tmp_path / "req.csv"),
                                   "--agents", str(tmp_path / "ag.csv"), "--shifts",
                                   str(tmp_path / "sh.yaml"), "--out",
                                   str(tmp_path / "r.csv")])
    assert res.exit_code == 1
    assert "--interval-minutes 30" in res.output and "interval_minutes=" not in res.output


def test_staff_without_aht_or_volumes_column_names_the_flags(tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    ds = pd.date_range("2024-01-08 09:00", periods=3, freq="30min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "calls": 100.0}).to_csv(tmp_path / "f.csv", index=False)
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"), "--aht-seconds", "300",
                                   "--out", str(tmp_path / "r.csv")])
    assert res.exit_code == 1 and "--volume-col calls" in res.output
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"), "--volume-col", "calls",
                                   "--out", str(tmp_path / "r.csv")])
    assert res.exit_code == 1 and "pass --aht-seconds (e.g. --aht-seconds 300)" in res.output
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"), "--volume-col", "calls",
                                   "--aht-seconds", "300", "--out", str(tmp_path / "r.csv")])
    assert res.exit_code == 0, res.output

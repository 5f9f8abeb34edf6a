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

"""``routing-ml models`` store errors: one line and exit 1, no database created, no
minutes of retries against a server that is down."""

from __future__ import annotations

import os
import socket

import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.tracking._cli import CLI_HTTP_DEFAULTS


@pytest.fixture
def clean_http_env(monkeypatch):
    for key in CLI_HTTP_DEFAULTS:  # restored to "unset" after the test
        monkeypatch.setenv(key, "x")
        monkeypatch.delenv(key)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_bad_scheme_is_one_line_exit_1(clean_http_env):
    res = CliRunner().invoke(app, ["models", "list", "--tracking-uri", "htp://bad"])
    assert res.exit_code == 1
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "htp://bad" in lines[0]


def test_missing_sqlite_file_is_an_error_and_creates_nothing(tmp_path, clean_http_env):
    db = tmp_path / "mistyped.db"
    res = CliRunner().invoke(app, ["models", "list", "--tracking-uri", f"sqlite:///{db}"])
    assert res.exit_code == 1
    assert "no database at" in res.output and str(db) in res.output
    assert not db.exists()


def test_server_down_fails_fast_with_cli_defaults_that_respect_the_user(clean_http_env,
                                                                        monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # the user's own setting
    uri = f"http://127.0.0.1:{_unused_port()}"
    res = CliRunner().invoke(app, ["models", "list", "--tracking-uri", uri])
    assert res.exit_code == 1 and uri in res.output and "Traceback" not in res.output
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "0"  # not overridden
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == CLI_HTTP_DEFAULTS[
        "MLFLOW_HTTP_REQUEST_TIMEOUT"]
    assert os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] == "1"


def test_the_library_reads_no_store_that_does_not_exist(tmp_path, clean_http_env):
    # list_models on a mistyped sqlite path created the folder and an empty database and
    # answered "no model"; a local file-store folder with a typo did the same in the CLI
    from routing_ml.tracking import TrackingError, get_alias_version, list_models, load_model

    db = tmp_path / "missing" / "x.db"
    for call in (lambda: list_models(tracking_uri=f"sqlite:///{db}"),
                 lambda: load_model("models:/m@champion", tracking_uri=f"sqlite:///{db}"),
                 lambda: get_alias_version("m", "champion", tracking_uri=f"sqlite:///{db}")):
        with pytest.raises(TrackingError, match="no database at"):
            call()
    assert not (tmp_path / "missing").exists()
    folder = tmp_path / "typo"
    res = CliRunner().invoke(app, ["models", "list", "--tracking-uri", str(folder)],
                             env={"MLFLOW_ALLOW_FILE_STORE": "true"})
    assert res.exit_code == 1 and "no folder" in res.output
    assert not folder.exists()
    # a bare path to an existing sqlite file: the hint is the sqlite URI, not "no folder"
    db_file = tmp_path / "registry.db"
    db_file.write_bytes(b"")
    res = CliRunner().invoke(app, ["models", "list", "--tracking-uri", str(db_file)],
                             env={"MLFLOW_ALLOW_FILE_STORE": "true"})
    assert res.exit_code == 1 and "is a file, not a folder of runs" in res.output
    assert f"sqlite:///{db_file.resolve()}" in res.output.replace("\n", "")

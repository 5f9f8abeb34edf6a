"""Test helper: a fresh, isolated sqlite MLflow store per test.

Creating an MLflow sqlite database runs all its schema migrations (7 s of CPU here),
so one empty template database per MLflow version is kept in pytest's cache directory
(or, with ``-p no:cacheprovider``, made once per session), shared by the xdist workers
through a file lock, and copied for each test.
The URI is always passed to the functions under test, never through the environment.
"""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def _template_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Path:
    import mlflow

    cache = getattr(request.config, "cache", None)
    if cache is not None:  # pytest's cache dir: the empty schema survives between sessions
        shared = Path(cache.mkdir("routing_ml_mlflow_template"))
    else:  # -p no:cacheprovider: the parent of the base temp dir is shared by xdist workers
        base = tmp_path_factory.getbasetemp()
        shared = base.parent if base.name.startswith("popen-gw") else base
    db = shared / f"mlflow_{mlflow.__version__}_empty.db"
    with open(shared / "template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not db.exists():
                tmp = db.with_suffix(".building")
                tmp.unlink(missing_ok=True)
                mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp}").search_experiments()
                tmp.rename(db)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return db


@pytest.fixture()
def store(tmp_path: Path, _template_db: Path) -> dict[str, str]:
    """``{"uri": "sqlite:///<tmp>/mlflow.db", "artifacts": "<tmp>/artifacts"}``."""
    db = tmp_path / "mlflow.db"
    shutil.copyfile(_template_db, db)
    return {"uri": f"sqlite:///{db}", "artifacts": str(tmp_path / "artifacts")}

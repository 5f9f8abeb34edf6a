"""Test helper: a fresh, isolated sqlite MLflow store per test.

Creating an MLflow sqlite database runs all its schema migrations (7 s on an idle
machine here, 20 s under load), so one template database is made per pytest session —
shared by the xdist workers through a file lock — and copied for each test.
The URI is always passed to the functions under test, never through the environment.
"""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import mlflow

    # the parent of the base temp dir is shared by all xdist workers of this session
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if base.name.startswith("popen-gw") else base
    db = shared / f"routing_ml_mlflow_{mlflow.__version__}_template.db"
    with open(shared / "routing_ml_mlflow_template.lock", "w") as lock:
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

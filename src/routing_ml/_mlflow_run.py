"""The command line's files and key figures in the MLflow run that launched it.

``mlflow run . -e forecast ...`` starts a run and calls ``routing-ml forecast`` with the
run's id in ``MLFLOW_RUN_ID`` (and the store in ``MLFLOW_TRACKING_URI``). Each command then
logs what it wrote as artifacts and its headline figures as metrics, so the run holds the
forecast, the roster or the simulation, not only its parameters. Outside such a run
(no ``MLFLOW_RUN_ID``) nothing is imported and nothing is logged. Standard library at import.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

logger = logging.getLogger(__name__)


def log_cli_outputs(paths: Iterable[str | Path | None],
                    metrics: Mapping[str, float] | None = None) -> bool:
    """Log ``paths`` (files or folders that exist) and finite ``metrics`` to the active
    MLflow project run; returns whether anything was logged. Never raises: a tracking
    failure is a warning, the command's own files are already written."""
    run_id = os.environ.get("MLFLOW_RUN_ID")
    if not run_id:
        return False
    try:
        import mlflow
    except ImportError:
        logger.warning("MLFLOW_RUN_ID is set but mlflow is not installed: outputs not logged.")
        return False
    try:
        client = mlflow.MlflowClient()
        for p in paths:
            if p is None:
                continue
            path = Path(p)
            if path.is_dir():
                client.log_artifacts(run_id, str(path), artifact_path=path.name)
            elif path.is_file():
                client.log_artifact(run_id, str(path))
        for key, value in (metrics or {}).items():
            if isinstance(value, int | float) and math.isfinite(float(value)):
                client.log_metric(run_id, key, float(value))
        return True
    except Exception as exc:  # the command succeeded; tracking is best effort
        logger.warning("could not log the outputs to MLflow run %s: %r", run_id, exc)
        return False

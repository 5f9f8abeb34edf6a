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
        from routing_ml.tracking._mlflow import local_path

        store = local_path(client.get_run(run_id).info.artifact_uri)
        store = None if store is None else store.resolve()
        for p in paths:
            if p is None:
                continue
            path = Path(p)
            if path.is_dir():
                if store is not None and _contains(path, store):
                    # logging it would copy the run's artifacts into themselves, again and
                    # again (an output folder of "." in the project holding mlruns/)
                    logger.warning("not logging the folder %s to MLflow: it holds the run's "
                                   "own artifact store %s. Write the outputs to a folder of "
                                   "their own.", path, store)
                    continue
                client.log_artifacts(run_id, str(path), artifact_path=path.resolve().name)
            elif path.is_file():
                client.log_artifact(run_id, str(path))
        for key, value in (metrics or {}).items():
            if isinstance(value, int | float) and math.isfinite(float(value)):
                client.log_metric(run_id, key, float(value))
        return True
    except Exception as exc:  # the command succeeded; tracking is best effort
        logger.warning("could not log the outputs to MLflow run %s: %r", run_id, exc)
        return False


def _contains(folder: Path, inner: Path) -> bool:
    """Whether ``inner`` is ``folder`` or lies inside it."""
    f = folder.resolve()
    return inner == f or f in inner.parents

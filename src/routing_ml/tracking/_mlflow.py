"""The one door to MLflow: a lazy import with a clear error, and a scoped tracking URI.

Nothing here imports mlflow at module import time. Every public function of
``routing_ml.tracking`` calls :func:`require_mlflow` first.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from types import ModuleType

from routing_ml.errors import MissingDependencyError

logger = logging.getLogger(__name__)

_INSTALL_HINT = (
    "install it with `pip install 'mlflow>=3.0'` (it is a dependency of routing-ml, so "
    "`pip install routing-ml` also brings it)"
)


def require_mlflow(module: str = "mlflow") -> ModuleType:
    """Import ``module`` (``mlflow`` or one of its submodules) or raise a clear error.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"mlflow"`` or ``"mlflow.pyfunc"``.

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    MissingDependencyError
        If MLflow is not installed (also an ``ImportError``); the message says what to
        install.
    """
    try:
        return import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"routing_ml.tracking needs MLflow, but `import {module}` failed ({exc}); "
            f"{_INSTALL_HINT}."
        ) from exc


@contextmanager
def use_tracking_uri(tracking_uri: str | None) -> Iterator[None]:
    """Use ``tracking_uri`` inside the block and restore the caller's setting after it.

    ``None`` changes nothing: MLflow then resolves the store as usual
    (``mlflow.set_tracking_uri``, else ``MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db``
    in the working directory for MLflow 3).

    MLflow keeps the tracking URI in a module global and mirrors it into the
    ``MLFLOW_TRACKING_URI`` environment variable; both are restored on exit, so the
    library never leaves a tracking URI behind that the caller did not set.
    """
    if tracking_uri is None:
        yield
        return
    mlflow = require_mlflow()
    utils = import_module("mlflow.tracking._tracking_service.utils")
    old_uri = getattr(utils, "_tracking_uri", None)
    old_env = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(tracking_uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(old_uri)  # None unsets the global (and the env mirror)
        if old_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = old_env


def client(tracking_uri: str | None = None):  # -> mlflow.MlflowClient
    """An ``MlflowClient`` on ``tracking_uri`` (``None``: MLflow's usual resolution)."""
    mlflow = require_mlflow()
    return mlflow.MlflowClient(tracking_uri=tracking_uri)


def missing_store(tracking_uri: str | None) -> str | None:
    """Why the store ``tracking_uri`` resolves to cannot be read: a sqlite database or a
    local folder that does not exist (MLflow would create an empty one and answer "no
    model"); None when it exists or is not on this disk."""
    mlflow = require_mlflow()
    with use_tracking_uri(tracking_uri):
        uri = str(mlflow.get_tracking_uri())
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///"):].split("?", 1)[0]
        if path in ("", ":memory:") or Path(path).is_file():
            return None
        return f"{uri}: no database at {Path(path).resolve()}"
    folder = local_path(uri)
    if folder is None or folder.is_dir():
        return None
    if folder.is_file():
        return (f"{uri}: {folder.resolve()} is a file, not a folder of runs; for a sqlite "
                f"database write sqlite:///{folder.resolve()}")
    return f"{uri}: no folder {folder.resolve()}"


def local_path(uri: str) -> Path | None:
    """The path on this disk of a plain path or ``file:`` URI (None for other schemes).
    Standard library only: the CLI's run logging calls it without MLflow imported here."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return Path(uri) if parsed.scheme == "" else None


STORE_FIX = ("Fix: check the path (sqlite:///relative/to/the/working/dir.db or "
             "sqlite:////absolute/path.db), or set MLFLOW_TRACKING_URI.")

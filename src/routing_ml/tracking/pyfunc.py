"""``RoutingMLModel``: any routing_ml object as an ``mlflow.pyfunc`` model.

Importing this module imports ``mlflow.pyfunc`` (about 1 s); ``routing_ml.tracking``
imports it only when :class:`RoutingMLModel` or :func:`~routing_ml.tracking.log_model` is
used. A model-loading service needs routing-ml (which brings MLflow); a model logged with
``include_package_code=True`` loads with MLflow and routing-ml's runtime requirements alone.

The wrapped object travels as an artifact, saved in one of two formats:

- ``"save"``: the object's own ``obj.save(path)`` and ``type(obj).load(path)`` (the
  ``Router`` saves a directory, the ``IntentClassifier`` a file);
- ``"joblib"``: ``joblib.dump`` / ``joblib.load`` (the ``Forecaster``, scikit-learn
  estimators, any picklable object).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import Any

import pandas as pd  # noqa: TC002 - MLflow resolves predict's type hints at runtime

from routing_ml.tracking._adapters import AdapterError, predict_frame
from routing_ml.tracking._mlflow import require_mlflow


@contextmanager
def quiet_type_hint_warnings() -> Iterator[None]:
    """Silence MLflow 3's advice to type-hint ``predict``: this wrapper is validated by
    the signature logged with each model instead (and its own imports warn the same)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Tt]ype hint", category=UserWarning)
        yield


with quiet_type_hint_warnings():
    _pyfunc = require_mlflow("mlflow.pyfunc")

logger = logging.getLogger(__name__)

NATIVE_ARTIFACT = "native"
FORMATS = ("save", "joblib")


with quiet_type_hint_warnings():  # MLflow inspects predict when the class is made

    class RoutingMLModel(_pyfunc.PythonModel):  # type: ignore[name-defined,misc]
        """MLflow pyfunc wrapper that loads a routing_ml object and answers DataFrames.

        Parameters
        ----------
        kind : str
            Adapter kind (``"frame"``, ``"forecaster"``, ``"intent"``, ``"router"``,
            ``"estimator"``), see :mod:`routing_ml.tracking._adapters`.
        native_format : {"save", "joblib"}
            How the object was written to the ``native`` artifact.
        native_class : str
            ``"module:QualName"`` of the object's class (used by the ``"save"`` format).
        routing_ml_version : str
            Version of routing_ml that logged the model.

        Attributes
        ----------
        native : object or None
            The loaded object, after ``load_context`` (what :func:`load_native` returns).
        """

        def __init__(
            self, *, kind: str, native_format: str, native_class: str, routing_ml_version: str
        ) -> None:
            if native_format not in FORMATS:
                raise AdapterError(f"native_format must be one of {FORMATS}; got {native_format!r}.")
            self.kind = kind
            self.native_format = native_format
            self.native_class = native_class
            self.routing_ml_version = routing_ml_version
            self.native: Any = None

        def __getstate__(self) -> dict[str, Any]:
            state = self.__dict__.copy()
            state["native"] = None  # the object travels as an artifact, never inside the pickle
            return state

        def load_context(self, context: Any) -> None:
            """Load the wrapped object from the ``native`` artifact."""
            self.native = load_native_artifact(
                context.artifacts[NATIVE_ARTIFACT], self.native_format, self.native_class
            )
            from routing_ml import __version__

            if __version__ != self.routing_ml_version:
                logger.warning(
                    "model logged with routing_ml %s is loaded with routing_ml %s",
                    self.routing_ml_version, __version__,
                )

        def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
            """Answer ``model_input`` (a DataFrame) with the wrapped object's adapter.

            Hinted ``pd.DataFrame`` only: MLflow 3 reads ``predict``'s hints for its own
            validation, and the signature logged with each model does the column checks.
            """
            if self.native is None:
                raise AdapterError("RoutingMLModel.predict called before load_context.")
            return predict_frame(self.kind, self.native, model_input, params)


def class_path(obj: Any) -> str:
    """``"module:QualName"`` of ``obj``'s class."""
    cls = type(obj)
    return f"{cls.__module__}:{cls.__qualname__}"


def _import_class(path: str) -> Any:
    module, _, qualname = path.partition(":")
    target: Any = import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def choose_format(obj: Any) -> str:
    """``"save"`` if the object has ``save(path)`` and its class ``load(path)``, else joblib."""
    if callable(getattr(obj, "save", None)) and callable(getattr(type(obj), "load", None)):
        return "save"
    return "joblib"


def save_native_artifact(obj: Any, folder: Path, native_format: str,
                         save_kwargs: Mapping[str, Any] | None = None) -> Path:
    """Write ``obj`` under ``folder`` in ``native_format``; return the file or directory.
    ``save_kwargs`` go to the object's own ``save`` (e.g. a Router's ``include_cases``)."""
    folder.mkdir(parents=True, exist_ok=True)
    if native_format == "save":
        target = folder / NATIVE_ARTIFACT
        obj.save(target, **(save_kwargs or {}))
        if not target.exists():  # a save() that appends its own extension
            written = sorted(p for p in folder.iterdir() if p.name.startswith(NATIVE_ARTIFACT))
            if len(written) != 1:
                raise AdapterError(
                    f"{type(obj).__name__}.save({target}) wrote {[p.name for p in written]}; "
                    "expected exactly one file or directory at the given path."
                )
            target = written[0]
        return target
    if native_format == "joblib":
        import joblib

        target = folder / f"{NATIVE_ARTIFACT}.joblib"
        joblib.dump(obj, target)
        return target
    raise AdapterError(f"native_format must be one of {FORMATS}; got {native_format!r}.")


def load_native_artifact(path: str | Path, native_format: str, native_class: str) -> Any:
    """Read back what :func:`save_native_artifact` wrote."""
    if native_format == "save":
        return _import_class(native_class).load(Path(path))
    if native_format == "joblib":
        import joblib

        return joblib.load(path)
    raise AdapterError(f"native_format must be one of {FORMATS}; got {native_format!r}.")

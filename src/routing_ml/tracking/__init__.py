"""MLflow tracking for routing_ml: runs, params, metrics, pyfunc models, aliases.

The only package of routing_ml that imports mlflow, and only inside its functions:
``import routing_ml.tracking`` stays light (no mlflow, no pandas). When MLflow is missing
every function raises :class:`routing_ml.errors.MissingDependencyError` saying what to
install.

The library never sets a tracking URI and never starts a run unless asked. Choose the
store yourself: ``start_run(..., tracking_uri="sqlite:///mlflow.db")`` (restored after
the block), ``mlflow.set_tracking_uri(...)`` or ``MLFLOW_TRACKING_URI``. With nothing set,
MLflow 3 uses ``sqlite:///mlflow.db`` in the working directory; the legacy ``./mlruns``
file store raises unless ``MLFLOW_ALLOW_FILE_STORE=true``.

Models are logged as ``mlflow.pyfunc`` models (:class:`RoutingMLModel`) with a signature,
an input example and ``pip_requirements=["routing-ml==<version>"]``; the object itself
travels as an artifact (its own ``save``/``load`` when it has them, else joblib) and
:func:`load_native` gives it back. A pyfunc model answers a DataFrame through the adapter
of the object's *kind*:

- ``frame``: any object with ``predict_frame(df, **params) -> DataFrame`` (the protocol
  to implement for a new kind of model);
- ``forecaster``: ``Forecaster``; rows ``unique_id, ds`` to forecast, or param ``h``
  (``"48"``, ``"1w"``) and ``level`` → ``unique_id, ds, yhat, yhat_lo_L, yhat_hi_L``;
- ``intent``: ``IntentClassifier``; ``text`` → ``intent, confidence, language, queue``;
- ``router``: ``Router``; contact rows (``contact_id, channel`` and any ``Contact``
  field, ``ts`` read as the arrival) and params ``available_agents``,
  ``each_at_arrival`` → ``contact_id, agent_id ("" = none), reason, score,
  retry_after_seconds`` (``score`` and ``retry_after_seconds`` hold Python floats or
  None, object dtype, so a served answer says null where there is no value; in process,
  ``out["score"].astype(float)`` gives numbers with NaN);
- ``estimator``: a scikit-learn style ``predict(X)`` → ``prediction``.

Registry: aliases, never stages. ``log_model(..., registered_model_name=..., alias=
"champion")``, :func:`set_alias` (or ``routing-ml models promote``) and serving code
loads ``models:/<name>@champion``.

Examples
--------
>>> from routing_ml import tracking
>>> with tracking.start_run("forecasting", tracking_uri="sqlite:///mlflow.db"):  # doctest: +SKIP
...     tracking.log_params({"seed": 0, "model": {"name": "topdown", "weeks": 6}})
...     tracking.log_backtest(metrics)          # model, cutoff, wape, mase, ...
...     m = tracking.log_model(forecaster, "forecaster", input_example=future.head(),
...                            registered_model_name="volumes", alias="champion")
>>> model = tracking.load_model("models:/volumes@champion")  # doctest: +SKIP
>>> model.predict(future)  # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from routing_ml.tracking._adapters import KINDS, AdapterError, detect_kind, predict_frame
from routing_ml.tracking._mlflow import require_mlflow
from routing_ml.tracking._models import (
    TrackedModel,
    delete_alias,
    get_alias_version,
    list_models,
    load_model,
    load_native,
    log_model,
    package_requirements,
    set_alias,
)
from routing_ml.tracking._runs import (
    DEFAULT_EXPERIMENT,
    TrackingError,
    flatten_metrics,
    flatten_params,
    log_backtest,
    log_figure,
    log_frame,
    log_metrics,
    log_params,
    log_run,
    start_run,
)

# names whose module imports mlflow at import time: loaded on first access
_LAZY = {"RoutingMLModel": "routing_ml.tracking.pyfunc"}

__all__ = [
    "DEFAULT_EXPERIMENT",
    "KINDS",
    "AdapterError",
    "RoutingMLModel",
    "TrackedModel",
    "TrackingError",
    "delete_alias",
    "detect_kind",
    "flatten_metrics",
    "flatten_params",
    "get_alias_version",
    "list_models",
    "load_model",
    "load_native",
    "log_backtest",
    "log_figure",
    "log_frame",
    "log_metrics",
    "log_model",
    "log_params",
    "log_run",
    "package_requirements",
    "predict_frame",
    "require_mlflow",
    "set_alias",
    "start_run",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'routing_ml.tracking' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

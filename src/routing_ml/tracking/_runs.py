"""Runs, parameters, metrics and artifacts, logged only when the caller asks.

The library never sets a tracking URI and never starts a run on its own. The caller
chooses the store: pass ``tracking_uri=`` to :func:`start_run`, or set
``MLFLOW_TRACKING_URI`` / ``mlflow.set_tracking_uri`` yourself. With nothing set, MLflow 3
uses ``sqlite:///mlflow.db`` in the working directory; the old ``./mlruns`` file store is
refused unless ``MLFLOW_ALLOW_FILE_STORE=true``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import logging
import math
import numbers
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from routing_ml.errors import FrameError, RoutingMLError
from routing_ml.tracking._mlflow import require_mlflow, use_tracking_uri

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from mlflow.entities import Run

logger = logging.getLogger(__name__)

DEFAULT_EXPERIMENT = "routing_ml"
MAX_PARAM_LENGTH = 6000  # characters MLflow keeps for a param value
_KEY_OK = re.compile(r"^[\w\-. /]+$")  # characters MLflow accepts in param/metric keys


class TrackingError(RoutingMLError, ValueError):
    """A value given to ``routing_ml.tracking`` cannot be logged as asked."""


# ---------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------
@contextmanager
def start_run(
    experiment: str = DEFAULT_EXPERIMENT,
    run_name: str | None = None,
    *,
    tracking_uri: str | None = None,
    tags: Mapping[str, Any] | None = None,
    artifact_location: str | None = None,
    nested: bool = False,
) -> Iterator[Run]:
    """Start an MLflow run (a context manager) under ``experiment``.

    Parameters
    ----------
    experiment : str
        Experiment name, created if it does not exist. Ignored when the process was
        launched by ``mlflow run`` (``MLFLOW_RUN_ID`` set): the project's run is resumed.
    run_name : str, optional
        Display name of the run.
    tracking_uri : str, optional
        Tracking store for this run only, e.g. ``"sqlite:///mlflow.db"`` or
        ``"http://mlflow:5000"``. ``None`` (default) leaves MLflow's own resolution alone
        (``mlflow.set_tracking_uri`` > ``MLFLOW_TRACKING_URI`` > ``sqlite:///mlflow.db`` in
        MLflow 3). The caller's setting is restored when the block ends. MLflow keeps the
        URI process-wide: while the block runs, other threads' MLflow calls use it too (in
        a threaded service, set one URI at start-up instead).
    tags : mapping, optional
        Run tags. ``routing_ml.version`` is always added.
    artifact_location : str, optional
        Artifact root used only when the experiment is created here (default: MLflow's,
        ``./mlruns`` under the working directory for a sqlite store).
    nested : bool
        Start a child run of the active run.

    Yields
    ------
    mlflow.entities.Run
        The active run; ``run.info.run_id`` identifies it.

    Raises
    ------
    MissingDependencyError
        If MLflow is not installed.
    """
    mlflow = require_mlflow()
    from routing_ml import __version__

    all_tags = {"routing_ml.version": __version__}
    all_tags.update({str(k): str(v) for k, v in (tags or {}).items()})
    with use_tracking_uri(tracking_uri):
        experiment_id = None
        if not os.environ.get("MLFLOW_RUN_ID"):
            experiment_id = _experiment_id(mlflow, experiment, artifact_location)
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=run_name, tags=all_tags, nested=nested
        ) as run:
            logger.info(
                "MLflow run %s (%s) in experiment %r at %s",
                run.info.run_id, run_name, experiment, mlflow.get_tracking_uri(),
            )
            yield run


def _experiment_id(mlflow: Any, name: str, artifact_location: str | None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise TrackingError(f"experiment must be a non-empty name; got {name!r}.")
    client = mlflow.MlflowClient()
    found = client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            raise TrackingError(
                f"experiment {name!r} is deleted in {mlflow.get_tracking_uri()}; restore it "
                f"with MlflowClient().restore_experiment({found.experiment_id!r}) or pick "
                "another name."
            )
        return found.experiment_id
    return client.create_experiment(name, artifact_location=artifact_location)


def _require_active_run(mlflow: Any, what: str) -> None:
    if mlflow.active_run() is None:
        raise TrackingError(
            f"{what} needs an active MLflow run; wrap the call in "
            "`with routing_ml.tracking.start_run(...):`."
        )


# ---------------------------------------------------------------------------------------
# params
# ---------------------------------------------------------------------------------------
def flatten_params(
    params: Any, *, prefix: str = "", sep: str = ".", sanitize: bool = False
) -> dict[str, str]:
    """Flatten nested mappings and dataclasses into ``{"a.b.c": "value"}`` strings.

    Parameters
    ----------
    params : mapping or dataclass instance
        E.g. ``{"seed": 0, "solver": SolverConfig(...), "model": {"alpha": 0.1}}``.
    prefix : str
        Prepended to every key (with ``sep``).
    sep : str
        Separator between nesting levels.
    sanitize : bool
        Replace characters MLflow refuses in a key by ``_`` (with a log warning) instead
        of raising.

    Returns
    -------
    dict[str, str]
        Flat keys to string values: ``None`` → ``"None"``, enums → their value, lists and
        tuples of scalars → JSON, paths → ``str``, numpy scalars → Python numbers.

    Raises
    ------
    TrackingError
        If ``params`` is neither a mapping nor a dataclass, or a key has a character MLflow
        refuses (allowed: letters, digits, ``_ - . /`` and space).

    Examples
    --------
    >>> flatten_params({"seed": 0, "solver": {"time_limit_seconds": 30}, "level": (80, 95)})
    {'seed': '0', 'solver.time_limit_seconds': '30', 'level': '[80, 95]'}
    """
    if dataclasses.is_dataclass(params) and not isinstance(params, type):
        params = _dataclass_dict(params)
    if not isinstance(params, Mapping):
        raise TrackingError(
            f"params must be a mapping or a dataclass instance; got {type(params).__name__}. "
            "Pass e.g. {'seed': 0} or dataclasses.asdict(config)."
        )
    out: dict[str, str] = {}
    _flatten_into(out, params, prefix, sep, sanitize)
    return out


def _dataclass_dict(obj: Any) -> dict[str, Any]:
    # shallow, so nested dataclasses are flattened by _flatten_into with their own prefix
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _flatten_into(
    out: dict[str, str], value: Any, key: str, sep: str, sanitize: bool
) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = _dataclass_dict(value)
    if isinstance(value, Mapping):
        if not value and key:
            out[_check_key(key, sanitize)] = "{}"
        for k, v in value.items():
            _flatten_into(out, v, f"{key}{sep}{k}" if key else str(k), sep, sanitize)
        return
    if not key:
        raise TrackingError(f"a parameter value needs a name; got the bare value {value!r}.")
    out[_check_key(key, sanitize)] = _param_str(value)


_BAD_KEY_CHARS = re.compile(r"[^\w\-. /]")


def _check_key(key: str, sanitize: bool = False) -> str:
    if sanitize and (not _KEY_OK.match(key) or len(key) > 250):
        safe = _BAD_KEY_CHARS.sub("_", key)[:250] or "_"
        logger.warning("key %r logged as %r (MLflow refuses some characters)", key, safe)
        return safe
    if not _KEY_OK.match(key) or len(key) > 250:
        raise TrackingError(
            f"key {key!r} cannot be logged to MLflow: use at most 250 letters, digits, "
            "'_', '-', '.', '/' or spaces (rename the key or pass prefix=...)."
        )
    return key


def _param_str(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()  # numpy scalar
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        try:
            text = json.dumps([_jsonable(v) for v in items])
        except TypeError:
            text = str(list(items))
    elif isinstance(value, (Path, PurePosixPath)):
        text = str(value)
    else:
        text = str(value)
    if len(text) > MAX_PARAM_LENGTH:
        logger.warning("param value truncated to %d characters", MAX_PARAM_LENGTH)
        text = text[: MAX_PARAM_LENGTH - 3] + "..."
    return text


def _jsonable(v: Any) -> Any:
    if isinstance(v, enum.Enum):
        return v.value
    if hasattr(v, "item") and callable(v.item) and getattr(v, "ndim", 1) == 0:
        return v.item()
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: _jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return str(v)


def log_params(params: Any, *, prefix: str = "") -> dict[str, str]:
    """Log parameters (seeds, configs, hyper-parameters) to the active run.

    Nested mappings and dataclasses (e.g. a frozen ``SolverConfig``) are flattened to
    dotted keys, so ``{"solver": SolverConfig(random_seed=0)}`` logs
    ``solver.random_seed = 0``.

    Parameters
    ----------
    params : mapping or dataclass instance
        What to log.
    prefix : str
        Prepended to every key, e.g. ``"forecaster"``.

    Returns
    -------
    dict[str, str]
        The flat parameters as logged.

    Raises
    ------
    TrackingError
        No active run, a key MLflow refuses (see :func:`flatten_params`), or a key the
        run already holds with another value (MLflow parameters cannot change; logging
        the same value again is fine).
    MissingDependencyError
        If MLflow is not installed.
    """
    flat = flatten_params(params, prefix=prefix)
    mlflow = require_mlflow()
    _require_active_run(mlflow, "log_params")
    if flat:
        run_id = mlflow.active_run().info.run_id
        logged = mlflow.tracking.MlflowClient().get_run(run_id).data.params
        changed = {k: (logged[k], v) for k, v in flat.items() if k in logged and logged[k] != v}
        if changed:
            shown = "; ".join(f"{k!r}: logged {old!r}, now {new!r}"
                              for k, (old, new) in list(changed.items())[:5])
            raise TrackingError(
                f"log_params: run {run_id} already holds {len(changed)} of these parameters "
                f"with another value ({shown}); MLflow parameters cannot change. Fix: log "
                "the new value under another key (e.g. prefix=...), or start a new run."
            )
        mlflow.log_params(flat)
    return flat


# ---------------------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------------------
def flatten_metrics(
    metrics: Any, *, prefix: str = "", sep: str = ".", sanitize: bool = False
) -> dict[str, float]:
    """Flatten a (nested) mapping or dataclass of numbers into ``{"a.b": float}``.

    ``sanitize`` replaces characters MLflow refuses in a key by ``_`` instead of raising.

    Raises
    ------
    TrackingError
        If a value is not a real number (``bool`` counts as 0/1), naming its key.
    """
    if dataclasses.is_dataclass(metrics) and not isinstance(metrics, type):
        metrics = _dataclass_dict(metrics)
    if not isinstance(metrics, Mapping):
        raise TrackingError(
            f"metrics must be a mapping of names to numbers; got {type(metrics).__name__}."
        )
    out: dict[str, float] = {}

    def walk(value: Any, key: str) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = _dataclass_dict(value)
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, f"{key}{sep}{k}" if key else str(k))
            return
        if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
            value = value.item()
        if not isinstance(value, numbers.Real):
            raise TrackingError(
                f"metric {key!r} must be a real number; got {value!r} "
                f"({type(value).__name__}). Log text as a param or a tag instead."
            )
        out[_check_key(key, sanitize)] = float(value)

    walk(metrics, prefix)
    return out


def log_metrics(
    metrics: Any, *, step: int | None = None, prefix: str = ""
) -> dict[str, float]:
    """Log numeric metrics to the active run, optionally at a ``step``.

    Parameters
    ----------
    metrics : mapping or dataclass instance
        Names to numbers; nested mappings become dotted names. NaN is logged as NaN
        (MLflow keeps it) with a warning in the log.
    step : int, optional
        Step index (e.g. the backtest window or the epoch); ``None`` is MLflow's step 0.
    prefix : str
        Prepended to every name, e.g. ``"backtest"``.

    Returns
    -------
    dict[str, float]
        The flat metrics as logged.

    Raises
    ------
    TrackingError
        No active run, a non-numeric value, a negative or non-integer ``step``.
    MissingDependencyError
        If MLflow is not installed.
    """
    if step is not None and (isinstance(step, bool) or not isinstance(step, numbers.Integral)
                             or step < 0):
        raise TrackingError(f"step must be a non-negative integer or None; got {step!r}.")
    flat = flatten_metrics(metrics, prefix=prefix)
    nan_keys = [k for k, v in flat.items() if math.isnan(v)]
    if nan_keys:
        logger.warning("logging NaN metrics %s", nan_keys)
    mlflow = require_mlflow()
    _require_active_run(mlflow, "log_metrics")
    if flat:
        mlflow.log_metrics(flat, step=None if step is None else int(step))
    return flat


# ---------------------------------------------------------------------------------------
# artifacts
# ---------------------------------------------------------------------------------------
_FRAME_FORMATS = (".csv", ".parquet", ".json")


def log_frame(df: pd.DataFrame, artifact_file: str, *, index: bool = False) -> str:
    """Write a frame as an artifact of the active run.

    Parameters
    ----------
    df : pandas.DataFrame
        The frame, e.g. a forecast or a requirements table.
    artifact_file : str
        Path inside the run's artifacts, ending in ``.csv``, ``.parquet`` or ``.json``
        (records, ISO dates), e.g. ``"forecast/forecast.csv"``.
    index : bool
        Write the index too.

    Returns
    -------
    str
        The artifact URI of the written file.

    Raises
    ------
    TrackingError
        ``df`` is not a DataFrame, an unknown extension, or no active run.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TrackingError(f"log_frame needs a pandas DataFrame; got {type(df).__name__}.")
    path = PurePosixPath(artifact_file)
    if path.suffix not in _FRAME_FORMATS or path.is_absolute() or ".." in path.parts:
        raise TrackingError(
            f"artifact_file {artifact_file!r} must be a relative path ending in one of "
            f"{list(_FRAME_FORMATS)}, e.g. 'backtest/metrics.csv'."
        )
    mlflow = require_mlflow()
    _require_active_run(mlflow, "log_frame")
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / path.name
        if path.suffix == ".csv":
            df.to_csv(local, index=index)
        elif path.suffix == ".parquet":
            df.to_parquet(local, index=index)
        else:
            df.to_json(local, orient="records", date_format="iso", indent=1)
        folder = str(path.parent) if str(path.parent) != "." else None
        mlflow.log_artifact(str(local), artifact_path=folder)
    return f"{mlflow.get_artifact_uri()}/{artifact_file}"


def log_figure(figure: Any, artifact_file: str) -> str:
    """Save a matplotlib figure as an artifact (``.png``, ``.svg``, ``.pdf``) of the run.

    Returns
    -------
    str
        The artifact URI.

    Raises
    ------
    TrackingError
        Not a figure (no ``savefig``), or no active run.
    """
    if not callable(getattr(figure, "savefig", None)):
        raise TrackingError(
            f"log_figure needs a matplotlib Figure (with .savefig); got "
            f"{type(figure).__name__}. Use ax.figure or plt.gcf()."
        )
    mlflow = require_mlflow()
    _require_active_run(mlflow, "log_figure")
    mlflow.log_figure(figure, artifact_file)
    return f"{mlflow.get_artifact_uri()}/{artifact_file}"


# ---------------------------------------------------------------------------------------
# backtests
# ---------------------------------------------------------------------------------------
def log_backtest(
    metrics_frame: pd.DataFrame,
    *,
    model_col: str = "model",
    cutoff_col: str = "cutoff",
    prefix: str = "backtest",
    artifact_file: str | None = "backtest/metrics.csv",
) -> dict[str, float]:
    """Log a forecasting cross-validation metrics table to the active run.

    The table is one row per model (pooled figures), or one row per model and
    ``cutoff`` (per-window figures). Numeric columns are the metrics (``wape``, ``mase``,
    ``rmse``, ``coverage_80``, ...). A long table with ``metric`` and ``value`` columns is
    pivoted first.

    Logged metrics are named ``{prefix}.{model}.{metric}``. With a ``cutoff`` column each
    window is also logged as ``{prefix}.{model}.window.{metric}`` at ``step`` = its rank
    (0 for the earliest cutoff), and the summary is the **mean over windows** — log pooled
    figures as rows without a cutoff when the mean of per-window WAPEs is not what you
    want.

    Parameters
    ----------
    metrics_frame : pandas.DataFrame
        Columns: ``model`` (optional; one model named ``"model"`` if absent), ``cutoff``
        (optional), numeric metric columns; or ``metric``, ``value`` (+ the same keys).
    model_col, cutoff_col : str
        Names of the model and cutoff columns.
    prefix : str
        Prefix of the metric names.
    artifact_file : str or None
        Where to store the table itself as a CSV artifact (``None``: do not store).

    Returns
    -------
    dict[str, float]
        The summary metrics logged (without step).

    Raises
    ------
    FrameError
        Not a DataFrame, empty, no numeric metric column, a non-numeric column other than
        the model and cutoff (e.g. per-series rows with ``unique_id``: aggregate first), or
        duplicated (model, cutoff) rows.
    TrackingError
        No active run.
    """
    import pandas as pd

    if not isinstance(metrics_frame, pd.DataFrame) or metrics_frame.empty:
        raise FrameError(
            "log_backtest needs a non-empty DataFrame of metrics (one row per model, or per "
            f"model and {cutoff_col!r}); got "
            f"{type(metrics_frame).__name__ if not isinstance(metrics_frame, pd.DataFrame) else 'an empty frame'}."
        )
    df = metrics_frame.copy()
    if {"metric", "value"} <= set(df.columns):
        keys = [c for c in (model_col, cutoff_col) if c in df.columns]
        extra = sorted(set(df.columns) - {"metric", "value", *keys})
        if extra:
            raise FrameError(
                f"log_backtest: long metrics table has unexpected columns {extra}; expected "
                f"'metric', 'value' and optionally {model_col!r}, {cutoff_col!r}. Aggregate "
                "per-series rows before logging."
            )
        dup = df.duplicated([*keys, "metric"])
        if dup.any():  # as in the wide form: two figures for one window are not one
            raise FrameError(
                f"log_backtest: {int(dup.sum())} duplicated rows for {[*keys, 'metric']}, e.g. "
                f"{df.loc[dup, [*keys, 'metric']].iloc[0].tolist()}; one value per "
                f"{' and '.join([*keys, 'metric'])}.")
        # pivot (not pivot_table): a window whose value is NaN (a failed fit) stays NaN
        df = df.pivot(index=keys or None, columns="metric", values="value") if keys else \
            df.set_index("metric")["value"].to_frame().T
        df = df.reset_index() if keys else df.reset_index(drop=True)
        df.columns.name = None
    if model_col not in df.columns:
        df[model_col] = "model"
    has_cutoff = cutoff_col in df.columns
    keys = [model_col, cutoff_col] if has_cutoff else [model_col]
    others = [c for c in df.columns if c not in keys]
    non_numeric = [c for c in others if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        raise FrameError(
            f"log_backtest: columns {non_numeric} are not numeric; every column besides "
            f"{keys} must be a metric. Aggregate per-series rows (e.g. 'unique_id') first or "
            "drop those columns."
        )
    if not others:
        raise FrameError(
            f"log_backtest: no metric column in {list(metrics_frame.columns)}; expected numeric "
            "columns such as 'wape', 'mase', 'coverage_80'."
        )
    dup = df.duplicated(keys)
    if dup.any():
        raise FrameError(
            f"log_backtest: {int(dup.sum())} duplicated rows for {keys}, e.g. "
            f"{df.loc[dup, keys].iloc[0].tolist()}; one row per {' and '.join(keys)}."
        )
    mlflow = require_mlflow()
    _require_active_run(mlflow, "log_backtest")
    summary: dict[str, float] = {}
    for model, group in df.groupby(model_col, sort=True):
        base = f"{prefix}.{model}" if prefix else str(model)
        if has_cutoff:
            group = group.sort_values(cutoff_col)
            for step, (_, row) in enumerate(group.iterrows()):
                log_metrics({m: row[m] for m in others}, step=step, prefix=f"{base}.window")
        # a window without a figure (a failed fit) leaves the mean NaN: skipping it would
        # make the model that failed look better than the others
        means = group[others].astype(float).mean(axis=0, skipna=False)
        summary.update(log_metrics({m: means[m] for m in others}, prefix=base))
    if artifact_file is not None:
        log_frame(metrics_frame, artifact_file)
    return summary


# ---------------------------------------------------------------------------------------
# one-shot
# ---------------------------------------------------------------------------------------
def log_run(
    params: Any = None,
    metrics: Any = None,
    *,
    experiment: str = DEFAULT_EXPERIMENT,
    run_name: str | None = None,
    tracking_uri: str | None = None,
    tags: Mapping[str, Any] | None = None,
    artifact_location: str | None = None,
) -> str:
    """Log one finished job (a benchmark, a backtest) as a run in a single call.

    Nested params and metrics are flattened as in :func:`log_params` /
    :func:`log_metrics`; characters MLflow refuses in a name (e.g. ``+``, ``(``) become
    ``_`` with a log warning, so a long benchmark never fails at its last step on a
    model's name. Under ``mlflow run`` the project's run is used.

    Parameters
    ----------
    params, metrics : mapping or dataclass, optional
        What to log.
    experiment, run_name, tracking_uri, tags, artifact_location
        As in :func:`start_run`.

    Returns
    -------
    str
        The run id.

    Raises
    ------
    TrackingError
        A metric value is not a number.
    MissingDependencyError
        If MLflow is not installed.
    """
    flat_params = flatten_params(params, sanitize=True) if params else {}
    flat_metrics = flatten_metrics(metrics, sanitize=True) if metrics else {}
    with start_run(experiment, run_name, tracking_uri=tracking_uri, tags=tags,
                   artifact_location=artifact_location) as run:
        if flat_params:
            log_params(flat_params)
        if flat_metrics:
            log_metrics(flat_metrics)
        return run.info.run_id


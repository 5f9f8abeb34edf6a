"""Log routing_ml objects as pyfunc models, register them, alias them, load them back.

Serving code resolves ``models:/<name>@champion``: aliases, never stages (stages are
deprecated since MLflow 2.9).
"""

from __future__ import annotations

import copy
import logging
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routing_ml.tracking._adapters import KINDS, AdapterError, default_params, detect_kind
from routing_ml.tracking._adapters import predict_frame as _predict_frame
from routing_ml.tracking._mlflow import STORE_FIX, missing_store, require_mlflow, use_tracking_uri
from routing_ml.tracking._mlflow import client as _client
from routing_ml.tracking._runs import TrackingError, _require_active_run

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

_ALIAS_OK = re.compile(r"^[A-Za-z0-9_-]+$")
#: characters MLflow 3 refuses in the name of a model logged in a run
LOGGED_NAME_FORBIDDEN = ("/", ":", ".", "%", '"', "'")
#: left out of a model's package code: caches and the bundled datasets
#: (``routing_ml/datasets/data``). ``routing_ml/data`` stays: the fitted models read its
#: static word-piece vectors.
_PACKAGE_SKIP = ("__pycache__", "*.pyc")
_DATASETS_DIR = Path("datasets") / "data"


@dataclass(frozen=True, slots=True)
class TrackedModel:
    """What :func:`log_model` logged.

    Attributes
    ----------
    model_uri : str
        URI of the logged model itself (``models:/m-...`` in MLflow 3).
    run_id : str
        Run it was logged in.
    kind : str
        Adapter kind of the wrapped object.
    registered_model_name, version, alias : str or None
        Registry entry, when registered (and aliased).
    """

    model_uri: str
    run_id: str
    kind: str
    registered_model_name: str | None = None
    version: str | None = None
    alias: str | None = None

    @property
    def uri(self) -> str:
        """The URI of exactly this model: ``models:/<name>/<version>`` when registered,
        else ``model_uri``. It never moves (an alias does: see :attr:`alias_uri`)."""
        if self.registered_model_name and self.version:
            return f"models:/{self.registered_model_name}/{self.version}"
        return self.model_uri

    @property
    def alias_uri(self) -> str | None:
        """``models:/<name>@<alias>`` when an alias was set (None otherwise): what serving
        code loads; it follows the alias when it moves to another version."""
        if self.registered_model_name and self.alias:
            return f"models:/{self.registered_model_name}@{self.alias}"
        return None


def package_requirements(extras: tuple[str, ...] = ()) -> list[str]:
    """The runtime requirements of the installed routing-ml distribution, with those of
    ``extras`` (e.g. ``("nlp",)``) that apply to this platform."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        reqs = requires("routing-ml") or []
    except PackageNotFoundError:
        return []
    out = [r for r in reqs if "extra ==" not in r and "extra==" not in r]
    if extras:
        from packaging.requirements import Requirement

        for r in reqs:
            req = Requirement(r)
            if req.name == "routing-ml" or req.marker is None or "extra" not in str(req.marker):
                continue
            if any(req.marker.evaluate({"extra": e}) for e in extras):
                out.append(f"{req.name}{req.specifier}")  # its other markers hold here
    return out


def needed_extras(obj: Any) -> tuple[str, ...]:
    """The routing-ml extras a logged object needs to predict: ``("nlp",)`` for an intent
    classifier with a sentence encoder, or a router holding one."""
    if getattr(obj, "encoder", None) is not None and hasattr(obj, "classes_"):
        return ("nlp",)
    intent_model = getattr(obj, "intent_model", None)
    return needed_extras(intent_model) if intent_model is not None else ()


def _package_code(tmp: Path) -> str:
    """Copy the routing_ml package (without bundled data) for ``code_paths``."""
    import routing_ml

    src = Path(routing_ml.__file__).parent
    dst = tmp / "code" / "routing_ml"
    skip = shutil.ignore_patterns(*_PACKAGE_SKIP)

    def ignore(folder: str, names: list[str]) -> set[str]:
        out = set(skip(folder, names))
        if Path(folder).resolve() == (src / _DATASETS_DIR.parent).resolve():
            out.add(_DATASETS_DIR.name)
        return out

    shutil.copytree(src, dst, ignore=ignore)
    return str(dst)


def log_model(
    obj: Any,
    name: str,
    *,
    input_example: pd.DataFrame,
    kind: str | None = None,
    registered_model_name: str | None = None,
    alias: str | None = None,
    signature: Any = None,
    params: Mapping[str, Any] | None = None,
    pip_requirements: Sequence[str] | None = None,
    code_paths: Sequence[str] | None = None,
    include_package_code: bool = False,
    metadata: Mapping[str, Any] | None = None,
    include_cases: bool = False,
) -> TrackedModel:
    """Log ``obj`` as an ``mlflow.pyfunc`` model in the active run (and register it).

    The object is wrapped by :class:`~routing_ml.tracking.RoutingMLModel`: it is saved as
    an artifact (its own ``save``/``load`` when it has them, else joblib) and answers a
    DataFrame through the adapter of its kind (see :mod:`routing_ml.tracking._adapters`).
    Before logging, ``obj`` answers ``input_example``; that answer and the example give
    the model signature (a ``Router``'s inputs are every ``Contact`` field plus ``ts``,
    only ``contact_id`` and ``channel`` required, whatever columns the example has).

    Parameters
    ----------
    obj : object
        A fitted ``Forecaster``, ``IntentClassifier``, ``Router``, scikit-learn
        estimator, or any object with ``predict_frame(df) -> DataFrame``.
    name : str
        Name of the model inside the run (MLflow 3 ``name=``).
    input_example : pandas.DataFrame
        A few input rows: forecaster ``unique_id, ds``; intent ``text``; router contact
        columns (``contact_id, channel, ...``); estimator the feature columns. It is stored
        in the run as given (``input_example.json``): write made-up rows, not citizens'
        texts or ids.
    kind : str, optional
        Force the adapter kind (default: detected from the object).
    registered_model_name : str, optional
        Register the model under this name (a new version each call).
    alias : str, optional
        Point this alias (e.g. ``"champion"``) at the new version. Needs
        ``registered_model_name``.
    signature : mlflow.models.ModelSignature, optional
        Overrides the inferred signature.
    params : mapping, optional
        Inference parameters and their defaults for the signature (default: the kind's:
        ``{"h": "", "level": [80, 95]}`` for a forecaster — ``h`` empty forecasts the
        rows given, else ``"48"`` intervals or a span ``"1w"``; ``{"available_agents":
        "", "each_at_arrival": False}`` for a router — comma-separated free agent ids,
        empty = whole roster; each row routed alone at its own arrival instead of all
        rows as one batch waiting now).
    pip_requirements : sequence of str, optional
        Default ``["routing-ml==<version>"]``; with ``include_package_code`` the
        routing-ml runtime requirements instead.
    code_paths : sequence of str, optional
        Extra local code to ship with the model (``mlflow`` ``code_paths``).
    include_package_code : bool
        Ship the routing_ml package source (without its bundled datasets) inside the model,
        for environments where routing-ml cannot be pip-installed.
    metadata : mapping, optional
        Extra metadata written in the MLmodel file.
    include_cases : bool
        Router only: log its case book (per citizen the time, channel, agent and outcome
        of the last contacts: personal data under the GDPR, see :meth:`Router.save`).
        False (default): a registry is shared and long-lived, so the logged router has an
        empty case book and learns cases again from ``record_outcome``.

    Returns
    -------
    TrackedModel
        ``model_uri``, ``run_id``, ``kind``, ``registered_model_name``, ``version``,
        ``alias``; ``.uri`` loads exactly this version, ``.alias_uri`` whatever the alias
        points at.

    Raises
    ------
    TrackingError
        No active run, a ``name`` MLflow refuses (``/ : . % " '``), ``alias`` without
        ``registered_model_name``, an invalid alias, an ``input_example`` that is not a
        non-empty DataFrame.
    AdapterError
        The object cannot be wrapped, or did not answer the example with a DataFrame.
    MissingDependencyError
        If MLflow is not installed.
    """
    import pandas as pd

    from routing_ml import __version__

    if not isinstance(name, str) or not name.strip():
        raise TrackingError(f"name must be a non-empty string; got {name!r}.")
    bad = [c for c in LOGGED_NAME_FORBIDDEN if c in name]
    if bad:
        # checked before logging: MLflow refuses it only after the example was predicted
        # and the model saved
        raise TrackingError(
            f"name={name!r} holds {', '.join(map(repr, bad))}, which MLflow refuses in the name "
            f"of a model inside a run. Fix: use letters, digits, '-' and '_', e.g. "
            f"{''.join('_' if c in LOGGED_NAME_FORBIDDEN else c for c in name)!r}.")
    if not isinstance(input_example, pd.DataFrame) or input_example.empty:
        raise TrackingError(
            "input_example must be a non-empty DataFrame of a few input rows (it gives the "
            f"signature and documents the input); got {type(input_example).__name__}."
        )
    if registered_model_name is not None and (
            not isinstance(registered_model_name, str) or not registered_model_name.strip()
            or any(c in registered_model_name for c in "/:@")):
        # checked before logging: MLflow refuses it only after the model is in the run
        raise TrackingError(
            f"registered_model_name={registered_model_name!r} is not a valid registry name: "
            "give a non-empty name without '/', ':' or '@' (they separate the parts of a "
            "models:/ URI), e.g. 'volumes_madrid'.")
    if alias is not None:
        _check_alias(alias)
        if not registered_model_name:
            raise TrackingError(
                f"alias={alias!r} needs registered_model_name=...: only registered model "
                "versions carry aliases."
            )
    kind = kind or detect_kind(obj)
    if kind not in KINDS:
        raise AdapterError(f"kind must be one of {list(KINDS)}; got {kind!r}.")
    mlflow = require_mlflow()
    _require_active_run(mlflow, "log_model")
    from mlflow.models import infer_signature

    from routing_ml.tracking.pyfunc import (
        NATIVE_ARTIFACT,
        RoutingMLModel,
        choose_format,
        class_path,
        save_native_artifact,
    )

    params = dict(default_params(kind, obj) if params is None else params)
    # a router answers the example as a copy (its own counters, circuit breaker and
    # warnings untouched; the models and the case book are shared, read only)
    answering = copy.copy(obj) if kind == "router" else obj
    output_example = _predict_frame(kind, answering, input_example, params)
    if signature is None:
        signature = infer_signature(input_example, output_example, params=params or None)
        if kind == "router":  # every Contact field, not only the example's columns
            from mlflow.models import ModelSignature

            signature = ModelSignature(inputs=_router_input_schema(),
                                       outputs=_router_output_schema(), params=signature.params)
        elif kind == "estimator" and hasattr(obj, "intent_skills_"):
            from mlflow.models import ModelSignature

            signature = ModelSignature(inputs=_pair_input_schema(input_example),
                                       outputs=signature.outputs, params=signature.params)
        elif kind == "forecaster" and signature.inputs is not None:
            # with params={"h": ...} the rows only name the queues: ds is optional
            from mlflow.models import ModelSignature
            from mlflow.types.schema import ColSpec, Schema

            cols = [ColSpec(c.type, c.name, required=c.required and c.name != "ds")
                    for c in signature.inputs.inputs]
            signature = ModelSignature(inputs=Schema(cols), outputs=signature.outputs,
                                       params=signature.params)
    native_format = choose_format(obj)
    wrapper = RoutingMLModel(
        kind=kind, native_format=native_format, native_class=class_path(obj),
        routing_ml_version=__version__,
    )
    with tempfile.TemporaryDirectory(prefix="routing_ml_model_") as tmp:
        native = save_native_artifact(
            obj, Path(tmp) / "native", native_format,
            save_kwargs={"include_cases": include_cases} if kind == "router" else None)
        paths = list(code_paths or [])
        if include_package_code:
            paths.append(_package_code(Path(tmp)))
        if pip_requirements is None:
            # an encoder is needed at predict time: without the extra the model loads and
            # every prediction fails (a router would route without intents)
            extras = needed_extras(obj)
            pip_requirements = (
                package_requirements(extras) if include_package_code
                else [f"routing-ml{'[' + ','.join(extras) + ']' if extras else ''}=={__version__}"]
            )
        info = mlflow.pyfunc.log_model(
            name=name,
            python_model=wrapper,
            artifacts={NATIVE_ARTIFACT: str(native)},
            signature=signature,
            input_example=input_example,
            pip_requirements=list(pip_requirements),
            code_paths=paths or None,
            registered_model_name=registered_model_name,
            metadata={
                "routing_ml_kind": kind,
                "routing_ml_class": class_path(obj),
                "routing_ml_version": __version__,
                **dict(metadata or {}),
            },
        )
    version = None
    if registered_model_name:
        version = str(info.registered_model_version)
        if alias is not None:
            set_alias(registered_model_name, version, alias)
    logger.info("logged %s model %s (kind=%s, version=%s)", class_path(obj),
                info.model_uri, kind, version)
    return TrackedModel(
        model_uri=info.model_uri, run_id=info.run_id, kind=kind,
        registered_model_name=registered_model_name, version=version, alias=alias,
    )


def _router_output_schema() -> Any:
    """One decision per contact: ids and reason as text, ``score`` and
    ``retry_after_seconds`` numbers or null (none)."""
    from mlflow.types.schema import ColSpec, Schema

    return Schema([ColSpec("string", "contact_id"), ColSpec("string", "agent_id"),
                   ColSpec("string", "reason"), ColSpec("double", "score", required=False),
                   ColSpec("double", "retry_after_seconds", required=False)])


def _pair_input_schema(example: pd.DataFrame) -> Any:
    """A logged ``PairOutcomeModel`` takes what its ``predict`` takes: ``agent_id`` and
    ``intent`` required (listed even when the example lacks them), every other column of
    the example optional, numbers and ids of any type (NaN = unknown: a missing priority or
    an unknown citizen)."""
    from mlflow.types.schema import AnyType, ColSpec, Schema

    text = {"agent_id", "channel", "intent", "language", "skill", "previous_channel"}
    required = ("agent_id", "intent")
    names = [*required, *(str(c) for c in example.columns if str(c) not in required)]
    return Schema([ColSpec("string" if c in text else AnyType(), c, required=c in required)
                   for c in names])


def _router_input_schema() -> Any:
    """The input schema of a logged ``Router``: ``contact_id`` and ``channel`` required,
    every other ``Contact`` field and ``ts`` optional (``required=False``).

    Types: ``channel`` and the other text fields (``intent``, ``skill``, ``language``,
    ``preferred_agent_id``, ``text``, ``previous_channel``) ``string``; ``is_repeat`` /
    ``open_case`` ``boolean``; ``contact_id``, ``customer_id`` (ids may be numbers or
    text), ``arrival_seconds``, ``priority``, ``prior_contacts`` (whole numbers or
    floats, NaN = unknown) and ``ts`` (datetime, zoned or not, ISO text or epoch seconds)
    ``any``: MLflow's ``long`` rejects NaN and its ``double`` rejects int64 columns
    (checked with MLflow 3.17). The router adapter reads these itself: NaN means "not
    given", a ``ts`` it cannot read gives that row ``no_eligible_agent:bad_input``, and
    the Router answers other bad values as :meth:`Router.route` documents.
    """
    import dataclasses

    from mlflow.types.schema import AnyType, ColSpec, Schema

    from routing_ml.routing.base import Contact

    text = {"channel", "intent", "skill", "language", "preferred_agent_id", "text",
            "previous_channel"}
    flags = {"is_repeat", "open_case"}
    cols: list[Any] = []
    for f in [*dataclasses.fields(Contact), None]:
        name = "ts" if f is None else f.name
        dtype: Any = "string" if name in text else ("boolean" if name in flags else AnyType())
        cols.append(ColSpec(dtype, name, required=name in ("contact_id", "channel")))
    return Schema(cols)


def load_model(model_uri: str, *, tracking_uri: str | None = None) -> Any:
    """Load a model as ``mlflow.pyfunc.PyFuncModel`` (``.predict(df, params=...)``).

    Parameters
    ----------
    model_uri : str
        ``models:/<name>@champion``, ``models:/<name>/<version>``, ``runs:/<id>/<name>``,
        ``models:/m-...`` or a local path.
    tracking_uri : str, optional
        Store to resolve ``models:/`` and ``runs:/`` URIs in, for this call only (MLflow
        holds it process-wide during the call: in a threaded service, set one URI at
        start-up instead).

    Raises
    ------
    TrackingError
        If MLflow cannot find or load the model (the message says which URI).
    MissingDependencyError
        If MLflow is not installed.
    """
    mlflow = require_mlflow()
    from mlflow.exceptions import MlflowException

    if str(model_uri).startswith(("models:/", "runs:/")):
        _require_store(tracking_uri)
    with use_tracking_uri(tracking_uri):
        try:
            return mlflow.pyfunc.load_model(model_uri)
        except (MlflowException, OSError) as exc:
            raise TrackingError(
                f"cannot load model {model_uri!r} from {mlflow.get_tracking_uri()}: {exc}. "
                "Check the name/version/alias with `routing-ml models list`."
            ) from exc


def load_native(model_uri: str, *, tracking_uri: str | None = None) -> Any:
    """Load the original routing_ml object (a ``Forecaster``, ``Router``, ...) back.

    Raises
    ------
    TrackingError
        The model was not logged by :func:`log_model`, or cannot be loaded.
    """
    from routing_ml.tracking.pyfunc import RoutingMLModel

    model = load_model(model_uri, tracking_uri=tracking_uri)
    try:
        inner = model.unwrap_python_model()
    except Exception as exc:  # a model of another flavour (mlflow.sklearn, ...)
        raise TrackingError(
            f"model {model_uri!r} is not a Python model ({exc}); it was not logged by "
            "routing_ml.tracking.log_model. Use load_model() instead.") from exc
    if not isinstance(inner, RoutingMLModel):
        raise TrackingError(
            f"model {model_uri!r} wraps a {type(inner).__name__}, not a RoutingMLModel; it "
            "was not logged by routing_ml.tracking.log_model. Use load_model() instead."
        )
    return inner.native


# ---------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------
def _require_store(tracking_uri: str | None) -> None:
    """TrackingError when the store to read does not exist (nothing is created)."""
    problem = missing_store(tracking_uri)
    if problem is not None:
        raise TrackingError(f"tracking store {problem} (nothing was created). {STORE_FIX}")


def _check_alias(alias: str) -> None:
    if (not isinstance(alias, str) or not _ALIAS_OK.match(alias) or alias.lower() == "latest"
            or re.fullmatch(r"[vV]\d+", alias)):
        raise TrackingError(
            f"alias {alias!r} is not valid: use letters, digits, '_' or '-', not 'latest' "
            "and not 'v<number>' (MLflow reserves those), e.g. 'champion'."
        )


def _check_version(version: str | int) -> str:
    text = str(version)
    if not text.isdigit() or int(text) < 1:
        raise TrackingError(f"version must be a positive integer; got {version!r}.")
    return text


def set_alias(
    name: str, version: str | int, alias: str, *, tracking_uri: str | None = None
) -> None:
    """Point ``alias`` (e.g. ``"champion"``) of registered model ``name`` at ``version``.

    The alias moves if it pointed elsewhere; serving code loading
    ``models:/<name>@<alias>`` picks the new version up on its next load.

    Raises
    ------
    TrackingError
        Invalid alias or version, unknown model or version.
    """
    _check_alias(alias)
    version = _check_version(version)
    require_mlflow()
    from mlflow.exceptions import MlflowException

    _require_store(tracking_uri)
    c = _client(tracking_uri)
    try:
        c.get_model_version(name, version)
        c.set_registered_model_alias(name, alias, version)
    except MlflowException as exc:
        raise TrackingError(
            f"cannot set alias {alias!r} on {name!r} version {version}: {exc.message}. "
            "List the registered versions with `routing-ml models list`."
        ) from exc
    logger.info("alias %s@%s -> version %s", name, alias, version)


def delete_alias(name: str, alias: str, *, tracking_uri: str | None = None) -> None:
    """Remove ``alias`` from registered model ``name``."""
    _check_alias(alias)
    require_mlflow()
    from mlflow.exceptions import MlflowException

    _require_store(tracking_uri)
    try:
        _client(tracking_uri).delete_registered_model_alias(name, alias)
    except MlflowException as exc:
        raise TrackingError(f"cannot delete alias {name}@{alias}: {exc.message}.") from exc


def get_alias_version(name: str, alias: str, *, tracking_uri: str | None = None) -> str:
    """The version number ``models:/<name>@<alias>`` resolves to.

    Raises
    ------
    TrackingError
        Unknown model or alias.
    """
    require_mlflow()
    from mlflow.exceptions import MlflowException

    _require_store(tracking_uri)
    try:
        return str(_client(tracking_uri).get_model_version_by_alias(name, alias).version)
    except MlflowException as exc:
        raise TrackingError(f"no alias {alias!r} on model {name!r}: {exc.message}.") from exc


#: versions asked for per page of a registry search (MLflow's own default and maximum)
_PAGE_SIZE = 10_000


def _all_pages(search: Any, **kwargs: Any) -> Iterator[Any]:
    """Every result of an MLflow search, page after page (one call returns at most
    ``_PAGE_SIZE`` and a token for the next page)."""
    token = None
    while True:
        page = search(max_results=_PAGE_SIZE, page_token=token, **kwargs)
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


def list_models(name: str | None = None, *, tracking_uri: str | None = None) -> pd.DataFrame:
    """Registered model versions, newest first.

    Parameters
    ----------
    name : str, optional
        Only this registered model.
    tracking_uri : str, optional
        Store to read (default: MLflow's usual resolution).

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``version`` (int), ``aliases`` (comma-separated),
        ``run_id``, ``source``, ``created`` (UTC timestamp).

    Raises
    ------
    TrackingError
        The store is a sqlite database or a local folder that does not exist.
    """
    import pandas as pd

    _require_store(tracking_uri)
    require_mlflow()
    c = _client(tracking_uri)
    filt = None
    if name is not None:
        filt = "name = '{}'".format(name.replace("'", "\\'"))
    rows = []
    aliases: dict[str, dict[str, list[str]]] = {}  # search results may omit aliases
    for mv in _all_pages(c.search_model_versions, filter_string=filt):
        if mv.name not in aliases:
            by_version: dict[str, list[str]] = {}
            for a, v in (c.get_registered_model(mv.name).aliases or {}).items():
                by_version.setdefault(str(v), []).append(a)
            aliases[mv.name] = by_version
        rows.append({
            "name": mv.name,
            "version": int(mv.version),
            "aliases": ",".join(sorted(aliases[mv.name].get(str(mv.version), []))),
            "run_id": mv.run_id,
            "source": mv.source,
            "created": pd.to_datetime(mv.creation_timestamp, unit="ms", utc=True),
        })
    columns = ["name", "version", "aliases", "run_id", "source", "created"]
    df = pd.DataFrame(rows, columns=columns)
    return df.sort_values(["name", "version"], ascending=[True, False]).reset_index(drop=True)

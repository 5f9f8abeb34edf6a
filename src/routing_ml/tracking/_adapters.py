"""How a routing_ml object answers a DataFrame: one small adapter per kind of object.

The pyfunc wrapper (:class:`routing_ml.tracking.RoutingMLModel`) stores the *kind* of the
object it wraps and, at predict time, calls :func:`predict_frame` with it. Any object can
join by exposing the protocol ``predict_frame(df) -> DataFrame`` (kind ``"frame"``); the
other kinds adapt the library's own objects:

========== ===================================================== ================================
kind       object                                                 input → output
========== ===================================================== ================================
frame      anything with ``predict_frame(df, **params) -> df``    whatever it documents
forecaster ``Forecaster`` (``predict(h=..., future=..., level=)``) ``unique_id, ds`` rows to
                                                                  forecast (or param ``h``) →
                                                                  ``unique_id, ds, yhat,
                                                                  yhat_lo_L, yhat_hi_L``
intent     ``IntentClassifier`` (``predict``/``predict_proba``)   ``text`` → ``intent,
                                                                  confidence, language,
                                                                  queue``
router     ``Router`` (``route_batch`` / ``route``)               contact rows (``contact_id,
                                                                  channel`` + any ``Contact``
                                                                  field; ``ts`` → arrival) →
                                                                  ``contact_id, agent_id
                                                                  ("" = none), reason,
                                                                  score``
estimator  any scikit-learn style ``predict(X)``                  feature columns →
                                                                  ``prediction``
========== ===================================================== ================================

This module imports neither mlflow nor pandas at import time.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from routing_ml.errors import FrameError, RoutingMLError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

KINDS = ("frame", "forecaster", "intent", "router", "estimator")


class AdapterError(RoutingMLError, ValueError):
    """An object cannot be wrapped, or its answer is not a DataFrame."""


# ---------------------------------------------------------------------------------------
# detection
# ---------------------------------------------------------------------------------------
def _has(obj: Any, name: str) -> bool:
    return callable(getattr(obj, name, None))


def _accepts(func: Callable[..., Any], name: str) -> bool:
    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def detect_kind(obj: Any) -> str:
    """The adapter kind for ``obj`` (see the module docstring for the order of checks).

    Raises
    ------
    AdapterError
        If ``obj`` has none of ``predict_frame``, ``route_batch``/``route``, ``predict``.
    """
    if _has(obj, "predict_frame"):
        return "frame"
    if _has(obj, "route_batch") or _has(obj, "route"):
        return "router"
    if _has(obj, "predict") and _accepts(obj.predict, "h"):
        return "forecaster"
    if _has(obj, "predict") and (
        "intent" in type(obj).__name__.lower() or _has(obj, "top_k")
    ):
        return "intent"
    if _has(obj, "predict"):
        return "estimator"
    raise AdapterError(
        f"cannot wrap a {type(obj).__name__}: it has no predict_frame(df), route_batch, "
        "route or predict method. Give it `predict_frame(self, df) -> DataFrame` (the "
        "routing_ml.tracking protocol) or pass kind=... explicitly."
    )


def default_params(kind: str, obj: Any) -> dict[str, Any]:
    """Inference parameters (with defaults) the wrapped model accepts, for the signature.

    forecaster: ``h`` (str; ``""`` = forecast the rows given, else a number of intervals
    such as ``"48"`` or a span such as ``"1w"``) and ``level`` (the object's default
    levels); router: ``available_agents`` (comma-separated agent ids; ``""`` = the whole
    roster is free) and ``each_at_arrival`` (``False``: the rows are one batch waiting
    now, "now" being the latest arrival; ``True``: each row is routed alone at its own
    arrival time, for scoring a historical sample spread over hours or days, whose
    earlier rows would otherwise look as if they had waited that long).
    """
    if kind == "forecaster":
        params: dict[str, Any] = {"h": ""}
        try:
            level = inspect.signature(obj.predict).parameters.get("level")
        except (TypeError, ValueError):
            level = None
        if level is not None and level.default not in (None, inspect.Parameter.empty):
            # floats, so the signature's type is double: a level of 97.5 is valid
            params["level"] = [float(x) for x in level.default]
        return params
    if kind == "router":
        return {"available_agents": "", "each_at_arrival": False}
    return {}


def _level_value(x: Any) -> int | float:
    x = float(x)
    return int(x) if x.is_integer() else x


# ---------------------------------------------------------------------------------------
# prediction
# ---------------------------------------------------------------------------------------
def predict_frame(
    kind: str, obj: Any, df: pd.DataFrame, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Answer ``df`` with ``obj`` through the adapter of ``kind``.

    Parameters
    ----------
    kind : str
        One of ``KINDS``.
    obj : object
        The native routing_ml object (or any object following the kind's protocol).
    df : pandas.DataFrame
        Input rows (columns as listed for the kind in the module docstring).
    params : mapping, optional
        Inference parameters (forecaster: ``h``, ``level``; frame: passed as keywords).

    Returns
    -------
    pandas.DataFrame
        See the module docstring for each kind's columns.

    Raises
    ------
    AdapterError
        Unknown kind, or the object did not return a frame.
    FrameError
        A required input column is missing.
    """
    import pandas as pd

    if kind not in _ADAPTERS:
        raise AdapterError(f"unknown kind {kind!r}; expected one of {list(KINDS)}.")
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(df)
    out = _ADAPTERS[kind](obj, df, dict(params or {}))
    if not isinstance(out, pd.DataFrame):
        raise AdapterError(
            f"the {kind!r} adapter of {type(obj).__name__} returned {type(out).__name__}, "
            "not a DataFrame; predict_frame must return a DataFrame."
        )
    return out.reset_index(drop=True)


def _require(df: pd.DataFrame, columns: list[str], kind: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise FrameError(
            f"{kind} model input is missing columns {missing}; got {list(df.columns)}. "
            f"Send a frame with columns {columns}."
        )


def _frame(obj: Any, df: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    params = {k: v for k, v in params.items() if v is not None}
    return obj.predict_frame(df, **params) if params else obj.predict_frame(df)


def _estimator(obj: Any, df: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    pred = obj.predict(df)
    n = len(pred) if isinstance(pred, pd.DataFrame) else (np.shape(pred)[0] if np.ndim(pred) else 1)
    if n != len(df):
        raise AdapterError(
            f"the estimator gave {n} predictions for {len(df)} rows: it does not read a frame "
            f"row by row (a text pipeline takes the frame's column names as its texts). Fix: "
            f"log a text model with kind='intent', or give the model a predict_frame(df) "
            f"method (kind='frame').")
    if isinstance(pred, pd.DataFrame):
        return pred
    arr = np.asarray(pred)
    if arr.ndim == 2 and arr.shape[1] > 1:
        return pd.DataFrame(arr, columns=[f"prediction_{i}" for i in range(arr.shape[1])])
    return pd.DataFrame({"prediction": arr.reshape(-1)})


def _forecaster(obj: Any, df: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd

    from routing_ml.frames import ID, TIME
    from routing_ml.routing.base import label_text

    h_param = params.get("h")
    h: Any = None if h_param is None else str(h_param).strip()
    if h in ("", "0"):
        h = None
    elif h is not None and h.lstrip("-").isdigit():
        h = int(h)
        if h < 0:
            raise AdapterError(f"param h must be >= 0 (0 or '': forecast the rows given); "
                               f"got {h}.")
    kwargs: dict[str, Any] = {}
    if params.get("level") is not None and _accepts(obj.predict, "level"):
        kwargs["level"] = tuple(_level_value(x) for x in params["level"])
    if h is not None:
        out = obj.predict(h=h, **kwargs)
        if ID in df.columns and len(df):
            # ids as text on both sides, whole numbers without a decimal part: a payload's
            # 1.0 (JSON numbers) is queue 1, as the forecast's integer or text "1"
            asked = {label_text(v) for v in df[ID]}
            have = out[ID].map(label_text)
            unknown = sorted(str(u) for u in asked - set(have))
            if unknown:
                raise AdapterError(
                    f"unique_id {unknown[:5]} have no forecast over h={h_param!r}: not in the "
                    f"fitted history, or closed all that time. Fix: use the queues the model "
                    f"was fitted on, or a longer h.")
            out = out[have.isin(asked)]  # the forecast keeps the fitted id dtype
        return out
    _require(df, [ID, TIME], "forecaster")
    future = df[[ID, TIME]].copy()
    future[TIME] = pd.to_datetime(future[TIME])
    future[ID] = future[ID].map(label_text)
    steps = int(future.groupby(ID).size().max()) if len(future) else 0
    return obj.predict(h=steps, future=future, **kwargs)


def _intent(obj: Any, df: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    _require(df, ["text"], "intent")
    texts = []
    for i, v in enumerate(df["text"].tolist()):
        if isinstance(v, str):
            texts.append(v)
        elif v is None or (isinstance(v, float) and v != v):
            texts.append("")  # a missing text: the model's answer for an empty one (triage)
        else:
            hint = (" A dict {'text': [...]} is read by MLflow as ONE row holding the list: pass "
                    "a DataFrame, e.g. pd.DataFrame({'text': [...]})."
                    if isinstance(v, list | tuple | np.ndarray) else "")
            raise AdapterError(
                f"text of row {i} is {type(v).__name__} {str(v)[:60]!r}: the intent model reads "
                f"one str per row (missing values count as empty texts).{hint}")
    if _has(obj, "predict_details"):
        details = obj.predict_details(texts)
        if isinstance(details, pd.DataFrame):
            out = details.reset_index(drop=True)
            for col in ("intent", "language", "queue"):
                if col in out.columns:
                    out[col] = out[col].astype(str)
            return out
    intent = np.asarray(obj.predict(texts))
    out = pd.DataFrame({"intent": intent.astype(str)})
    if _has(obj, "predict_proba"):
        out["confidence"] = np.asarray(obj.predict_proba(texts)).max(axis=1).astype(float)
    for name in ("detect_language", "predict_language"):
        if _has(obj, name):
            out["language"] = np.asarray(getattr(obj, name)(texts)).astype(str)
            break
    if _has(obj, "predict_queue"):
        out["queue"] = np.asarray(obj.predict_queue(texts)).astype(str)
    return out


def _router(obj: Any, df: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Contact rows -> one decision each. ``ts`` (when there is no ``arrival_seconds``)
    is read as ``PairOutcomeModel.fit`` reads it: datetimes (zoned ones on the UTC clock),
    ISO text (``Z`` or an offset included) or epoch seconds. A row whose ``ts`` cannot be
    read, or that does not make a ``Contact``, gets ``no_eligible_agent:bad_input`` (the
    router counts it as ``bad_input``)."""

    import numpy as np
    import pandas as pd

    from routing_ml.routing.base import contact_from_record

    _require(df, ["contact_id", "channel"], "router")
    frame = df.reset_index(drop=True)
    bad = np.zeros(len(frame), dtype=bool)
    if "arrival_seconds" not in frame.columns and "ts" in frame.columns:
        secs = _epoch_seconds(frame["ts"])
        bad = frame["ts"].notna().to_numpy() & ~np.isfinite(secs)
        frame = frame.assign(arrival_seconds=secs)
    records = frame.to_dict("records")
    contacts: list[Any] = []
    for r, unreadable in zip(records, bad, strict=True):
        contact = None
        if not unreadable:
            try:
                contact = contact_from_record(r)
            except (TypeError, ValueError):
                contact = None
        contacts.append(contact)
    available = str(params.get("available_agents") or "").strip()
    agents = [a.strip() for a in available.split(",") if a.strip()] or None
    if _flag(params.get("each_at_arrival")):
        decisions = [obj.route(c, agents) for c in contacts]
    elif _has(obj, "route_batch"):
        decisions = obj.route_batch(contacts, agents)
    else:
        decisions = [obj.route(c, agents) for c in contacts]
    # (object columns, also when there is no row: an empty answer had float64 ids)
    return pd.DataFrame(
        {
            "contact_id": pd.Series([str(r.get("contact_id")) for r in records], dtype=object),
            "agent_id": pd.Series([d.agent_id if d.agent_id is not None else "" for d in decisions],
                                  dtype=object),
            "reason": pd.Series([d.reason for d in decisions], dtype=object),
            # None, not NaN, where there is no value: a served JSON answer says null (NaN
            # is not JSON: strict parsers refuse the whole body)
            "score": pd.Series([None if d.score is None or not np.isfinite(d.score)
                                else float(d.score) for d in decisions], dtype=object),
            # a contact held for a better agent: route it again after these seconds
            "retry_after_seconds": pd.Series(
                [None if d.retry_after_seconds is None else float(d.retry_after_seconds)
                 for d in decisions], dtype=object),
        }
    )


def _flag(value: Any) -> bool:
    """A boolean inference parameter given as a bool or as text ("true", "1", "yes")."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _epoch_seconds(ts: pd.Series) -> Any:
    """Epoch seconds of a ``ts`` column (NaN where missing or unreadable), converted as
    ``PairOutcomeModel`` converts its log's ``ts``; a column that fails as a whole (mixed
    types) is converted value by value."""
    import numpy as np
    import pandas as pd

    from routing_ml.routing.pair_model import PairOutcomeModel

    try:
        return np.asarray(PairOutcomeModel._seconds(ts), dtype=float)
    except (TypeError, ValueError, OverflowError):
        out = np.full(len(ts), np.nan)
        for i, v in enumerate(ts.tolist()):
            try:
                out[i] = PairOutcomeModel._seconds(pd.Series([v]))[0]
            except (TypeError, ValueError, OverflowError):
                pass
        return out


_ADAPTERS: dict[str, Callable[[Any, Any, dict[str, Any]], Any]] = {
    "frame": _frame,
    "forecaster": _forecaster,
    "intent": _intent,
    "router": _router,
    "estimator": _estimator,
}

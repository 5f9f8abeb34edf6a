"""``import routing_ml.tracking`` stays light; a missing MLflow gives a clear error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from routing_ml.errors import MissingDependencyError

HEAVY = ("mlflow", "pandas", "sklearn", "lightgbm", "statsmodels", "ortools", "torch")


def _loaded_after(statement: str) -> list[str]:
    code = (f"{statement}; import sys; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    return eval(subprocess.check_output([sys.executable, "-c", code], text=True).strip())


def test_import_tracking_does_not_import_mlflow_or_pandas():
    assert _loaded_after("import routing_ml.tracking") == []
    assert _loaded_after("import routing_ml.tracking._cli") == []


def test_missing_mlflow_is_a_clear_error(monkeypatch):
    import pandas as pd

    from routing_ml import tracking

    # forget a RoutingMLModel cached by an earlier use (restored after the test)
    monkeypatch.delattr(tracking, "RoutingMLModel", raising=False)
    monkeypatch.delitem(sys.modules, "routing_ml.tracking.pyfunc", raising=False)
    for name in [m for m in sys.modules if m == "mlflow" or m.startswith("mlflow.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "mlflow", None)

    calls = [
        lambda: tracking.start_run("x", tracking_uri="sqlite:///never.db").__enter__(),
        lambda: tracking.log_params({"seed": 0}),
        lambda: tracking.log_model(object(), "m", input_example=pd.DataFrame({"x": [1]}),
                                   kind="frame"),
        lambda: tracking.load_model("models:/x@champion"),
        lambda: tracking.set_alias("x", 1, "champion"),
        lambda: tracking.RoutingMLModel,
    ]
    for call in calls:
        with pytest.raises(MissingDependencyError, match=r"pip install 'mlflow>=3\.0'") as info:
            call()
        assert isinstance(info.value, ImportError)
        assert "routing_ml.tracking needs MLflow" in str(info.value)

"""`import routing_ml` stays light, and every lazy name resolves."""

import subprocess
import sys

import pytest

import routing_ml

HEAVY = ("mlflow", "lightgbm", "statsmodels", "ortools", "sklearn", "torch", "pandas")


def test_import_is_light():
    code = (
        "import routing_ml, sys; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "[]"


@pytest.mark.parametrize("name", sorted(routing_ml._LAZY))
def test_lazy_names_resolve(name):
    assert getattr(routing_ml, name) is not None
    assert name in dir(routing_ml)


def test_unknown_name():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        routing_ml.nope  # noqa: B018

"""pyfunc models: log with a signature, register, alias ``champion``, load back, compare."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing_ml import tracking
from routing_ml.errors import FrameError
from routing_ml.tracking import TrackingError


# -- small routing_ml-like objects ----------------------------------------------------------
class SlotMeanForecaster:
    """Forecaster protocol: fit(df) then predict(h, future=None, level=...) -> forecasts."""

    def __init__(self, freq: str = "h"):
        self.freq = freq

    def fit(self, df: pd.DataFrame) -> SlotMeanForecaster:
        df = df.assign(slot=df["ds"].dt.hour)
        self.means_ = df.groupby(["unique_id", "slot"])["y"].mean()
        self.sd_ = df.groupby(["unique_id", "slot"])["y"].std(ddof=0)
        self.last_ = df.groupby("unique_id")["ds"].max()
        return self

    def predict(self, h: int, future: pd.DataFrame | None = None, level=(80,)) -> pd.DataFrame:
        if future is None:
            future = pd.concat(
                pd.DataFrame({"unique_id": uid,
                              "ds": pd.date_range(last, periods=h + 1, freq=self.freq)[1:]})
                for uid, last in self.last_.items()
            )
        out = future[["unique_id", "ds"]].copy().reset_index(drop=True)
        key = pd.MultiIndex.from_arrays([out["unique_id"], out["ds"].dt.hour])
        out["yhat"] = self.means_.reindex(key).to_numpy()
        sd = self.sd_.reindex(key).to_numpy()
        for lv in level:
            z = {80: 1.2816, 95: 1.96}[lv]
            out[f"yhat_lo_{lv}"] = np.maximum(out["yhat"] - z * sd, 0.0)
            out[f"yhat_hi_{lv}"] = out["yhat"] + z * sd
        return out


class KeywordIntent:
    """IntentClassifier protocol with its own save(path)/load(path) (a JSON file)."""

    def __init__(self, keywords: dict[str, str] | None = None, default: str = "triage"):
        self.keywords = keywords or {}
        self.default = default

    def predict(self, texts):
        return np.array([next((i for k, i in self.keywords.items() if k in t.lower()),
                              self.default) for t in texts])

    def predict_proba(self, texts):
        labels = sorted({*self.keywords.values(), self.default})
        pred = self.predict(texts)
        return np.array([[0.9 if lab == p else 0.1 / (len(labels) - 1) for lab in labels]
                         for p in pred])

    def detect_language(self, texts):
        return np.array(["es" if any(w in t.lower() for w in ("el ", "la ", "mi "))
                         else "en" for t in texts])

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps({"keywords": self.keywords, "default": self.default}))

    @classmethod
    def load(cls, path: Path) -> KeywordIntent:
        return cls(**json.loads(Path(path).read_text()))


class FrameScorer:
    """Anything with predict_frame(df) -> df (the generic protocol)."""

    def __init__(self, weight: float):
        self.weight = weight

    def predict_frame(self, df: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
        return pd.DataFrame({"score": df["x"] * self.weight * scale})


def _volumes(days: int = 14) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ds = pd.date_range("2024-01-01", periods=24 * days, freq="h")
    frames = []
    for uid, base in (("voice:tributos", 20.0), ("chat:padron", 5.0)):
        lam = base * (1 + np.sin(2 * np.pi * ds.hour / 24) ** 2)
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": rng.poisson(lam)}))
    return pd.concat(frames, ignore_index=True)


# -- tests ---------------------------------------------------------------------------------
def test_sklearn_model_registered_aliased_and_loaded_by_champion(store):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"wait_seconds": rng.exponential(60, 200), "priority": rng.integers(0, 3, 200)})
    y = (X["wait_seconds"] + 30 * X["priority"] > 80).astype(int)
    est = LogisticRegression(random_state=0).fit(X, y)
    with tracking.start_run("exp_models", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]) as run:
        tracking.log_params({"random_state": 0})
        logged = tracking.log_model(est, "abandon_model", input_example=X.head(5),
                                    registered_model_name="abandon", alias="champion")
    assert logged.kind == "estimator"
    assert logged.version == "1" and logged.run_id == run.info.run_id
    assert logged.alias_uri == "models:/abandon@champion"
    assert logged.uri == f"models:/abandon/{logged.version}"  # the alias may move; this not

    model = tracking.load_model("models:/abandon@champion", tracking_uri=store["uri"])
    got = model.predict(X)
    np.testing.assert_array_equal(got["prediction"].to_numpy(), est.predict(X))
    sig = model.metadata.signature
    assert sig.inputs.input_names() == ["wait_seconds", "priority"]
    assert sig.outputs.input_names() == ["prediction"]
    assert model.metadata.metadata["routing_ml_kind"] == "estimator"
    native = tracking.load_native("models:/abandon@champion", tracking_uri=store["uri"])
    np.testing.assert_array_equal(native.coef_, est.coef_)

    # the pip requirement pins this routing-ml version
    import mlflow.pyfunc
    from mlflow.tracking._tracking_service.utils import _use_tracking_uri

    with _use_tracking_uri(store["uri"]):
        reqs = Path(mlflow.pyfunc.get_model_dependencies(logged.uri)).read_text()
    from routing_ml import __version__

    assert f"routing-ml=={__version__}" in reqs.splitlines()


def test_alias_moves_to_a_new_version_and_cli_lists_and_promotes(store, monkeypatch):
    from typer.testing import CliRunner

    from routing_ml.cli import app

    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with tracking.start_run("exp_alias", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        v1 = tracking.log_model(FrameScorer(2.0), "scorer", input_example=df,
                                registered_model_name="scorer", alias="champion")
        v2 = tracking.log_model(FrameScorer(5.0), "scorer", input_example=df,
                                registered_model_name="scorer", params={"scale": 1.0})
    assert (v1.version, v2.version, v1.kind) == ("1", "2", "frame")
    uri = "models:/scorer@champion"
    first = tracking.load_model(uri, tracking_uri=store["uri"]).predict(df)
    np.testing.assert_allclose(first["score"], [2.0, 4.0, 6.0])

    runner = CliRunner()
    res = runner.invoke(app, ["models", "promote", "--name", "scorer", "--version", "2",
                              "--alias", "champion", "--tracking-uri", store["uri"]])
    assert res.exit_code == 0, res.output
    assert "version 2 (was version 1)" in res.output
    assert tracking.get_alias_version("scorer", "champion", tracking_uri=store["uri"]) == "2"
    second_model = tracking.load_model(uri, tracking_uri=store["uri"])
    np.testing.assert_allclose(second_model.predict(df)["score"], [5.0, 10.0, 15.0])
    # inference params declared at log time reach predict_frame as keywords
    np.testing.assert_allclose(second_model.predict(df, params={"scale": 0.5})["score"],
                               [2.5, 5.0, 7.5])

    res = runner.invoke(app, ["models", "list", "--tracking-uri", store["uri"]])
    assert res.exit_code == 0, res.output
    lines = [ln.split() for ln in res.output.splitlines()[1:]]
    assert [ln[:3] for ln in lines] == [["scorer", "2", "champion"], ["scorer", "1", "-"]]

    bad = runner.invoke(app, ["models", "promote", "--name", "scorer", "--version", "9",
                              "--tracking-uri", store["uri"]])
    assert bad.exit_code == 1
    assert "version 9" in bad.output
    table = tracking.list_models("scorer", tracking_uri=store["uri"])
    assert table["version"].tolist() == [2, 1]
    # a registry search returns pages: every page is read (one version a page here)
    from routing_ml.tracking import _models

    monkeypatch.setattr(_models, "_PAGE_SIZE", 1)
    assert tracking.list_models("scorer", tracking_uri=store["uri"])["version"].tolist() == [2, 1]
    monkeypatch.undo()
    with pytest.raises(TrackingError, match="not valid"):
        tracking.set_alias("scorer", 1, "latest", tracking_uri=store["uri"])


def test_forecaster_like_object_round_trip_with_future_and_h(store):
    hist = _volumes()
    fc = SlotMeanForecaster().fit(hist)
    future = pd.DataFrame({
        "unique_id": ["voice:tributos"] * 3 + ["chat:padron"] * 2,
        "ds": pd.to_datetime(["2024-01-15 09:00", "2024-01-15 10:00", "2024-01-15 11:00",
                              "2024-01-15 09:00", "2024-01-15 10:00"]),
    })
    with tracking.start_run("exp_fc", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        logged = tracking.log_model(fc, "forecaster", input_example=future,
                                    registered_model_name="volumes", alias="champion")
    assert logged.kind == "forecaster"
    model = tracking.load_model("models:/volumes@champion", tracking_uri=store["uri"])
    assert model.metadata.signature.params.to_dict()[0]["name"] == "h"
    got = model.predict(future)
    pd.testing.assert_frame_equal(got, fc.predict(h=3, future=future), check_dtype=False)
    assert {"yhat_lo_80", "yhat_hi_80"} <= set(got.columns)
    ahead = model.predict(future[future.unique_id == "chat:padron"], params={"h": "6"})
    assert ahead["unique_id"].unique().tolist() == ["chat:padron"] and len(ahead) == 6
    np.testing.assert_allclose(ahead["yhat"], fc.predict(h=6).query(
        "unique_id == 'chat:padron'")["yhat"])
    with pytest.raises(Exception, match="unique_id|ds"):
        model.predict(pd.DataFrame({"text": ["x"]}))
    back = tracking.load_native(logged.uri, tracking_uri=store["uri"])
    pd.testing.assert_series_equal(back.means_, fc.means_)


def test_intent_like_object_uses_its_own_save_load(store):
    clf = KeywordIntent({"padron": "census", "multa": "fines", "tax": "taxes"})
    texts = pd.DataFrame({"text": ["Quiero el certificado de padron", "pay my tax", "hola"]})
    with tracking.start_run("exp_intent", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        logged = tracking.log_model(clf, "intent", input_example=texts,
                                    registered_model_name="intent", alias="champion")
    model = tracking.load_model("models:/intent@champion", tracking_uri=store["uri"])
    inner = model.unwrap_python_model()
    assert (inner.kind, inner.native_format) == ("intent", "save")
    got = model.predict(texts)
    assert got["intent"].tolist() == ["census", "taxes", "triage"]
    assert got["language"].tolist() == ["es", "en", "en"]
    np.testing.assert_allclose(got["confidence"], 0.9)
    with pytest.raises(Exception, match="text"):
        model.predict(pd.DataFrame({"body": ["x"]}))
    assert tracking.load_native(logged.uri, tracking_uri=store["uri"]).keywords == clf.keywords


def test_package_code_model_serves_in_a_process_without_routing_ml(store, tmp_path):
    """include_package_code ships routing_ml inside the model: a fresh process that cannot
    import the installed routing_ml resolves models:/<name>@champion with plain MLflow,
    imports routing_ml from the model's code/ folder and gives the same answers."""
    from sklearn.tree import DecisionTreeRegressor

    X = pd.DataFrame({"volume": np.arange(20.0), "aht_seconds": np.linspace(200, 400, 20)})
    est = DecisionTreeRegressor(random_state=0, max_depth=3).fit(
        X, X["volume"] * X["aht_seconds"] / 1800)
    with tracking.start_run("exp_code", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        logged = tracking.log_model(est, "agents", input_example=X.head(3),
                                    include_package_code=True,
                                    registered_model_name="agents", alias="champion")
    from mlflow.artifacts import download_artifacts
    from mlflow.tracking._tracking_service.utils import _use_tracking_uri

    with _use_tracking_uri(store["uri"]):
        local = Path(download_artifacts(logged.model_uri, dst_path=str(tmp_path / "m")))
    assert (local / "code" / "routing_ml" / "tracking" / "pyfunc.py").exists()
    assert not (local / "code" / "routing_ml" / "datasets" / "data").exists()
    # the default IntentClassifier reads its static word-piece vectors from routing_ml/data
    assert (local / "code" / "routing_ml" / "data" / "minilm_static.npz").exists()
    reqs = (local / "requirements.txt").read_text().splitlines()
    assert any(r.startswith("mlflow") for r in reqs)
    assert not any(r.startswith("routing-ml") for r in reqs)

    # the installed routing_ml is hidden by a finder placed first (an editable install
    # finds it through a path entry or its own finder, a wheel through site-packages, which
    # also holds mlflow: removing that path entry would hide mlflow too)
    import routing_ml

    installed = str(Path(routing_ml.__file__).resolve().parent.parent)
    code = (
        "import json, os, sys, importlib.machinery, importlib.util\n"
        f"INSTALLED = {installed!r}\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name != 'routing_ml':\n"
        "            return None\n"
        "        paths = [p for p in sys.path if os.path.realpath(p or '.') != INSTALLED]\n"
        "        spec = importlib.machinery.PathFinder.find_spec(name, paths)\n"
        "        if spec is None:\n"
        "            raise ModuleNotFoundError(name)\n"
        "        return spec\n"
        "sys.meta_path.insert(0, Hide())\n"
        "try:\n"
        "    import routing_ml\n"
        "    raise SystemExit('routing_ml still importable from ' + routing_ml.__file__)\n"
        "except ModuleNotFoundError:\n"
        "    pass\n"
        "import mlflow, mlflow.pyfunc, pandas as pd\n"
        f"mlflow.set_tracking_uri({store['uri']!r})\n"
        "m = mlflow.pyfunc.load_model('models:/agents@champion')\n"
        "X = pd.DataFrame(json.load(sys.stdin))\n"
        "import routing_ml\n"
        "print(json.dumps({'file': routing_ml.__file__,\n"
        "                  'pred': m.predict(X)['prediction'].tolist()}))\n"
    )
    payload = json.dumps({c: X[c].tolist() for c in X.columns})
    out = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(answer["file"]).parts[-3:] == ("code", "routing_ml", "__init__.py")
    np.testing.assert_array_equal(answer["pred"], est.predict(X))


def test_log_model_bad_input(store):
    import mlflow

    df = pd.DataFrame({"x": [1.0]})
    with pytest.raises(TrackingError, match="active MLflow run"):
        tracking.log_model(FrameScorer(1.0), "m", input_example=df)
    with tracking.start_run("exp_bad", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        with pytest.raises(TrackingError, match="registered_model_name"):
            tracking.log_model(FrameScorer(1.0), "m", input_example=df, alias="champion")
        with pytest.raises(TrackingError, match="non-empty DataFrame"):
            tracking.log_model(FrameScorer(1.0), "m", input_example=df.iloc[:0])
        with pytest.raises(tracking.AdapterError, match="predict_frame"):
            tracking.log_model(object(), "m", input_example=df)
        with pytest.raises(FrameError, match="'text'"):
            tracking.log_model(KeywordIntent(), "m", input_example=df)
        # refused before anything is logged (MLflow refused it after: an orphan model)
        run_id = mlflow.active_run().info.run_id
        with pytest.raises(TrackingError, match="not a valid registry name"):
            tracking.log_model(FrameScorer(1.0), "m", input_example=df,
                               registered_model_name="a/b")
        assert not mlflow.search_logged_models(
            filter_string=f"source_run_id = '{run_id}'", output_format="list")
    with pytest.raises(TrackingError, match="cannot load model"):
        tracking.load_model("models:/nope@champion", tracking_uri=store["uri"])

"""Review findings for ``routing-ml route``: bad inputs exit 1 with a message, no traceback."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.routing import Router

AGENTS = [{"agent_id": "A1", "skills": {"tax": 3}, "languages": ("es",),
           "channels": ("voice",)},
          {"agent_id": "A2", "skills": {"census": 4}, "languages": ("es",),
           "channels": ("voice",)}]


@pytest.fixture()
def files(tmp_path):
    Router(AGENTS, intent_skills={"ibi": "tax", "padron": "census"}).save(tmp_path / "b")
    pd.DataFrame({"contact_id": [1, 2], "channel": ["voice", "voice"],
                  "intent": ["ibi", "padron"]}).to_csv(tmp_path / "c.csv", index=False)
    return tmp_path


def _route(tmp_path, *extra, contacts="c.csv", out="d.csv"):
    return CliRunner().invoke(app, ["route", "--bundle", str(tmp_path / "b"), "--contacts",
                                    str(tmp_path / contacts), "--out", str(tmp_path / out),
                                    *extra])


def test_unknown_available_agent_is_bad_input(files):
    res = _route(files, "--available", "A1,A9")
    assert res.exit_code == 1, res.output
    assert "A9" in res.output and "roster" in res.output
    assert not (files / "d.csv").exists()
    assert _route(files, "--available", "A1, A2").exit_code == 0


def test_non_numeric_priority_is_bad_input(files):
    pd.DataFrame({"contact_id": [1], "channel": ["voice"], "priority": ["high"]}
                 ).to_csv(files / "p.csv", index=False)
    res = _route(files, contacts="p.csv")
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "priority" in res.output and "high" in res.output


def test_out_in_a_new_directory_is_created(files):
    res = _route(files, out="new/dir/d.csv")
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(files / "new" / "dir" / "d.csv")) == 2


def _log(n: int = 120) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(0)
    ts = pd.Timestamp("2024-01-01 08:00") + pd.to_timedelta(
        np.sort(rng.uniform(0, 3600 * 8, n)), unit="s")
    return pd.DataFrame({"agent_id": rng.choice(["A1", "A2", "A3"], n),
                         "intent": rng.choice(["ibi", "padron"], n),
                         "handle_seconds": rng.gamma(4, 60, n), "ts": ts,
                         "resolved": rng.random(n) < 0.7})


def test_pair_model_reads_csv_and_zoned_timestamps():
    from routing_ml.routing.pair_model import PairOutcomeModel

    log = _log()
    kw = {"n_estimators": 5, "min_child_samples": 5}
    want = PairOutcomeModel(**kw).fit(log).predict(log.head(5))
    as_text = log.assign(ts=log["ts"].astype(str))  # what pd.read_csv gives
    pd.testing.assert_frame_equal(PairOutcomeModel(**kw).fit(as_text).predict(log.head(5)),
                                  want)
    zoned = log.assign(ts=log["ts"].dt.tz_localize("Europe/Madrid"))
    pd.testing.assert_frame_equal(PairOutcomeModel(**kw).fit(zoned).predict(log.head(5)),
                                  want)


def test_pair_model_non_boolean_resolved_is_a_frame_error():
    from routing_ml.errors import FrameError
    from routing_ml.routing.pair_model import PairOutcomeModel

    log = _log()
    bad = log.assign(resolved=log["resolved"].map({True: "yes", False: "no"}))
    with pytest.raises(FrameError, match="resolved"):
        PairOutcomeModel(n_estimators=5).fit(bad)
    with pytest.raises(FrameError, match="resolved"):
        PairOutcomeModel(n_estimators=5).fit(log.assign(resolved=3.0))


def test_agent_languages_and_channels_given_as_text():
    # a roster read from CSV has "es,en" / "voice" strings, not tuples
    from routing_ml.routing import AgentPool

    pool = AgentPool.from_agents([
        {"agent_id": "A1", "skills": {"tax": 3}, "languages": "es,en", "channels": "voice"},
        {"agent_id": "A2", "skills": {"tax": 3}, "languages": ("ca",),
         "channels": ("voice", "chat")}])
    want = AgentPool.from_agents([
        {"agent_id": "A1", "skills": {"tax": 3}, "languages": ("es", "en"),
         "channels": ("voice",)},
        {"agent_id": "A2", "skills": {"tax": 3}, "languages": ("ca",),
         "channels": ("voice", "chat")}])
    assert pool.language_names == want.language_names == ("ca", "en", "es")
    assert (pool.languages == want.languages).all()
    assert (pool.capacity == want.capacity).all()


def test_arrival_given_as_timestamps_is_routed(files):
    pd.DataFrame({"contact_id": [1, 2], "channel": ["voice", "voice"],
                  "intent": ["ibi", "padron"],
                  "arrival_seconds": ["2024-01-01 08:00:00", "2024-01-01 08:01:00"]}
                 ).to_csv(files / "t.csv", index=False)
    res = _route(files, contacts="t.csv")
    assert res.exit_code == 0, res.output
    d = pd.read_csv(files / "d.csv")
    assert d["agent_id"].tolist() == ["A1", "A2"], d
    pd.DataFrame({"contact_id": [1], "channel": ["voice"], "arrival_seconds": ["soon"]}
                 ).to_csv(files / "u.csv", index=False)
    res = _route(files, contacts="u.csv")
    assert res.exit_code == 1 and "arrival_seconds" in res.output and "soon" in res.output

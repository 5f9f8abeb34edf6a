"""``routing-ml route`` with a saved bundle (CliRunner on the real app)."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.routing import Router

AGENTS = [{"agent_id": "A1", "skills": {"tax": 3}, "languages": ("es",),
           "channels": ("voice", "chat"), "max_concurrency": 2},
          {"agent_id": "A2", "skills": {"census": 4}, "languages": ("es",),
           "channels": ("voice",)}]


def test_route_command(tmp_path):
    Router(AGENTS, intent_skills={"ibi": "tax", "padron": "census"}).save(tmp_path / "b")
    pd.DataFrame({"contact_id": [1, 2, 3], "channel": ["voice", "voice", "email"],
                  "intent": ["ibi", "padron", "ibi"], "priority": [0, 1, 0]}
                 ).to_csv(tmp_path / "c.csv", index=False)
    res = CliRunner().invoke(app, ["route", "--bundle", str(tmp_path / "b"), "--contacts",
                                   str(tmp_path / "c.csv"), "--out", str(tmp_path / "d.csv")])
    assert res.exit_code == 0, res.output
    d = pd.read_csv(tmp_path / "d.csv")
    assert d["agent_id"].fillna("").tolist() == ["A1", "A2", ""]
    assert d["reason"].iloc[2].startswith("no_eligible_agent")
    # every decision's retry time is written (none for a routed contact), and the summary
    # says why the others were not routed
    assert "retry_after_seconds" in d.columns and d["retry_after_seconds"].iloc[:2].isna().all()
    assert "1 not routed now" in res.output and "no eligible agent" in res.output


def test_route_command_bad_input(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["route", "--bundle", str(tmp_path / "nope"), "--contacts",
                              str(tmp_path / "c.csv"), "--out", str(tmp_path / "d.csv")])
    assert res.exit_code == 1 and "not found" in res.output
    (tmp_path / "b").mkdir()
    (tmp_path / "c.csv").write_text("contact_id\n1\n")
    res = runner.invoke(app, ["route", "--bundle", str(tmp_path / "b"), "--contacts",
                              str(tmp_path / "c.csv"), "--out", str(tmp_path / "d.csv")])
    assert res.exit_code == 1 and "manifest" in res.output
    Router(AGENTS).save(tmp_path / "b")
    res = runner.invoke(app, ["route", "--bundle", str(tmp_path / "b"), "--contacts",
                              str(tmp_path / "c.csv"), "--out", str(tmp_path / "d.csv")])
    assert res.exit_code == 1 and "channel" in res.output

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


def test_route_command_reads_spreadsheet_values_and_names_bad_rows(tmp_path):
    Router(AGENTS, intent_skills={"ibi": "tax", "padron": "census"}).save(tmp_path / "b")
    args = ["route", "--bundle", str(tmp_path / "b"), "--contacts", str(tmp_path / "c.csv"),
            "--out", str(tmp_path / "d.csv")]
    # flags as a spreadsheet writes them; an empty channel is a named line, not a traceback
    (tmp_path / "c.csv").write_text("contact_id,channel,intent,is_repeat,prior_contacts\n"
                                    "1,voice,ibi,no,1\n2,voice,padron,Sí,0\n")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    (tmp_path / "c.csv").write_text("contact_id,channel,intent\n1,voice,ibi\n2,,padron\n")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and "line 3" in res.output and "'channel' is missing" in res.output
    assert "Traceback" not in res.output
    (tmp_path / "c.csv").write_text("contact_id,channel,is_repeat\n1,voice,maybe\n")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and "'is_repeat' is 'maybe'" in res.output
    (tmp_path / "c.csv").write_text("contact_id,channel,arrival_seconds\n1,voice,5\n"
                                    "2,voice,2024-01-08 09:00:00\n")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and "mixes seconds" in res.output


def test_contact_from_record_reads_flags_and_counts_by_type():
    import pytest

    from routing_ml.routing import contact_from_record

    c = contact_from_record({"contact_id": 1, "channel": "chat", "is_repeat": "no",
                             "open_case": "true", "prior_contacts": "1", "priority": 2.0,
                             "skill": float("nan"), "unknown_column": 3})
    assert (c.is_repeat, c.open_case, c.prior_contacts, c.priority, c.skill) == \
        (False, True, 1, 2, None)
    with pytest.raises(ValueError, match="'priority' is 'high'"):
        contact_from_record({"contact_id": 1, "channel": "chat", "priority": "high"})
    with pytest.raises(ValueError, match="'prior_contacts' is 1.5"):
        contact_from_record({"contact_id": 1, "channel": "chat", "prior_contacts": 1.5})
    # pandas' missing values of nullable columns are missing too
    import numpy as np

    c = contact_from_record({"contact_id": 1, "channel": "chat", "skill": pd.NA,
                             "priority": pd.NA, "arrival_seconds": np.float32("nan")})
    assert (c.skill, c.priority, c.arrival_seconds) == (None, 0, 0.0)


def test_route_command_no_batch_takes_each_agent_once(tmp_path):
    # --no-batch decides the rows one after another; each routed call takes its agent, so
    # two tax calls cannot both go to A1 (one voice session)
    Router(AGENTS, intent_skills={"ibi": "tax", "padron": "census"}).save(tmp_path / "b")
    pd.DataFrame({"contact_id": [1, 2, 3], "channel": ["voice", "voice", "voice"],
                  "intent": ["ibi", "ibi", "padron"]}).to_csv(tmp_path / "c.csv", index=False)
    for flag in ("--batch", "--no-batch"):
        res = CliRunner().invoke(app, ["route", "--bundle", str(tmp_path / "b"), "--contacts",
                                       str(tmp_path / "c.csv"), "--out",
                                       str(tmp_path / "d.csv"), flag])
        assert res.exit_code == 0, res.output
        d = pd.read_csv(tmp_path / "d.csv")
        assert d["agent_id"].fillna("").tolist() == ["A1", "", "A2"], flag
        assert "routed 2 of 3" in res.output

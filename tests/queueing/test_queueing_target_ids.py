"""Review finding (2026-12-01): queue ids with leading zeros in a staffing-targets file
(a CSV read them as numbers, YAML 1.1 as ints or octal)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from routing_ml.queueing import StaffingTarget, read_staffing_targets, staffing_requirements


def test_queue_ids_keep_their_leading_zeros(tmp_path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("unique_id,service_level,answer_seconds,aht_seconds\n"
                   "001,0.95,10,600\n002,0.7,60,120\n")
    targets, aht = read_staffing_targets(csv)
    assert {"001", "002"} <= set(targets) and aht == {"001": 600.0, "002": 120.0}
    assert targets["001"].service_level == 0.95
    yml = tmp_path / "t.yaml"
    yml.write_text("0101:\n  service_level: 0.9\n001:\n  answer_seconds: 15\n")
    targets, _ = read_staffing_targets(yml)
    assert {"0101", "001"} <= set(targets)  # not 65 (octal) and 1
    assert targets["0101"].service_level == 0.9
    lst = tmp_path / "l.yaml"
    lst.write_text("- unique_id: 007\n  service_level: 0.85\n")
    targets, _ = read_staffing_targets(lst)
    assert targets["007"].service_level == 0.85


def test_a_queue_named_for_another_channel_than_its_target_is_named_in_a_warning():
    # 'chat' staffed as voice (one contact at a time) while the simulator serves it with
    # three sessions per agent: twice the agents, without a word
    ds = pd.date_range("2024-02-05 08:00", periods=8, freq="30min")
    frame = pd.concat([pd.DataFrame({"unique_id": q, "ds": ds, "yhat": 30.0})
                       for q in ("voice:padron", "chat", "tributos")])
    with pytest.warns(UserWarning, match=r"queue 'chat' is named as a chat queue.*staffed as "
                                         r"voice.*channel='chat'") as got:
        staffing_requirements(frame, aht_seconds=280.0, interval_minutes=30)
    assert not [w for w in got if "'voice:padron'" in str(w.message) or "'tributos'" in str(w.message)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the channel given: nothing to say
        staffing_requirements(frame, {"chat": StaffingTarget(channel="chat", concurrency=3),
                                      "*": StaffingTarget()},
                              aht_seconds=280.0, interval_minutes=30)

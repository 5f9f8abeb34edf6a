"""Review finding (2026-12-01): queue ids with leading zeros in a staffing-targets file
(a CSV read them as numbers, YAML 1.1 as ints or octal)."""

from __future__ import annotations

from routing_ml.queueing import read_staffing_targets


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

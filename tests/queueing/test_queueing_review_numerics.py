"""Review findings on the staffing room: the targets file's '*' handle time, AHT 0 on
empty rows, Erlang A's ASA at huge patience, shrinkage near 1, list working hours, one
value per target, messages that name the right fix."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.queueing import (
    StaffingTarget,
    apply_shrinkage,
    asa_seconds,
    erlang_a,
    read_staffing_targets,
    required_agents,
    service_level,
    staffing_requirements,
)
from routing_ml.queueing._validate import QueueingInputError


def _two_queues() -> pd.DataFrame:
    ds = pd.date_range("2026-03-02 08:00", periods=2, freq="30min")
    return pd.concat([pd.DataFrame({"unique_id": q, "ds": ds, "yhat": [100.0, 200.0]})
                      for q in ("a", "b")], ignore_index=True)


def test_star_handle_time_is_the_default_of_the_queues_not_named(tmp_path):
    frame = _two_queues()
    got = staffing_requirements(frame, aht_seconds={"*": 200, "a": 240}, interval_minutes=30)
    for q, aht in (("a", 240), ("b", 200)):
        assert got[got.unique_id == q].agents.tolist() == \
            required_agents([100, 200], aht, 30).tolist()
    with pytest.raises(QueueingInputError, match=r"no value for queues \['b'\].*'\*'"):
        staffing_requirements(frame, aht_seconds={"a": 240}, interval_minutes=30)
    # the CLI reads the same from a targets file
    frame.to_csv(tmp_path / "f.csv", index=False)
    (tmp_path / "t.yaml").write_text("'*': {aht_seconds: 200}\na: {aht_seconds: 240}\n")
    args = ["staff", "--forecast", str(tmp_path / "f.csv"), "--out", str(tmp_path / "o.csv"),
            "--interval-minutes", "30", "--targets", str(tmp_path / "t.yaml")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "o.csv")
    assert out[out.unique_id == "b"].agents.tolist() == required_agents([100, 200], 200, 30).tolist()
    # an explicit --aht-seconds wins over '*', and says so
    res = CliRunner().invoke(app, [*args, "--aht-seconds", "100"])
    assert res.exit_code == 0 and "'*' aht_seconds (200) is not used" in res.output
    out = pd.read_csv(tmp_path / "o.csv")
    assert out[out.unique_id == "b"].agents.tolist() == required_agents([100, 200], 100, 30).tolist()


def test_zero_handle_time_on_rows_without_contacts_is_accepted():
    df = pd.DataFrame({"unique_id": "v", "ds": pd.date_range("2026-03-02 08:00", periods=3,
                                                             freq="30min"),
                       "yhat": [0, 10, 5], "aht_seconds": [0, 300, 300]})
    got = staffing_requirements(df, interval_minutes=30)
    assert got.agents.tolist() == [0, *required_agents([10, 5], 300, 30).tolist()]
    df.loc[1, "aht_seconds"] = 0  # contacts with no handle time stay an error
    with pytest.raises(QueueingInputError, match="must be > 0"):
        staffing_requirements(df, interval_minutes=30)


@pytest.mark.parametrize("a, n", [(1000, 1030), (10000, 10100), (10, 12)])
def test_erlang_a_asa_tends_to_erlang_c_at_huge_patience(a, n):
    limit = asa_seconds(a, n, 180)
    for patience in (1e12, 1e15, 1e18, 1e30):
        np.testing.assert_allclose(erlang_a(a, n, 180, patience).asa_seconds, limit, rtol=1e-6)
    # at ordinary patience it is Erlang A's own (shorter) wait
    assert erlang_a(a, n, 180, 300.0).asa_seconds < limit


def test_shrinkage_near_one_is_exact():
    for n, s in ((1, 0.9999999), (1, 0.99999999999), (7, 0.9995), (21, 0.3)):
        exact = Fraction(n) / (1 - Fraction(str(s)))
        assert apply_shrinkage(n, s) == -(-exact.numerator // exact.denominator), (n, s)
    assert required_agents(100, 180, 30, shrinkage=0.9999999) == \
        required_agents(100, 180, 30) * 10_000_000
    got = apply_shrinkage(np.array([1, 2, 3]), np.array([0.3, 0.9999999, 0.5]))
    assert got.tolist() == [2, 20_000_000, 6]


def test_targets_hold_one_value_and_keep_list_working_hours():
    tgt = StaffingTarget(channel="email", deadline_hours=24, working_hours=[8, 20])
    assert tgt.working_hours == (8.0, 20.0)
    df = pd.DataFrame({"unique_id": "m", "ds": pd.date_range("2026-03-02 08:00", periods=4,
                                                             freq="30min"), "yhat": 10.0})
    assert staffing_requirements(df, tgt, aht_seconds=300, interval_minutes=30).agents.max() >= 1
    with pytest.raises(QueueingInputError, match=r"service_level has shape \(2,\).*one value"):
        StaffingTarget(service_level=np.array([0.8, 0.9]))


def test_messages_name_the_fix_of_their_own_argument(tmp_path):
    with pytest.raises(QueueingInputError) as exc:
        service_level(10, 12, 180, float("nan"))
    assert "answer_seconds has NaN" in str(exc.value) and "volume" not in str(exc.value)
    (tmp_path / "f.csv").write_text("unique_id,ds,yhat\na,2026-03-02 08:00,100\n"
                                    "a,2026-03-02 08:30,200\n")
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"), "--out",
                                   str(tmp_path / "o.csv"), "--interval-minutes", "30",
                                   "--aht-seconds", "200", "--patience-seconds", "0"])
    assert res.exit_code == 1
    assert "leave --patience-seconds out for Erlang C" in res.output and "None" not in res.output


def test_read_targets_keeps_the_star_handle_time(tmp_path):
    (tmp_path / "t.yaml").write_text("'*': {aht_seconds: 200}\na: {aht_seconds: 240}\n")
    assert read_staffing_targets(tmp_path / "t.yaml")[1] == {"*": 200.0, "a": 240.0}

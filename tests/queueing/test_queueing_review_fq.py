"""Review findings (queueing): a finer interval than every queue's step is an error, the
targets file's handle times fall back to the forecast's column, and a fractional
concurrency is an error. Expected agent counts come from an Erlang C written out here."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.queueing import QueueingInputError, read_staffing_targets, staffing_requirements


def _erlang_c_agents(traffic: float, aht: float, sl: float = 0.8, t: float = 20.0) -> int:
    """Fewest agents n > traffic with 1 - C(n, a) exp(-(n - a) t / aht) >= sl."""
    n = int(math.floor(traffic)) + 1
    while True:
        b = 1.0
        for k in range(1, n + 1):  # Erlang B recursion
            b = traffic * b / (k + traffic * b)
        c = n * b / (n - traffic * (1 - b))
        if 1 - c * math.exp(-(n - traffic) * t / aht) >= sl:
            return n
        n += 1


def _forecast(step: str = "30min") -> pd.DataFrame:
    ds = pd.date_range("2024-03-04 08:00", periods=4, freq=step)
    rows = [(q, d, 100.0, aht) for q, aht in (("voice", 300.0), ("chat", 600.0)) for d in ds]
    return pd.DataFrame(rows, columns=["unique_id", "ds", "yhat", "aht_seconds"])


def test_a_30_minute_forecast_staffed_at_15_minutes_is_an_error():
    # every row would be 15 minutes of arrivals of a 30-minute volume: twice the traffic
    with pytest.raises(QueueingInputError, match=r"interval_minutes=15.*30.*interval_minutes=30"):
        staffing_requirements(_forecast(), aht_seconds=300.0, interval_minutes=15)


def test_staff_cli_targets_aht_for_some_queues_keeps_the_column_for_the_others(tmp_path):
    _forecast().to_csv(tmp_path / "f.csv", index=False)
    (tmp_path / "t.yaml").write_text("'*': {service_level: 0.8, answer_seconds: 20}\n"
                                     "voice: {aht_seconds: 240}\n")
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"), "--out",
                                   str(tmp_path / "s.csv"), "--targets",
                                   str(tmp_path / "t.yaml"), "--interval-minutes", "30"])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "s.csv").groupby("unique_id")["agents"].max()
    # voice: 100 calls x 240 s / 1800 s = 13.33 erlangs (the targets file);
    # chat: 100 x 600 s / 1800 s = 33.33 erlangs (the forecast's column)
    assert out["voice"] == _erlang_c_agents(100 * 240 / 1800, 240.0)
    assert out["chat"] == _erlang_c_agents(100 * 600 / 1800, 600.0)


@pytest.mark.parametrize("value", ["2.7", "0.5", "'two'", "true"])
def test_targets_file_fractional_concurrency_is_an_error(tmp_path, value):
    path = tmp_path / "targets.yaml"
    path.write_text(f"chat: {{channel: chat, concurrency: {value}}}\n")
    with pytest.raises(QueueingInputError, match=r"queue 'chat'.*concurrency=.*whole number"):
        read_staffing_targets(path)


@pytest.mark.parametrize("value", ["3", "3.0"])
def test_targets_file_whole_concurrency_is_kept(tmp_path, value):
    path = tmp_path / "targets.yaml"
    path.write_text(f"chat: {{channel: chat, concurrency: {value}}}\n")
    targets, _ = read_staffing_targets(path)
    assert targets["chat"].concurrency == 3 and isinstance(targets["chat"].concurrency, int)


def test_targets_csv_fractional_concurrency_is_an_error(tmp_path):
    path = tmp_path / "targets.csv"
    pd.DataFrame({"unique_id": ["chat"], "channel": ["chat"],
                  "concurrency": [2.7]}).to_csv(path, index=False)
    with pytest.raises(QueueingInputError, match=r"2\.7"):
        read_staffing_targets(path)

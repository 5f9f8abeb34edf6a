"""CSV files from a spreadsheet set to Spanish conventions (``;`` and decimal commas)."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from routing_ml._csv import read_table, sniff_separator
from routing_ml.cli import app


def test_semicolon_file_with_decimal_commas_reads_as_numbers(tmp_path):
    p = tmp_path / "es.csv"
    p.write_text("unique_id;ds;y;note\nvoice;2024-01-08 09:00;2,5;a,b\nvoice;2024-01-08 09:30;3;x\n",
                 encoding="utf-8")
    assert sniff_separator(p) == ";"
    df = read_table(p)
    assert list(df.columns) == ["unique_id", "ds", "y", "note"]
    assert df["y"].tolist() == [2.5, 3.0]
    assert df["note"].tolist() == ["a,b", "x"]  # text with a comma stays text


def test_comma_file_is_read_as_before(tmp_path):
    p = tmp_path / "en.csv"
    pd.DataFrame({"unique_id": ["a;b"], "y": [1.5]}).to_csv(p, index=False)
    assert sniff_separator(p) == ","
    assert read_table(p)["y"].tolist() == [1.5]


def test_staff_reads_a_spanish_spreadsheet_export(tmp_path):
    ds = pd.date_range("2024-01-08 09:00", periods=4, freq="30min")
    lines = ["unique_id;ds;yhat"] + [f"voice;{d};{v}" for d, v in zip(ds, ["120,5", "130", "99,25", "80"],
                                                                          strict=True)]
    (tmp_path / "fc.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "req.csv"
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "fc.csv"), "--aht-seconds", "300",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out)
    assert len(req) == 4 and (req["agents"] > 10).all()

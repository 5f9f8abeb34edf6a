"""CSV files from a spreadsheet set to Spanish conventions (``;`` and decimal commas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
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
    # written as it was read: semicolons and decimal commas (a Spanish spreadsheet opens a
    # comma file as one column)
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("unique_id;ds;")
    req = pd.read_csv(out, sep=";", decimal=",")
    assert len(req) == 4 and (req["agents"] > 10).all()
    assert req["service_level"].between(0.8, 1.0).all()  # "0,84": a decimal comma


def test_a_chain_of_commands_keeps_the_spanish_format(tmp_path):
    """forecast writes a ';' history's forecast with ';' and decimal commas; staff reads it
    and writes its requirements the same way; a comma file stays a comma file."""
    import numpy as np

    ds = pd.date_range("2024-01-01", "2024-01-28 23:30", freq="30min")
    y = np.random.default_rng(0).poisson(12, len(ds))
    lines = ["unique_id;ds;y"] + [f"voice;{d:%Y-%m-%d %H:%M};{v}" for d, v in zip(ds, y, strict=True)]
    (tmp_path / "h.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fc, req = tmp_path / "fc.csv", tmp_path / "req.csv"
    run = CliRunner().invoke(app, ["forecast", "--history", str(tmp_path / "h.csv"), "--freq",
                                   "30min", "--horizon", "1d", "--country", "", "--out", str(fc)])
    assert run.exit_code == 0, run.output
    text = fc.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("unique_id;ds;") and "," in text.splitlines()[1]
    run = CliRunner().invoke(app, ["staff", "--forecast", str(fc), "--aht-seconds", "240",
                                   "--out", str(req)])
    assert run.exit_code == 0, run.output
    written = pd.read_csv(req, sep=";", decimal=",")
    forecast = pd.read_csv(fc, sep=";", decimal=",")
    assert len(written) == len(forecast) and written["agents"].gt(0).any()
    pd.read_csv(fc, sep=";", decimal=",").to_csv(tmp_path / "fc_comma.csv", index=False)
    run = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "fc_comma.csv"),
                                   "--aht-seconds", "240", "--out", str(tmp_path / "req2.csv")])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "req2.csv").read_text().startswith("unique_id,")
    again = pd.read_csv(tmp_path / "req2.csv")
    assert again["agents"].tolist() == written["agents"].tolist()


def _write(tmp_path, text, name="es.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_semicolon_file_reads_thousands_points_with_decimal_commas(tmp_path):
    p = _write(tmp_path, "unique_id;y;z\nvoice;1.234,5;1.000.000\nvoice;2,5;7,25\n")
    df = read_table(p)
    assert df["y"].tolist() == [1234.5, 2.5]
    assert df["z"].tolist() == [1_000_000.0, 7.25]


def test_semicolon_file_with_only_thousands_points_is_refused_not_read_as_decimals(tmp_path):
    # pandas alone reads 1.234 (a thousand times too small): the column is named instead
    p = _write(tmp_path, "unique_id;ds;y\nvoice;2024-01-08 09:00;1.234\nvoice;2024-01-08 09:30;12.500\n")
    with pytest.raises(ValueError, match=r"column 'y' holds '1\.234'.*1234.*Fix"):
        read_table(p)
    # the same from a Windows-1252 export (the second look reads it the same way)
    p = _write(tmp_path, "unique_id;y;note\nvoice;1.234;añejo\nvoice;3;x\n", "cp.csv", "cp1252")
    with pytest.raises(ValueError, match="column 'y'"), pytest.warns(UserWarning, match="1252"):
        read_table(p)


def test_semicolon_file_with_decimal_points_keeps_them(tmp_path):
    # a leading 0 or a fraction of other than three digits is a decimal point
    p = _write(tmp_path, "unique_id;y;z\nvoice;0.125;1.5\nvoice;0.250;1.234\n")
    df = read_table(p)
    assert df["y"].tolist() == [0.125, 0.25] and df["z"].tolist() == [1.5, 1.234]
    assert read_table(_write(tmp_path, "unique_id;y\nvoice;1234\nvoice;25\n", "i.csv"))["y"].tolist() \
        == [1234, 25]


def test_staff_cli_names_a_thousands_column_instead_of_planning_on_it(tmp_path):
    ds = pd.date_range("2024-01-08 09:00", periods=2, freq="30min")
    lines = ["unique_id;ds;yhat"] + [f"voice;{d};{v}" for d, v in zip(ds, ["1.200", "1.350"], strict=True)]
    (tmp_path / "fc.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "fc.csv"), "--aht-seconds",
                                   "300", "--out", str(tmp_path / "req.csv")])
    assert res.exit_code != 0
    assert "column 'yhat'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "req.csv").exists()


def test_write_table_round_trips_exponents_infinities_and_accents(tmp_path):
    """A ';' output holds '1,5e-05' (a quiet night interval) and 'inf' (occupancy max/min
    with an idle agent): read back as numbers, not as a text column staff refuses; its
    accents survive Excel set to Spanish (UTF-8 with a byte-order mark)."""
    from routing_ml._csv import read_table, write_table

    (tmp_path / "in.csv").write_text("unique_id;ds;y\nq;2024-01-01 00:00;1\n", encoding="utf-8")
    df = pd.DataFrame({"unique_id": ["atención", "b", "c"], "yhat": [1.5e-05, 12.5, 3.0],
                       "ratio": [float("inf"), 2.5, 1.0]})
    write_table(df, tmp_path / "out.csv", like=tmp_path / "in.csv")
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    back = read_table(tmp_path / "out.csv")
    assert back["unique_id"].tolist() == ["atención", "b", "c"]
    assert back["yhat"].tolist() == [1.5e-05, 12.5, 3.0]
    assert back["ratio"].tolist() == [float("inf"), 2.5, 1.0]


@pytest.mark.parametrize("sep", [",", ";"])
def test_write_table_writes_no_binary_noise(tmp_path, sep):
    """0.1 + 0.2 is written 0.3, not 0.30000000000000004 (a planner's spreadsheet showed
    16 decimals), and twelve significant digits survive the round trip."""
    from routing_ml._csv import read_table, write_table

    (tmp_path / "in.csv").write_text(f"unique_id{sep}y\nq{sep}1\n", encoding="utf-8")
    df = pd.DataFrame({"unique_id": ["a", "b", "c"],
                       "agents": [0.1 + 0.2, 12.3456789012345, 1234567.891]})
    write_table(df, tmp_path / "out.csv", like=tmp_path / "in.csv")
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "0000000" not in text and ("0,3" if sep == ";" else "0.3") in text
    back = read_table(tmp_path / "out.csv")
    np.testing.assert_allclose(back["agents"], df["agents"], rtol=1e-11)

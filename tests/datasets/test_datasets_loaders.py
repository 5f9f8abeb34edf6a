"""The bundled real datasets load offline with their documented shape and no lost rows."""

import gzip
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from routing_ml.datasets import (
    anonymous_bank_volumes,
    avisos_madrid_gaps,
    avisos_madrid_volumes,
    list_datasets,
    load_anonymous_bank,
    load_avisos_madrid,
    load_bank_calls,
    load_banking77,
)
from routing_ml.frames import validate_volumes

DATA = resources.files("routing_ml.datasets") / "data"


def _raw_lines(name: str) -> int:
    """Data lines in a bundled gzip file (header excluded), counted without pandas."""
    with gzip.open(str(DATA / name), "rt", encoding="utf-8") as fh:
        return sum(1 for _ in fh) - 1


@pytest.fixture(scope="module")
def bank99() -> pd.DataFrame:
    return load_anonymous_bank()


@pytest.fixture(scope="module")
def avisos() -> pd.DataFrame:
    return load_avisos_madrid()


def test_bank_calls_is_a_valid_volumes_frame():
    df = load_bank_calls()
    assert len(df) == _raw_lines("bank_calls_5min.csv.gz") == 27716
    validate_volumes(df)  # raises if the contract is broken
    assert df["ds"].dt.normalize().nunique() == 164
    per_day = df.groupby(df["ds"].dt.normalize()).size()
    assert (per_day == 169).all()
    assert df["ds"].dt.dayofweek.max() <= 4  # weekdays only
    assert df["y"].min() >= 0


def test_anonymous_bank_keeps_every_call(bank99):
    assert len(bank99) == _raw_lines("anonymous_bank_feb1999_calls.tsv.gz") == 33344
    cleaning = bank99.attrs["cleaning"]
    assert cleaning["rows"] == len(bank99)
    # the counted fixes match what is in the frame
    assert cleaning["phantom"] == int(bank99["is_phantom"].sum()) > 0
    for col in ("vru_time", "q_time", "ser_time"):
        assert (bank99[col].dropna() >= 0).all()
        assert bank99[col].isna().sum() == cleaning[f"{col}_negative"]
    assert cleaning["vru_time_negative"] > 0  # the known quirk is really there


def test_anonymous_bank_timestamps(bank99):
    # "0:00:00" means "no such event": calls that never queued have no q_start
    assert bank99["q_start"].isna().sum() == bank99.attrs["cleaning"]["q_start_missing"] > 0
    assert bank99["vru_entry"].notna().all()
    served = bank99[bank99["served"] & bank99["ser_exit"].notna()]
    assert (served["ser_exit"] >= served["ser_start"]).all()  # midnight wrap handled
    assert bank99["vru_entry"].dt.month.eq(2).all()
    assert set(bank99["type"].cat.categories) >= {"PS", "PE", "IN", "NE", "NW", "TT"}
    assert bank99.loc[bank99["server"] == "NO_SERVER", "agent_id"].isna().all()


def test_anonymous_bank_volumes_account_for_calls(bank99):
    vol = anonymous_bank_volumes(bank99, freq="30min")
    excluded = vol.attrs["excluded"]
    assert vol["y"].sum() + excluded["phantom"] + excluded["no_vru_exit"] == len(bank99)
    validate_volumes(vol)
    assert (vol["served"] + vol["abandoned"] <= vol["y"]).all()
    assert vol["aht_seconds"].dropna().ge(0).all()
    total = anonymous_bank_volumes(bank99, freq="1h", by_type=False)
    assert set(total["unique_id"]) == {"total"}
    assert total["y"].sum() == vol["y"].sum()


def test_banking77():
    df = load_banking77()
    assert len(df) == 10003
    assert df["intent"].nunique() == 77 == len(df.attrs["intents"])
    assert set(df["intent"]) == set(df.attrs["intents"])
    assert df["text"].str.len().gt(0).all()


def test_avisos_madrid(avisos):
    assert len(avisos) == _raw_lines("avisos_madrid_2021_2023.csv.gz") - _multiline(avisos)
    assert len(avisos) == 263490
    assert avisos["service"].nunique() == 77
    assert avisos["requested_at"].min() >= pd.Timestamp("2021-06-11")
    assert avisos["requested_at"].max() < pd.Timestamp("2024-01-01")
    assert avisos["id"].is_unique
    assert avisos["description"].map(type).eq(str).all()


def _multiline(avisos: pd.DataFrame) -> int:
    """Extra physical lines taken by descriptions that contain newlines."""
    return int(avisos["description"].str.count("\n").sum())


def test_avisos_madrid_volumes_gaps_are_missing_not_zero(avisos):
    vol = avisos_madrid_volumes(avisos, freq="1h")
    gaps = avisos_madrid_gaps(detected=False)
    assert len(gaps) == 24  # the collector's log: the long 2022–2023 outage is three rows
    grid = pd.date_range(vol["ds"].min(), "2023-12-31 23:00", freq="1h")
    assert len(vol) == len(grid)  # a full regular grid
    # the long outage is missing, never zero
    outage = vol[(vol["ds"] >= "2022-03-01") & (vol["ds"] < "2023-04-01")]
    assert outage["y"].isna().all()
    # a short gap: 2023-11-28 11:22:45 – 11:33:31 makes the 11:00 hour missing only
    day = vol.set_index("ds")["y"]
    assert np.isnan(day[pd.Timestamp("2023-11-28 11:00")])
    assert not np.isnan(day[pd.Timestamp("2023-11-28 10:00")])
    assert not np.isnan(day[pd.Timestamp("2023-11-28 12:00")])
    # every report is either counted or in a gap-overlapping (missing) hour
    bucket = avisos["requested_at"].dt.floor("1h")
    in_missing = bucket.isin(vol.loc[vol["y"].isna(), "ds"])
    assert vol["y"].sum() + in_missing.sum() == len(avisos)


def test_avisos_daily_volumes_may_keep_days_with_a_short_gap(avisos):
    """At freq='1D' a 10-minute hole blanked the whole day (17 of 31 December days)."""
    strict = avisos_madrid_volumes(avisos, freq="1D").set_index("ds")["y"]
    kept = avisos_madrid_volumes(avisos, freq="1D", max_gap_share=0.02).set_index("ds")["y"]
    # 2023-11-28 lost 11 minutes (11:22:45 - 11:33:31): its day keeps its reports
    assert np.isnan(strict[pd.Timestamp("2023-11-28")])
    day = avisos["requested_at"].dt.normalize() == pd.Timestamp("2023-11-28")
    assert kept[pd.Timestamp("2023-11-28")] == day.sum()
    # never more days than the strict grid, and the long outage stays missing
    assert kept.isna().sum() < strict.isna().sum()
    assert kept.notna().sum() - strict.notna().sum() == (strict.isna() & kept.notna()).sum()
    assert kept["2022-06-01":"2023-03-01"].isna().all()
    with pytest.raises(ValueError, match="max_gap_share"):
        avisos_madrid_volumes(avisos, freq="1D", max_gap_share=1.0)


def test_avisos_volumes_by_service(avisos):
    vol = avisos_madrid_volumes(avisos, freq="1D", by_service=True)
    assert vol["unique_id"].nunique() == 77
    validate_volumes(vol, allow_missing=True)
    total = avisos_madrid_volumes(avisos, freq="1D")
    per_day = vol.groupby("ds", sort=True)["y"].sum(min_count=1)
    np.testing.assert_allclose(per_day.to_numpy(), total.set_index("ds")["y"].to_numpy())


def test_list_datasets_matches_loaders():
    table = list_datasets()
    assert set(table["name"]) == {"bank_calls", "anonymous_bank", "banking77", "avisos_madrid"}
    assert table["size_mb"].gt(0).all()
    assert table["source"].str.len().gt(10).all()
    assert table.set_index("name").loc["banking77", "rows"] == len(load_banking77())


def test_avisos_volumes_of_a_date_selection_are_not_padded_with_zeros(avisos):
    june = avisos[(avisos["requested_at"] >= "2023-06-01") & (avisos["requested_at"] < "2023-07-01")]
    vol = avisos_madrid_volumes(june, freq="1D")
    assert vol["ds"].min() == pd.Timestamp("2023-06-01")
    assert vol["ds"].max() == pd.Timestamp("2023-06-30")
    # every report is counted, or on a day a collection hole makes missing (3, 9, 10
    # and 26 June 2023: holes the reports show, avisos_madrid_gaps)
    missing_days = set(vol.loc[vol["y"].isna(), "ds"])
    assert missing_days == {pd.Timestamp(f"2023-06-{d:02d}") for d in (3, 9, 10, 26)}
    in_missing = june["requested_at"].dt.floor("1D").isin(missing_days).sum()
    assert vol["y"].sum() + in_missing == len(june)
    # an explicit window lists the days around the reports (true zeros for a rare service)
    wide = avisos_madrid_volumes(june, freq="1D", start="2023-05-30", end="2023-07-02 23:00")
    assert len(wide) == 34 and wide["y"].iloc[[0, 1, -2, -1]].eq(0).all()
    assert wide["y"].sum() + in_missing == len(june)


def test_avisos_volumes_bad_selections_get_clear_errors(avisos):
    with pytest.raises(ValueError, match="no report"):
        avisos_madrid_volumes(avisos.iloc[:0], freq="1D")
    aware = avisos.iloc[:100].assign(requested_at=avisos["requested_at"].iloc[:100].dt.tz_localize("Europe/Madrid",
                                                                                               ambiguous="NaT",
                                                                                               nonexistent="NaT"))
    with pytest.raises(ValueError, match="naive local timestamps"):
        avisos_madrid_volumes(aware, freq="1D")
    with pytest.raises(ValueError, match="would be lost"):
        avisos_madrid_volumes(avisos.iloc[:1000], freq="1D", start="2021-06-01",
                              end=avisos["requested_at"].iloc[:1000].min())


def test_a_synthetic_centre_on_closed_days_warns_instead_of_an_empty_frame():
    from routing_ml.datasets import make_contact_center

    with pytest.warns(UserWarning, match="no contact in the 1 day"):
        cc = make_contact_center(seed=0, days=1, start="2024-01-06", n_agents=5)
    assert len(cc.contacts) == 0

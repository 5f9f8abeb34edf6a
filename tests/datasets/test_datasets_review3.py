"""Third review: interval helpers validate ``freq`` and their input frame; the generator
rejects bools, NaN shares, non-bool flags and time-zone-aware starts; docstrings match data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.datasets import (
    anonymous_bank_volumes,
    avisos_madrid_gaps,
    avisos_madrid_volumes,
    load_anonymous_bank,
    load_avisos_madrid,
    load_bank_calls,
)
from routing_ml.datasets.synthetic import GeneratorParameterError, make_contact_center
from routing_ml.errors import FrameError

SMALL = {"days": 1, "daily_contacts": 50, "n_agents": 3, "simulate": False}


@pytest.fixture(scope="module")
def bank99() -> pd.DataFrame:
    return load_anonymous_bank()


def _calls(exits: list[str], phantom: list[bool]) -> pd.DataFrame:
    """A hand-made frame shaped like load_anonymous_bank() (only the columns used)."""
    n = len(exits)
    return pd.DataFrame({
        "type": pd.Categorical(["PS"] * n), "vru_exit": pd.to_datetime(exits),
        "ser_time": [60.0] * n, "served": [True] * n, "abandoned": [False] * n,
        "is_phantom": phantom,
    })


# -- finding 1: every usable call is counted, on a grid aligned to midnight ---------------
def test_anonymous_bank_volumes_30min_counts_every_usable_call(bank99):
    vol = anonymous_bank_volumes(bank99, freq="30min")
    # 33,344 calls in the log, 278 PHANTOM, none without a VRU exit
    assert vol["y"].sum() == 33344 - 278
    assert vol.attrs["excluded"] == {"phantom": 278, "no_vru_exit": 0}
    # 28 days x 48 half hours per type, starting at midnight of 1 February 1999
    assert len(vol) == 28 * 48 * vol["unique_id"].nunique()
    assert vol["ds"].min() == pd.Timestamp("1999-02-01 00:00")


def test_anonymous_bank_volumes_hand_made_buckets():
    calls = _calls(["1999-02-01 00:10", "1999-02-01 00:40", "1999-02-01 00:59",
                    "1999-02-01 23:59", "1999-02-01 12:00"],
                   [False, False, False, False, True])
    vol = anonymous_bank_volumes(calls, freq="30min", by_type=False)
    assert len(vol) == 48 and vol["ds"].iloc[0] == pd.Timestamp("1999-02-01")
    y = dict(zip(vol["ds"].dt.strftime("%H:%M"), vol["y"], strict=True))
    assert (y["00:00"], y["00:30"], y["12:00"], y["23:30"]) == (1.0, 2.0, 0.0, 1.0)
    assert vol["y"].sum() == 4.0  # the phantom is excluded, nothing else is lost


@pytest.mark.parametrize("freq", ["7min", "25min", "50min", "5h", "7h"])
def test_anonymous_bank_volumes_rejects_freq_not_dividing_a_day(bank99, freq):
    # before the fix every call was silently dropped (y summed to 0)
    with pytest.raises(ValueError, match=rf"freq='{freq}'.*divides 24 hours"):
        anonymous_bank_volumes(bank99, freq=freq)


# -- finding 4: both volume helpers validate freq and their input frame -------------------
@pytest.mark.parametrize("freq", ["-30min", "0min", "MS", "W", "7min", "not a freq"])
@pytest.mark.parametrize("helper", [anonymous_bank_volumes, avisos_madrid_volumes])
def test_volume_helpers_reject_bad_freq_with_the_fix(helper, freq):
    frame = (_calls(["1999-02-01 10:00"], [False]) if helper is anonymous_bank_volumes
             else pd.DataFrame({"requested_at": pd.to_datetime(["2023-12-01 10:00"])}))
    with pytest.raises(ValueError, match=rf"{helper.__name__}: freq=.*divides 24 hours"):
        helper(frame, freq=freq)


def test_volume_helpers_name_the_loader_of_the_expected_frame(bank99):
    reports = pd.DataFrame({"requested_at": pd.to_datetime(["2023-12-01 10:00"]),
                            "service": ["x"]})
    with pytest.raises(FrameError, match=r"calls is missing.*load_anonymous_bank\(\)"):
        anonymous_bank_volumes(reports)
    with pytest.raises(FrameError, match=r"reports is missing.*load_avisos_madrid\(\)"):
        avisos_madrid_volumes(bank99)
    with pytest.raises(FrameError, match=r"missing columns \['service'\]"):
        avisos_madrid_volumes(reports.drop(columns="service"), by_service=True)


# -- finding 2: start must be a naive local date --------------------------------------------
@pytest.mark.parametrize("start", [pd.Timestamp("2024-03-25", tz="Europe/Madrid"),
                                   pd.Timestamp("2024-01-08", tz="UTC")])
def test_tz_aware_start_is_rejected(start):
    with pytest.raises(GeneratorParameterError, match=r"start must be a naive.*tz_localize"):
        make_contact_center(start=start, **SMALL)


@pytest.mark.parametrize("start", [None, pd.NaT, np.datetime64("NaT")])
def test_missing_start_is_rejected(start):
    with pytest.raises(GeneratorParameterError, match="start must be a date"):
        make_contact_center(start=start, **SMALL)


# -- finding 3: bools are not ints, shares are finite, flags are bools ------------------------
@pytest.mark.parametrize(("kw", "text"), [
    ({"seed": True}, "seed must be a non-negative int, got True"),
    ({"days": True}, "days must be an int >= 1, got True"),
    ({"n_agents": True}, "n_agents must be an int >= 1, got True"),
    ({"n_agents": np.bool_(True)}, "n_agents must be an int >= 1"),
    ({"language_mix": {"es": float("nan"), "en": 1.0}}, r"language_mix\['es'\].*nan"),
    ({"language_mix": {"es": 0.5, "en": np.inf}}, r"language_mix\['en'\].*inf"),
    ({"campaigns": "no"}, "campaigns must be True or False, got 'no'"),
    ({"simulate": "no"}, "simulate must be True or False, got 'no'"),
    ({"simulate": 0}, "simulate must be True or False, got 0"),
])
def test_bools_nan_shares_and_non_bool_flags_are_rejected(kw, text):
    with pytest.raises(GeneratorParameterError, match=text):
        make_contact_center(**{**SMALL, **kw})


def test_numpy_ints_and_bools_still_accepted():
    cc = make_contact_center(seed=np.int64(1), days=np.int32(1), daily_contacts=50,
                             n_agents=np.int64(3), campaigns=np.bool_(False), simulate=False)
    assert len(cc.contacts) > 0


# -- finding 5: docstrings match the data ------------------------------------------------------
def test_bank_calls_doc_matches_unique_id_dtype():
    assert load_bank_calls()["unique_id"].dtype == object
    doc = " ".join((load_bank_calls.__doc__ or "").split())
    assert '``unique_id`` ("bank", str values in an object column)' in doc


def test_avisos_madrid_doc_counts_21_short_gaps():
    gaps = avisos_madrid_gaps(detected=False)
    long_stop = gaps["gap_end"] <= pd.Timestamp("2023-05-04 23:59")
    assert (len(gaps), int(long_stop.sum()), int((~long_stop).sum())) == (24, 3, 21)
    doc = " ".join((load_avisos_madrid.__doc__ or "").split())
    assert "lists 21 shorter windows" in doc and "24 shorter" not in doc


def test_avisos_madrid_holes_the_reports_show_are_missing_not_zero():
    # review 2026-12-01: Monday 26 June 2023 08:00-12:00 came out as 0, 0, 0, 0, 0 (no
    # report from 07:04 to 13:39, report ids jumping by 407), the first day as a full day
    gaps = avisos_madrid_gaps()
    found = gaps[gaps["source"] == "detected"]
    assert len(found) >= 8 and set(gaps["source"]) == {"collector log", "detected"}
    vol = avisos_madrid_volumes(freq="1h").set_index("ds")["y"]
    assert vol[pd.Timestamp("2023-06-26 08:00"):pd.Timestamp("2023-06-26 13:00")].isna().all()
    assert vol[pd.Timestamp("2023-06-26 14:00")] > 0
    assert np.isnan(vol[pd.Timestamp("2021-06-11 14:00")])  # collected from 14:41 only
    daily = avisos_madrid_volumes(freq="1D").set_index("ds")["y"]
    assert np.isnan(daily[pd.Timestamp("2021-06-11")]) and daily[pd.Timestamp("2021-06-14")] > 400


def test_generator_calendar_region_and_agent_effects_inputs():
    # review 2026-12-01: the calendar listed campaigns with campaigns=False, 'Barcelona'
    # (a city the holidays package knows) passed with no Catalan, and too short a log
    # gave "Cannot infer number of levels from empty list"
    from routing_ml.datasets.synthetic import estimate_agent_effects

    off = make_contact_center(seed=0, days=3, start="2024-04-08", campaigns=False,
                              daily_contacts=200, n_agents=10)
    on = make_contact_center(seed=0, days=3, start="2024-04-08", daily_contacts=200,
                             n_agents=10)
    assert (off.calendar["campaigns"] == "").all() and (on.calendar["campaigns"] != "").any()
    with pytest.raises(GeneratorParameterError, match=r"'Barcelona'.*'CT' for Catalonia"):
        make_contact_center(seed=0, days=1, region="Barcelona")
    small = make_contact_center(seed=0, days=1, daily_contacts=100, n_agents=5)
    with pytest.raises(FrameError, match=r"no agent has 30 contacts.*min_agent_contacts"):
        estimate_agent_effects(small.interactions)

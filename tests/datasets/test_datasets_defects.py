"""Second review: the 1999 bank volumes are a regular grid with zeros where no call came."""

from __future__ import annotations

import pandas as pd

from routing_ml.datasets import anonymous_bank_volumes, load_anonymous_bank


def test_anonymous_bank_volumes_are_a_regular_grid_with_zeros():
    calls = load_anonymous_bank()
    v = anonymous_bank_volumes(calls, freq="1h")
    grid = pd.date_range("1999-02-01", "1999-02-28 23:00", freq="1h")
    for uid, g in v.groupby("unique_id"):
        assert g["ds"].tolist() == grid.tolist(), uid
    assert v["y"].notna().all() and (v["y"] == 0).any()
    assert (v.loc[v["y"] == 0, ["served", "abandoned"]] == 0).all().all()
    assert v.loc[v["y"] == 0, "aht_seconds"].isna().all()
    excluded = v.attrs["excluded"]
    assert v["y"].sum() + excluded["phantom"] + excluded["no_vru_exit"] == len(calls)

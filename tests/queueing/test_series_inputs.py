"""pandas Series given to the queueing functions: paired by label, never silently by position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.queueing import (
    QueueingInputError,
    apply_shrinkage,
    chat_required_agents,
    erlang_a,
    erlang_c,
    required_agents,
    service_level,
    traffic_erlangs,
)


def test_series_in_series_out_on_their_index():
    idx = pd.Index(["x", "y", "z"], name="queue")
    vol = pd.Series([100.0, 200.0, 0.0], index=idx)
    aht = pd.Series([600.0, 60.0, 180.0], index=idx)
    got = required_agents(vol, aht, 30)
    assert isinstance(got, pd.Series) and got.index.equals(idx)
    assert got.tolist() == required_agents(vol.to_numpy(), aht.to_numpy(), 30).tolist()
    a = traffic_erlangs(vol, aht, 30)
    assert isinstance(a, pd.Series) and a.index.equals(idx)
    sl = service_level(a, pd.Series([40, 9, 1], index=idx), aht, 20)
    assert isinstance(sl, pd.Series) and sl.index.equals(idx)
    assert isinstance(apply_shrinkage(got, 0.3), pd.Series)
    assert isinstance(chat_required_agents(vol, aht, 30, concurrency=2), pd.Series)
    # a Series mixed with scalars and plain arrays keeps its index
    assert required_agents(vol, 180, 30).index.equals(idx)


def test_series_with_other_indexes_are_refused_naming_both():
    vol = pd.Series([100.0, 200.0, 0.0], index=["x", "y", "z"])
    aht = pd.Series([180.0, 60.0, 600.0], index=["z", "y", "x"])  # same labels, other order
    with pytest.raises(QueueingInputError, match=r"volume and aht_seconds .*align"):
        required_agents(vol, aht, 30)
    with pytest.raises(QueueingInputError, match="traffic_erlangs and agents"):
        erlang_c(pd.Series([1.0, 2.0]), pd.Series([3, 4], index=[5, 6]))
    # aligned by the caller: the answer pairs the labels
    v, h = vol.align(aht, join="inner")
    got = required_agents(v, h, 30)
    assert got["x"] == required_agents(100.0, 600.0, 30)
    assert got["z"] == 0


def test_record_results_keep_arrays():
    idx = pd.Index([1, 2])
    res = erlang_a(pd.Series([5.0, 8.0], index=idx), pd.Series([7, 10], index=idx), 300, 120)
    assert isinstance(res.service_level, np.ndarray) and res.service_level.shape == (2,)

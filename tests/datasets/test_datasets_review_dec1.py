"""Review findings (2026-12-01): loaders' bad selections and bounds, and a generator
start given as a number."""

from __future__ import annotations

import pandas as pd
import pytest

from routing_ml.datasets import (
    anonymous_bank_volumes,
    avisos_madrid_volumes,
    load_anonymous_bank,
    load_avisos_madrid,
)
from routing_ml.datasets.synthetic import GeneratorParameterError, make_contact_center


def test_an_empty_bank_selection_is_named() -> None:
    calls = load_anonymous_bank()
    with pytest.raises(ValueError, match="no usable call"):
        anonymous_bank_volumes(calls[calls["type"] == "XX"])


@pytest.fixture(scope="module")
def june() -> pd.DataFrame:
    r = load_avisos_madrid()
    return r[(r["requested_at"] >= "2023-06-01") & (r["requested_at"] < "2023-06-08")]


@pytest.mark.parametrize(("start", "match"), [
    ("june", "not a date-time"),
    (pd.Timestamp("2023-06-01", tz="Europe/Madrid"), "time-zone aware"),
])
def test_bad_bounds_of_the_madrid_grid_are_named(june: pd.DataFrame, start: object, match: str) -> None:
    with pytest.raises(ValueError, match=f"start=.*{match}"):
        avisos_madrid_volumes(june, start=start, end="2023-06-08")


def test_a_numeric_start_is_refused() -> None:
    with pytest.raises(GeneratorParameterError, match="the number 20240108"):
        make_contact_center(seed=0, days=1, daily_contacts=50, n_agents=5, start=20240108)


def test_first_contacts_texts_do_not_depend_on_the_staffing() -> None:
    # the texts were drawn in one batch with the repeats, whose number depends on staffing
    kw = dict(seed=0, days=1, daily_contacts=300)
    a = make_contact_center(n_agents=10, **kw).contacts
    b = make_contact_center(n_agents=40, **kw).contacts
    fa, fb = a[~a["is_repeat"]].sort_values("ts"), b[~b["is_repeat"]].sort_values("ts")
    assert len(fa) == len(fb) and fa["text"].tolist() == fb["text"].tolist()
    c = make_contact_center(n_agents=10, simulate=False, **kw).contacts.sort_values("ts")
    assert c["text"].tolist() == fa["text"].tolist()

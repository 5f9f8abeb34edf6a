"""Review findings (2026-12-01): loaders' bad selections and bounds, and a generator
start given as a number."""

from __future__ import annotations

import numpy as np
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


def test_the_connector_of_a_mixed_text_says_nothing_of_the_clause_order(monkeypatch):
    # before: one draw picked the order (< 0.25) and the connector: in Spanish " y ademas "
    # always came before the label's clause and the three others always after it
    from collections import Counter

    from routing_ml.datasets import _texts
    from routing_ml.datasets import synthetic as S

    monkeypatch.setattr(S, "_typos", lambda s, rnd, k: s)
    names = tuple(r[0] for r in S.INTENTS)
    n = 4000
    it = np.random.default_rng(0).integers(0, len(names), n)
    out = S._make_texts(np.random.default_rng(1), it, np.zeros(n, int), np.ones(n, int),
                        np.zeros(n, bool), names, 0.0, 0.99)

    def plain(s):
        return s.translate(S._ACCENTS).lower()

    seen = Counter()
    for s, i in zip(out, it, strict=True):
        low = plain(s)
        for conn in _texts.CONNECTORS["es"]:
            c = plain(conn)
            if c in low:
                before, after = low.split(c, 1)
                heads = [plain(p.split("{")[0])[:18] for p in _texts.PHRASES[names[i]]["es"]]
                in_after, in_before = (any(h and h in part for h in heads) for part in (after, before))
                if in_after != in_before:
                    seen[conn, "after" if in_after else "before"] += 1
                break
    for conn in _texts.CONNECTORS["es"]:
        # the label's clause comes after the connector in about a quarter of the texts
        after, before = seen[conn, "after"], seen[conn, "before"]
        assert after + before > 100 and 0.1 < after / (after + before) < 0.4, (conn, after, before)


def test_year_slots_are_numbers_in_every_language():
    cc = make_contact_center(seed=0, days=3, daily_contacts=1500, region="PV", simulate=False)
    other = cc.contacts[cc.contacts["language"] != "es"]["text"].str.lower()
    assert not other.str.contains("año").any()

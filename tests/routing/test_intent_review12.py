"""IntentClassifier defects found in a data scientist's review (session of 2 December,
evening): each test failed before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from routing_ml.routing import IntentClassifier
from routing_ml.routing._text import normalize_text

TEXTS = ["quiero renovar el dni", "cita para renovar el dni", "el dni esta caducado",
         "renovar dni urgente", "farola apagada en mi calle", "la farola esta rota",
         "calle sin luz por la noche", "farola fundida", "pagar el impuesto de circulacion",
         "recibo del ibi duplicado", "domiciliar los impuestos", "tasa cobrada dos veces"] * 3
LABELS = (["dni"] * 4 + ["alumbrado"] * 4 + ["impuestos"] * 4) * 3


def _fit(**kw):
    return IntentClassifier(random_state=0, **kw).fit(TEXTS, LABELS)


def test_a_failed_refit_keeps_the_previous_triage_label():
    # before: fit recorded the new labels' triage label (-1 for integers) before failing
    m = _fit()
    assert m.predict([""])[0] == "triage"
    with pytest.raises(ValueError, match="empty"):
        m.fit(["", "  ", "...", "!"], [1, 1, 2, 2])
    assert m.predict([""])[0] == "triage" and m.predict_one("").intent == "triage"


def test_html_is_read_as_its_text():
    # before: a web form's <style> block filled max_chars and the citizen's words were
    # never read (a lamp-post report became a furniture pick-up at 0.89)
    body = "Hay una farola apagada en la calle de Alcalá 45 desde hace una semana."
    style = "<style>" + "".join(f".c{i}{{font-family:Arial;margin:0 0 {i}px 0}}"
                                for i in range(40)) + "</style>"
    page = (f"<html><head>{style}</head><body><!-- form --><div class='msg'><p>"
            f"{body.replace('á', '&aacute;')}</p></div></body></html>")
    assert len(style) > 1000
    assert normalize_text(page) == normalize_text(body)
    m = _fit()
    np.testing.assert_allclose(m.predict_proba([page]), m.predict_proba([body]))
    assert m.predict([page])[0] == m.predict_one(page).intent == "alumbrado"
    # text without a tag is left alone
    assert normalize_text("a < b <3 AT&amp;T") == "a b 0 at amp t"


def test_intent_to_queue_set_after_fit_is_checked_whatever_the_texts():
    m = _fit(intent_to_queue={"dni": "padron", "alumbrado": "via_publica",
                              "impuestos": "hacienda"})
    assert m.predict_queue(["farola rota"])[0] == "via_publica"
    m.set_params(intent_to_queue={"dni": "padron", "alumbrado": "via_publica"})
    # before: accepted until a text of 'impuestos' came, then the whole batch failed
    with pytest.raises(ValueError, match=r"no queue for the intent 'impuestos'\. Fix"):
        m.predict_queue(["farola rota"])


def test_a_callable_intent_to_queue_is_a_clear_error():
    with pytest.raises(ValueError, match="must be a mapping intent -> queue"):
        IntentClassifier(intent_to_queue=str.upper).fit(TEXTS, LABELS)


def test_save_creates_the_missing_folder(tmp_path):
    m = _fit()
    path = m.save(tmp_path / "models" / "2026" / "intent.pkl")
    assert path.is_file()
    np.testing.assert_array_equal(IntentClassifier.load(path).predict(TEXTS[:4]),
                                  m.predict(TEXTS[:4]))


def test_fewer_calibration_folds_than_asked_is_warned():
    texts = TEXTS + ["ruido de obras de noche", "obras sin licencia"]
    labels = LABELS + ["obras", "obras"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        IntentClassifier(random_state=0, calibration_folds=5).fit(texts, labels)
    msgs = [str(w.message) for w in caught]
    assert any("2 folds instead of calibration_folds=5" in t and "'obras'" in t for t in msgs)


def test_the_helpers_the_docstrings_name_import_from_routing():
    import routing_ml.routing as routing

    for name in ("coverage_threshold", "misroute_rate_at_coverage", "TopK", "IntentPrediction"):
        assert name in routing.__all__ and getattr(routing, name) is not None


def test_a_bad_text_of_a_series_is_named_by_its_index_label_too():
    import pandas as pd

    m = _fit()
    with pytest.raises(ValueError, match=r"texts\[1\] \(index label 205\) is None"):
        m.predict(pd.Series(["farola rota", None, "dni"], index=[101, 205, 307]))


def test_an_intent_with_only_empty_texts_is_warned_about():
    with pytest.warns(UserWarning, match=r"intents \['vacio'\] have no non-empty text"):
        IntentClassifier(random_state=0).fit(TEXTS + ["", "  "], LABELS + ["vacio", "vacio"])

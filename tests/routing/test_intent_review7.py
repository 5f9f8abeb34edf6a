"""IntentClassifier defects found in review (session of 2 December): each test failed
before its fix."""

from __future__ import annotations

import numpy as np
import pytest

from routing_ml.routing import IntentClassifier

TEXTS = ["quiero renovar el dni", "cita para renovar el dni", "el dni esta caducado",
         "renovar dni urgente", "farola apagada en mi calle", "la farola esta rota",
         "calle sin luz por la noche", "farola fundida", "pagar el impuesto de circulacion",
         "recibo del ibi duplicado", "domiciliar los impuestos", "tasa cobrada dos veces"] * 3
LABELS = (["dni"] * 4 + ["alumbrado"] * 4 + ["impuestos"] * 4) * 3
PROBE = ["renovar el dni", "farola rota", "pagar impuestos", "hola"]


def test_a_failed_refit_keeps_the_previous_model_whole():
    # before: the new word vectoriser replaced the old one before its fit failed: the
    # single-text path answered with the old model, the batch path raised NotFittedError
    m = IntentClassifier(random_state=0).fit(TEXTS, LABELS)
    before = m.predict_proba(PROBE)
    m.set_params(word_ngram_range=(2, 2))
    with pytest.raises(ValueError, match=r"no word n-gram of word_ngram_range=\(2, 2\).*Fix: a range starting at 1"):
        m.fit(["multa", "padron", "ibi", "renta", "cita", "nie"], list("abcabc"))
    m.set_params(word_ngram_range=(1, 2))
    np.testing.assert_array_equal(m.predict_proba(PROBE), before)
    assert [m.predict([t])[0] for t in PROBE] == list(m.predict(PROBE))


def test_unknown_training_languages_are_left_out_not_learned_as_a_language():
    langs = ["es"] * len(TEXTS)
    langs[::3] = [None] * len(langs[::3])
    langs[1] = float("nan")
    langs[2] = ""
    langs[4] = "und"
    langs[5] = "EN "
    m = IntentClassifier(random_state=0).fit(TEXTS, LABELS, languages=langs)
    assert "" not in m.language_identifier_.languages_
    assert {"es", "en"} <= set(m.language_identifier_.languages_)
    assert all(lang for lang in m.predict_language(PROBE))
    with pytest.raises(ValueError, match=r"languages\[0\] is 3; language codes are text"):
        IntentClassifier().fit(TEXTS, LABELS, languages=[3] + ["es"] * (len(TEXTS) - 1))


def test_pandas_missing_languages_are_unknown_too():
    import pandas as pd

    langs = pd.Series(["es"] * len(TEXTS), dtype="string")
    langs[1] = pd.NA
    m = IntentClassifier(random_state=0).fit(TEXTS, LABELS, languages=langs)
    assert "" not in m.language_identifier_.languages_ and "<NA>" not in m.language_identifier_.languages_

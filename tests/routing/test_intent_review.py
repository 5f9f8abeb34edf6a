"""Review findings on IntentClassifier: a failed save keeps the old file, the temperature
of an easily separated training set, parameters changed after fit, scikit-learn's binary
shape, mappings and sets of texts, the queue map at prediction, the helpers' inputs,
uint64 and oversized integer labels."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score

from routing_ml.routing import IntentClassifier
from routing_ml.routing.intent import (
    coverage_threshold,
    misroute_rate_at_coverage,
    recency_weights,
)

TEXTS = ["quiero renovar el dni", "cita para renovar el dni", "el dni esta caducado",
         "renovar dni urgente", "farola apagada en mi calle", "la farola esta rota",
         "calle sin luz por la noche", "farola fundida", "pagar el impuesto de circulacion",
         "recibo del ibi duplicado", "domiciliar los impuestos", "tasa cobrada dos veces"] * 3
LABELS = (["dni"] * 4 + ["alumbrado"] * 4 + ["impuestos"] * 4) * 3
QUEUES = {"dni": "citas", "alumbrado": "vias", "impuestos": "tributos"}


@pytest.fixture(scope="module")
def fitted() -> IntentClassifier:
    return IntentClassifier(intent_to_queue=QUEUES).fit(TEXTS, LABELS)


def test_a_failed_save_keeps_the_model_on_disk(fitted, tmp_path):
    path = fitted.save(tmp_path / "model.pkl")
    before = path.read_bytes()
    lam = defaultdict(lambda: "general", QUEUES)
    other = IntentClassifier(intent_to_queue=lam).fit(TEXTS, LABELS)
    with pytest.raises(ValueError, match=r"cannot be pickled.*left as it was.*plain dict"):
        other.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pkl"]  # no temporary left
    assert IntentClassifier.load(path).predict(["farola rota"])[0] == "alumbrado"


def test_no_out_of_fold_error_does_not_make_every_answer_certain(fitted):
    # every held-out text of this small set is right: the plain NLL drove the temperature
    # to ~0.007 and gibberish to confidence 1.0
    assert fitted.calibration_report_["oof_accuracy"] == 1.0
    assert fitted.temperature_ > 0.1
    model = IntentClassifier(abstain_threshold=0.9).fit(TEXTS, LABELS)
    for text in ("qwxz wkrpt", "my cat is sick", "¿a qué hora abre la piscina municipal?"):
        pred = model.predict_one(text)
        assert pred.confidence < 0.9 and pred.abstained, text


def test_a_fit_time_parameter_changed_after_fit_is_refused(fitted):
    model = IntentClassifier(intent_to_queue=QUEUES).fit(TEXTS, LABELS)
    model.set_params(char_weight=3.0)
    for call in (lambda: model.predict(["farola rota", "dni"]),
                 lambda: model.predict_one("farola rota"),
                 lambda: model.decision_function(["farola rota"])):
        with pytest.raises(ValueError, match=r"char_weight is 3.0 but the model was fitted "
                                             r"with 1.0.*Fix: fit again"):
            call()
    model.set_params(char_weight=1.0, abstain_threshold=0.5)  # back, and a free parameter
    np.testing.assert_array_equal(model.predict_proba(TEXTS[:5]), fitted.predict_proba(TEXTS[:5]))
    model.set_params(char_weight=3.0).fit(TEXTS, LABELS)  # refitted: its own parameters
    batch = model.decision_function(TEXTS[:6])
    single = np.vstack([model.decision_function([t]) for t in TEXTS[:6]])
    np.testing.assert_allclose(batch, single, atol=1e-10)


def test_binary_decision_function_is_one_dimensional_as_in_scikit_learn():
    texts, y = TEXTS[:8] * 4, ([1] * 4 + [0] * 4) * 4
    model = IntentClassifier(triage_label=-1).fit(texts, y)
    d = model.decision_function(texts[:3])
    assert d.shape == (3,)
    assert np.array_equal(d > 0, model.predict(texts[:3]) == model.classes_[1])
    assert model.decision_function(texts[:1]).shape == (1,)
    auc = cross_val_score(IntentClassifier(triage_label=-1), texts, y, cv=2, scoring="roc_auc")
    assert np.all(auc == 1.0)


def test_mappings_and_sets_of_texts_are_refused(fitted):
    with pytest.raises(ValueError, match=r"mapping.*keys.*list\(d.values\(\)\)"):
        fitted.predict({"c101": "farola apagada", "c102": "renovar dni"})
    with pytest.raises(ValueError, match="no order"):
        fitted.predict_language({"farola apagada", "renovar dni"})


def test_a_queue_map_changed_after_fit_names_the_missing_intent():
    model = IntentClassifier(intent_to_queue=QUEUES).fit(TEXTS, LABELS)
    model.set_params(intent_to_queue={"dni": "citas", "alumbrado": "vias"})
    for call in (lambda: model.predict_queue(["recibo del ibi duplicado"]),
                 lambda: model.predict_one("recibo del ibi duplicado")):
        with pytest.raises(ValueError, match=r"no queue for the intent 'impuestos'"):
            call()


def test_the_helpers_refuse_what_they_would_misread():
    with pytest.raises(ValueError, match=r"confidence\[0\] is nan"):
        coverage_threshold(np.array([np.nan, 0.5, 0.9]), 0.5)
    with pytest.raises(ValueError, match="correct must be booleans"):
        misroute_rate_at_coverage([0.9, 0.8, 0.3], ["yes", "no", "no"], 0.66)
    with pytest.raises(ValueError, match="shape"):
        misroute_rate_at_coverage([0.9, 0.8, 0.3], [True, False], 0.5)
    assert misroute_rate_at_coverage([0.9, 0.8, 0.3], [1, 0, 0], 0.66)[0] == 0.5
    with pytest.raises(ValueError, match=r"numbers.*unit='s'"):
        recency_weights(np.array([1704067200, 1706659200]), half_life_days=7)
    with pytest.raises(ValueError, match="reference is missing"):
        recency_weights(["2024-01-01"], half_life_days=7, reference=np.datetime64("NaT"))


def test_integer_labels_message_and_wide_integers():
    with pytest.raises(ValueError, match="triage_label=-1"):
        IntentClassifier(triage_label="x").fit(TEXTS, [LABELS.index(v) for v in LABELS])
    y = np.array(([10] * 4 + [20] * 4 + [30] * 4) * 3, dtype=np.uint64)
    model = IntentClassifier(triage_label=-1).fit(TEXTS, y)
    got = model.predict(["farola rota", ""])
    assert got.dtype.kind == "i" and got.tolist() == [20, -1]
    # the default triage label stands for -1 here too
    got = IntentClassifier().fit(TEXTS, y).predict(["farola rota", ""])
    assert got.dtype.kind == "i" and got.tolist() == [20, -1]
    assert model.score(["farola rota", ""], np.array([20, 10], dtype=np.uint64)) == 0.5
    with pytest.raises(ValueError, match="64-bit"):
        IntentClassifier(triage_label=-1).fit(TEXTS, [2 ** 64] * 18 + [1] * 18)


def test_a_failed_refit_keeps_the_parameter_check():
    model = IntentClassifier(C=1.0).fit(TEXTS, LABELS)
    model.set_params(C=5.0)
    with pytest.raises(ValueError, match="labels has 3"):
        model.fit(TEXTS, LABELS[:3])
    with pytest.raises(ValueError, match=r"C is 5.0 but the model was fitted with 1.0"):
        model.predict(["farola rota"])

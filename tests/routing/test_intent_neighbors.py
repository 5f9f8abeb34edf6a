"""The neighbour vote of the accurate mode: the nearest training texts vote for their
intents, mixed with the calibrated probabilities (IntentClassifier(neighbors=...))."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from intent_corpus import LABELS, PROBE, TEXTS

from routing_ml.routing.intent import (
    _NEIGHBOR_WEIGHT_GRID,
    IntentClassifier,
    _get_encoder,
    _neighbor_votes,
    _softmax,
)


def _votes_by_hand(sim: np.ndarray, labels: np.ndarray, k: int, tau: float,
                   n_classes: int) -> np.ndarray:
    out = np.zeros((len(sim), n_classes))
    for i, row in enumerate(sim):
        nearest = sorted(range(len(row)), key=lambda j: -row[j])[:k]
        for j in nearest:
            out[i, labels[j]] += np.exp((row[j] - row[nearest[0]]) / tau)
        out[i] /= out[i].sum()
    return out


@pytest.mark.parametrize("k", [1, 3, 7, 20])
def test_neighbor_votes_match_a_direct_count(k: int) -> None:
    rng = np.random.default_rng(k)
    sim = rng.uniform(-1, 1, size=(6, 9))
    labels = rng.integers(0, 4, size=9)
    got = _neighbor_votes(sim, labels, k, 0.1, 4)
    np.testing.assert_allclose(got, _votes_by_hand(sim, labels, k, 0.1, 4), atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1.0)


def test_minilm_encoder_gives_sentence_and_layer_blocks() -> None:
    enc = _get_encoder("minilm-int8")
    emb = enc.encode(TEXTS[:3])
    assert emb.shape == (3, enc.width) and enc.width == 2 * enc.dim
    np.testing.assert_allclose(np.linalg.norm(emb[:, : enc.dim], axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(emb[:, enc.dim :], axis=1), 1.0, atol=1e-9)
    assert not np.allclose(emb[:, : enc.dim], emb[:, enc.dim :])
    space = enc.neighbor_space(emb)
    assert space.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(space, axis=1), 1.0, atol=1e-6)


def test_fixed_weight_mixes_votes_and_calibrated_probabilities() -> None:
    clf = IntentClassifier(encoder="minilm", neighbors=3, neighbor_weight=0.4,
                           random_state=0).fit(TEXTS, LABELS)
    assert clf.neighbor_weight_ == 0.4
    assert clf.neighbor_vectors_.shape == (len(TEXTS), 768)
    probe = [t for t in PROBE if t]
    enc = _get_encoder(clf._encoder_key())
    space = enc.neighbor_space(enc.encode(probe))
    votes = _votes_by_hand(space @ clf.neighbor_vectors_.T, clf.neighbor_labels_, 3,
                           clf.neighbor_temperature, len(clf.classes_))
    linear = _softmax(clf.decision_function(probe) / clf.temperature_)
    proba = clf.predict_proba(probe)
    np.testing.assert_allclose(proba, 0.6 * linear + 0.4 * votes, atol=1e-9)
    assert not np.allclose(proba, linear, atol=1e-3)
    single = np.vstack([clf.predict_proba([t]) for t in PROBE])
    np.testing.assert_allclose(single, clf.predict_proba(PROBE), rtol=0, atol=1e-5)
    assert [clf.predict([t])[0] for t in PROBE] == clf.predict(PROBE).tolist()
    assert clf.predict_one(probe[0]).confidence == pytest.approx(proba[0].max(), abs=1e-5)


def test_vote_alone_returns_the_label_of_a_training_text() -> None:
    clf = IntentClassifier(encoder="minilm", neighbors=1, neighbor_weight=1.0,
                           random_state=0).fit(TEXTS, LABELS)
    assert clf.predict(TEXTS).tolist() == LABELS
    np.testing.assert_allclose(clf.predict_proba(TEXTS).max(axis=1), 1.0)


def test_auto_weight_is_chosen_out_of_fold_and_off_without_folds() -> None:
    clf = IntentClassifier(encoder="minilm", random_state=0).fit(TEXTS, LABELS)
    report = clf.calibration_report_
    assert report["neighbor_weight"] == clf.neighbor_weight_
    assert clf.neighbor_weight_ in _NEIGHBOR_WEIGHT_GRID
    assert report["oof_accuracy_with_neighbors"] >= report["oof_accuracy"]
    assert 0 <= report["oof_ece_with_neighbors"] <= 1 and report["oof_nll_with_neighbors"] > 0
    none = IntentClassifier(encoder="minilm", calibration="none").fit(TEXTS, LABELS)
    assert none.neighbor_weight_ == 0.0 and none.neighbor_vectors_ is None


def test_neighbors_zero_and_fast_mode_keep_no_vectors() -> None:
    off = IntentClassifier(encoder="minilm", neighbors=0, random_state=0).fit(TEXTS, LABELS)
    fast = IntentClassifier(random_state=0).fit(TEXTS, LABELS)
    for clf in (off, fast):
        assert clf.neighbor_weight_ == 0.0 and clf.neighbor_vectors_ is None
        np.testing.assert_allclose(
            clf.predict_proba(PROBE[:4]),
            _softmax(clf.decision_function(PROBE[:4]) / clf.temperature_), atol=1e-12)


def test_model_pickled_before_the_vote_keeps_its_answers() -> None:
    clf = IntentClassifier(encoder="minilm", neighbors=0, random_state=0).fit(TEXTS, LABELS)
    state = clf.__getstate__()
    for key in ("neighbors", "neighbor_weight", "neighbor_temperature", "neighbor_weight_",
                "neighbor_vectors_", "neighbor_labels_", "fitted_params_"):
        state.pop(key)
    old = IntentClassifier.__new__(IntentClassifier)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    assert old.neighbors == 0 and old.neighbor_weight_ == 0.0
    np.testing.assert_allclose(old.predict_proba(PROBE), clf.predict_proba(PROBE), atol=1e-12)


@pytest.mark.parametrize(("param", "value"), [
    ("neighbors", -1), ("neighbors", 2.5), ("neighbor_weight", 1.5),
    ("neighbor_weight", "always"), ("neighbor_weight", True), ("neighbor_temperature", 0.0)])
def test_bad_neighbor_parameters_raise(param: str, value: object) -> None:
    with pytest.raises(ValueError, match=param):
        IntentClassifier(encoder="minilm", **{param: value}).fit(TEXTS, LABELS)


def test_votes_in_blocks_equal_one_product() -> None:
    rng = np.random.default_rng(0)
    train = rng.normal(size=(20_000, 4)).astype(np.float32)
    texts = rng.normal(size=(2_500, 4)).astype(np.float32)
    labels = rng.integers(0, 3, size=20_000)
    clf = IntentClassifier(neighbors=5, neighbor_temperature=0.1)
    clf.classes_ = np.array(["a", "b", "c"])
    whole = _neighbor_votes(texts @ train.T, labels, 5, 0.1, 3)  # 2,500 rows in one go
    np.testing.assert_allclose(clf._votes(texts, train, labels), whole, atol=1e-12)

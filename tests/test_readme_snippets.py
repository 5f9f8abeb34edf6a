"""The README's Python snippets run as written, in order (a user copies them one after
another: the tracking snippet logs the router built by the routing snippet)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

README = Path(__file__).resolve().parents[1] / "README.md"


def _snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_snippets_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the tracking snippet writes mlflow.db here
    blocks = _snippets()
    assert len(blocks) >= 3, "the README lost its data-scientist / routing / tracking snippets"
    ns: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - the README's own code
    # what the snippets promise in their comments
    assert {"unique_id", "ds", "yhat", "yhat_lo_80", "yhat_hi_95"} <= set(ns["forecast"].columns)
    assert ns["decision"].agent_id is not None and ns["decision"].reason.startswith("predicted_best")
    out = ns["service_model"].predict(ns["contacts_frame"])
    assert isinstance(out, pd.DataFrame) and list(out["agent_id"]) == [ns["decision"].agent_id]

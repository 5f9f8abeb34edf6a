"""Calibration report of the synthetic contact center (``make_contact_center``).

Generates a center, then measures from the generated data what the contract promises:
the agent variance components of log handle time (moment estimates from the interaction
log, next to the same estimator on the real 1999 bank log and the ground-truth
parameters), the agent spread of resolution, the language and channel mixes, the share
of repeats and abandonment, the correlation of the listed proficiency with the true
agent x skill speed, a TF-IDF + logistic-regression intent accuracy, and the generation
time of the two reference sizes. Writes ``experiments/results/generator_calibration.md``
(and ``.json``).

Run from the repo root: ``.venv/bin/python experiments/check_generator.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _results import write_result  # noqa: E402

from routing_ml.datasets import load_anonymous_bank  # noqa: E402
from routing_ml.datasets.synthetic import (  # noqa: E402
    ContactCenter,
    estimate_agent_effects,
    make_contact_center,
)


def intent_accuracy(contacts: pd.DataFrame, seed: int = 0) -> tuple[float, float, int]:
    """TF-IDF (word 1-2 grams + char 2-5 grams) + LogisticRegression, 80/20 split."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    first = contacts[~contacts["is_repeat"]]
    x_tr, x_te, y_tr, y_te = train_test_split(first["text"], first["intent"], test_size=0.2,
                                              random_state=seed, stratify=first["intent"])
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3,
                           sublinear_tf=True, max_features=100_000)
    xtr = hstack([word.fit_transform(x_tr), char.fit_transform(x_tr)]).tocsr()
    xte = hstack([word.transform(x_te), char.transform(x_te)]).tocsr()
    clf = LogisticRegression(C=5.0, max_iter=300).fit(xtr, y_tr)
    pred = clf.predict(xte)
    acc = float((pred == y_te.to_numpy()).mean())
    # word-only baseline (what a naive keyword model gets)
    w2 = TfidfVectorizer(min_df=2).fit(x_tr)
    acc_w = float((LogisticRegression(max_iter=300).fit(w2.transform(x_tr), y_tr)
                   .predict(w2.transform(x_te)) == y_te.to_numpy()).mean())
    return acc, acc_w, len(x_te)


def main() -> None:
    t0 = time.perf_counter()
    cc = make_contact_center(seed=0, days=28, daily_contacts=2000, n_agents=60)
    gen_s = time.perf_counter() - t0
    gt = cc.ground_truth
    est = estimate_agent_effects(cc.interactions)
    bank = load_anonymous_bank()
    bank = bank[bank["served"] & (bank["ser_time"] > 0) & bank["server"].ne("NO_SERVER")].copy()
    bank_est = estimate_agent_effects(bank, agent_col="server", intent_col="type",
                                      handle_col="ser_time", fixed_cols=("type",),
                                      resolved_col=None)
    # ground-truth resolution spread over the agents, on the observed contact mix
    inter = cc.interactions
    i_idx = gt.intent_index(inter["intent"].to_numpy())
    c_idx = gt.channel_index(inter["channel"].to_numpy())
    p_all = gt.resolution_probability(np.arange(len(gt.agent_ids))[:, None], i_idx[None, :],
                                      c_idx[None, :], True).mean(axis=1)
    gt_spread = float((np.quantile(p_all, 0.9) - np.quantile(p_all, 0.1)) / 2)
    # proficiency vs true speed
    rows = []
    for a, sk in enumerate(cc.agents["skills"]):
        for s, lvl in sk.items():
            ints = np.flatnonzero(np.array(gt.skills)[gt.intent_skill] == s)
            rows.append((lvl, gt.agent_effect[a] + gt.agent_intent_effect[a, ints].mean()))
    prof = np.array(rows)
    prof_corr = float(np.corrcoef(prof[:, 0], prof[:, 1])[0, 1])
    acc, acc_w, n_test = intent_accuracy(cc.contacts)
    c = cc.contacts
    lang = c.loc[~c["is_repeat"], "language"].value_counts(normalize=True).reindex(gt.languages).fillna(0)
    chan = c.loc[~c["is_repeat"], "channel"].value_counts(normalize=True).reindex(
        gt.channels).fillna(0)
    first = c[~c["is_repeat"]]
    rep = c[c["is_repeat"]]
    par = c.set_index("contact_id").loc[rep["parent_contact_id"].astype("int64").to_numpy()]
    switch = float((par["channel"].to_numpy() != rep["channel"].to_numpy()).mean())
    # timings of the reference sizes: median of 3 runs each (the machine is shared)
    def timed(**kw: object) -> tuple[float, ContactCenter]:
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            out = make_contact_center(**kw)
            runs.append(time.perf_counter() - t)
        return float(np.median(runs)), out

    small_s, _ = timed(days=2)
    big_s, big = timed(days=1, daily_contacts=20000, n_agents=150)
    # anchor: a pandas groupby of the big center's contacts (median of 3)
    anchor = []
    for _ in range(3):
        t3 = time.perf_counter()
        big.contacts.groupby(["queue", big.contacts["ts"].dt.floor("30min")]).size()
        anchor.append(time.perf_counter() - t3)
    anchor_s = float(np.median(anchor))

    def row(name: str, target: str, value: float, ok: bool) -> str:
        return f"| {name} | {target} | {value:.3f} | {'yes' if ok else 'NO'} |"

    lines = [
        "Center: seed 0, 28 days from 2024-01-08 (Madrid holidays), 2000 first contacts per "
        f"weekday, 60 agents. {len(c)} contacts ({len(rep)} repeats), "
        f"{len(inter)} interactions. Generated in {gen_s:.2f} s.",
        "",
        "## Agent effects (log handle seconds)",
        "",
        "| figure | target | measured | within tolerance |",
        "|---|---|---|---|",
        row("agent SD, estimated from the log", "0.35 ± 0.08", est["agent_sd"],
            abs(est["agent_sd"] - 0.35) < 0.08),
        row("agent×intent SD, estimated from the log", "0.25 ± 0.08", est["agent_intent_sd"],
            abs(est["agent_intent_sd"] - 0.25) < 0.08),
        row("residual SD, estimated from the log", "1.0 ± 0.05", est["residual_sd"],
            abs(est["residual_sd"] - 1.0) < 0.05),
        row("agent SD, ground truth parameters", "0.35", float(gt.agent_effect.std()), True),
        row("agent×intent SD, ground truth parameters", "0.25",
            float(gt.agent_intent_effect.std()), True),
        row("resolution spread (10–90 % half-width), log", "≈ 0.10",
            est["resolution_spread"], abs(est["resolution_spread"] - 0.10) < 0.04),
        row("resolution spread, ground truth", "≈ 0.10", gt_spread, abs(gt_spread - 0.10) < 0.04),
        row("corr(proficiency, true agent×skill log handle)", "negative, ≈ −0.5", prof_corr,
            -0.7 < prof_corr < -0.3),
        "",
        "Same estimator on the real February 1999 bank log (served calls, 24 named agents, "
        f"fixed effect = call type): agent SD {bank_est['agent_sd']:.3f}, agent×type SD "
        f"{bank_est['agent_intent_sd']:.3f}, residual SD {bank_est['residual_sd']:.3f} "
        f"({int(bank_est['n_contacts'])} calls).",
        "",
        "## Mixes",
        "",
        "| language (first contacts) | expected | measured |",
        "|---|---|---|",
        *[f"| {k} | {cc.params['expected_language_mix'][k]:.3f} | {lang[k]:.3f} |"
          for k in gt.languages],
        "",
        "| channel (first contacts) | expected | measured |",
        "|---|---|---|",
        *[f"| {k} | {cc.params['expected_channel_mix'][k]:.3f} | {chan[k]:.3f} |"
          for k in gt.channels],
        "",
        f"- repeats: {len(rep) / len(c):.3f} of contacts; channel switch on repeat: "
        f"{switch:.3f}",
        f"- abandoned: {c['abandoned'].mean():.3f}; answered: {c['answered'].mean():.3f}; "
        f"still waiting at the end: {(~c['abandoned'] & ~c['answered']).mean():.3f}",
        f"- first-contact resolution in the log: {inter['resolved'].mean():.3f}; "
        f"language match: {inter['language_match'].mean():.3f}",
        f"- first contacts per open weekday: "
        f"{first.groupby(first['ts'].dt.date).size().median():.0f} (median)",
        "",
        "## Intent detection",
        "",
        "| figure | target | measured | within tolerance |",
        "|---|---|---|---|",
        row("TF-IDF (word + char) + LogisticRegression accuracy", "0.85–0.95", acc,
            0.85 <= acc <= 0.95),
        row("word-unigram TF-IDF + LogisticRegression accuracy", "below the above", acc_w,
            acc_w <= acc + 0.01),
        f"\n({n_test} held-out first contacts, 19 intents, stratified 80/20 split.)",
        "",
        "## Generation time (median of 3 runs)",
        "",
        f"- `make_contact_center(days=2)`: {small_s:.2f} s (goal ≤ ~2 s)",
        f"- `make_contact_center(days=1, daily_contacts=20000, n_agents=150)`: {big_s:.2f} s "
        f"(goal ≤ ~10 s); {len(big.contacts)} contacts",
        f"- anchor (pandas groupby of that center's contacts by queue × 30 min): "
        f"{anchor_s * 1000:.1f} ms; ratio {big_s / anchor_s:.0f}×",
    ]
    data = {"estimate_log": est, "estimate_bank_1999": bank_est, "gt_resolution_spread": gt_spread,
            "proficiency_corr": prof_corr, "intent_accuracy": acc,
            "intent_accuracy_word": acc_w, "language_mix": lang.to_dict(),
            "channel_mix": chan.to_dict(), "seconds_days2": small_s,
            "seconds_benchmark": big_s, "seconds_28days": gen_s, "anchor_seconds": anchor_s}
    path = write_result("generator_calibration", "\n".join(lines), data)
    print(path.read_text())


if __name__ == "__main__":
    main()

"""Quality of the PairOutcomeModel: ground truth of the synthetic center and the 1999 bank log.

Run from the repo root: ``.venv/bin/python experiments/pair_model_eval.py [--quick] [--track]``.

1. Synthetic center (``make_contact_center``, 28 days, 60 agents): fit on the interaction
   log of days 1–21 (produced by skill-qualified longest-idle routing, so the history is
   realistically confounded), evaluate on first contacts of days 22–28:
   - ranking of the qualified agents of each contact by expected value
     ``P(resolved) - lambda * E[handle seconds]`` against the true expected value of the
     generator: Spearman correlation, NDCG@3, and the regret of the top-ranked agent (true
     EV of the best qualified agent minus true EV of the chosen one); compared with the
     listed proficiency (what SkillBased uses), shrunk agent × intent cell means of the
     training log, and a random choice;
   - calibration of P(resolved) on the held-out interactions: Brier score, expected
     calibration error (10 bins), reliability table, and the mean absolute error against
     the true probability; R² of log handle time against the ceiling set by the true mean.
2. February 1999 bank log (``load_anonymous_bank``): out-of-sample R² of log handle time
   by agent × call type, fit on days 1–14, tested on days 15–28; compared with call type
   alone, type + agent (additive least squares) and shrunk agent × type cell means.
   Goal: the pair model >= 0.13.
3. (between the two) The policies end to end: ``routing_ml.simulation.compare_policies``
   replays held-out weekdays of the synthetic center with the true outcome model.

``--track`` logs parameters, metrics and the router bundle through ``routing_ml.tracking``
(MLflow; store ``sqlite:///mlflow.db`` unless ``MLFLOW_TRACKING_URI`` is set).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _results import write_result  # noqa: E402

from routing_ml.routing import AgentPool, Contact, PairOutcomeModel  # noqa: E402

QUICK = "--quick" in sys.argv
TRACK = "--track" in sys.argv
LAMBDA = 1.0 / 1200.0
SHRINK = 10.0


def ndcg_at(k: int, true_ev: np.ndarray, score: np.ndarray) -> float:
    rel = true_ev - true_ev.min()
    if rel.max() <= 0:
        return 1.0
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    top = np.argsort(-score, kind="stable")[:k]
    ideal = np.sort(rel)[::-1][:k]
    return float((rel[top] * disc[:len(top)]).sum() / (ideal * disc[:len(ideal)]).sum())


def shrunk_cells(train: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    y = np.log(train["handle_seconds"])
    t = train.assign(y=y, r=train["resolved"].astype(float))
    mu_i = t.groupby("intent")["y"].mean()
    r_i = t.groupby("intent")["r"].mean()
    g = t.groupby(["agent_id", "intent"]).agg(n=("y", "size"), sy=("y", "sum"), sr=("r", "sum"))
    intents = g.index.get_level_values(1)
    cell_y = (g["sy"] + SHRINK * mu_i.reindex(intents).to_numpy()) / (g["n"] + SHRINK)
    cell_r = (g["sr"] + SHRINK * r_i.reindex(intents).to_numpy()) / (g["n"] + SHRINK)
    return cell_y, cell_r, mu_i, r_i


def synthetic_part() -> dict:
    from scipy.stats import spearmanr

    from routing_ml.datasets.synthetic import make_contact_center

    days = 14 if QUICK else 28
    cc = make_contact_center(seed=0, days=days, daily_contacts=2000, n_agents=60)
    gt = cc.ground_truth
    split = pd.Timestamp(cc.interactions["ts"].min().normalize()) + pd.Timedelta(
        days=int(days * 0.75))
    train = cc.interactions[cc.interactions["ts"] < split]
    test_log = cc.interactions[cc.interactions["ts"] >= split]
    t0 = time.perf_counter()
    model = PairOutcomeModel(random_state=0).fit(train, cc.agents)
    fit_seconds = time.perf_counter() - t0
    pool = AgentPool.from_agents(cc.agents)
    agent_gt = gt.agent_index(list(pool.agent_ids))
    cell_y, cell_r, mu_i, r_i = shrunk_cells(train)
    sig_train = float(np.std(np.log(train["handle_seconds"])
                             - mu_i.reindex(train["intent"]).to_numpy()))

    firsts = cc.contacts[(cc.contacts["ts"] >= split) & ~cc.contacts["is_repeat"]]
    firsts = firsts.sample(n=min(len(firsts), 600 if QUICK else 1500), random_state=0)
    rng = np.random.default_rng(0)
    res: dict[str, list[float]] = {k: [] for k in (
        "spearman_model", "spearman_cells", "spearman_proficiency",
        "ndcg3_model", "ndcg3_cells", "ndcg3_proficiency", "ndcg3_random",
        "regret_model", "regret_cells", "regret_proficiency", "regret_random",
        "candidates")}
    for x in firsts.itertuples():
        ch = pool.channel_index(x.channel)
        s = pool.skill_index(x.skill)
        cand = (pool.capacity[:, ch] > 0) & (pool.skills[:, s] > 0) if s >= 0 else \
            pool.capacity[:, ch] > 0
        idx = np.flatnonzero(cand)
        if len(idx) < 3:
            continue
        ag = agent_gt[idx]
        it = gt.intent_index(x.intent)
        chg = gt.channel_index(x.channel)
        lm = gt.language_match(ag, gt.language_index(x.language))
        true_ev = gt.resolution_probability(ag, it, chg, lm) - LAMBDA * \
            gt.expected_handle_seconds(ag, it, chg, lm)
        c = Contact(int(x.contact_id), x.channel, 0.0, intent=x.intent, skill=x.skill,
                    language=x.language, priority=int(x.priority))
        p, h = model.expected_outcomes(c, pool)
        ev_model = (p - LAMBDA * h)[idx]
        keys = pd.MultiIndex.from_arrays([pool.agent_ids[idx].astype(str),
                                          np.repeat(x.intent, len(idx))])
        cy = cell_y.reindex(keys).fillna(mu_i.get(x.intent, np.nan)).to_numpy()
        cr = cell_r.reindex(keys).fillna(r_i.get(x.intent, np.nan)).to_numpy()
        ev_cells = cr - LAMBDA * np.exp(cy + 0.5 * sig_train ** 2)
        prof = pool.skills[idx, s].astype(float) if s >= 0 else np.zeros(len(idx))
        prof_tb = prof + 1e-6 * rng.random(len(idx))  # random tie-break
        best = true_ev.max()
        for name, sc in (("model", ev_model), ("cells", ev_cells),
                         ("proficiency", prof_tb)):
            if name != "proficiency" or prof.std() > 0:
                res[f"spearman_{name}"].append(float(spearmanr(sc, true_ev)[0]))
            res[f"ndcg3_{name}"].append(ndcg_at(3, true_ev, sc))
            res[f"regret_{name}"].append(float(best - true_ev[int(np.argmax(sc))]))
        res["ndcg3_random"].append(ndcg_at(3, true_ev, rng.random(len(idx))))
        res["regret_random"].append(float(best - true_ev.mean()))
        res["candidates"].append(len(idx))
    ranking = {k: float(np.nanmean(v)) for k, v in res.items()}
    ranking["contacts"] = len(res["candidates"])

    # calibration and handle-time fit on held-out interactions
    pred = model.predict(test_log)
    ag = gt.agent_index(test_log["agent_id"].to_numpy())
    it = gt.intent_index(test_log["intent"].to_numpy())
    chg = gt.channel_index(test_log["channel"].to_numpy())
    lm = gt.language_match(ag, gt.language_index(test_log["language"].to_numpy()))
    p_true = gt.resolution_probability(ag, it, chg, lm)
    mu_true = gt.log_handle_mean(ag, it, chg, lm)
    y = test_log["resolved"].to_numpy(dtype=float)
    p = pred["p_resolved"].to_numpy()
    bins = np.clip((p * 10).astype(int), 0, 9)
    table = pd.DataFrame({"bin": bins, "p": p, "y": y, "p_true": p_true}).groupby("bin").agg(
        n=("y", "size"), mean_predicted=("p", "mean"), observed=("y", "mean"),
        mean_true_p=("p_true", "mean"))
    ece = float((table["n"] * (table["mean_predicted"] - table["observed"]).abs()).sum()
                / table["n"].sum())
    ly = np.log(test_log["handle_seconds"].to_numpy())
    sst = ((ly - ly.mean()) ** 2).sum()
    cal = {
        "brier_model": float(np.mean((p - y) ** 2)),
        "brier_true_probability": float(np.mean((p_true - y) ** 2)),
        "brier_base_rate": float(np.mean((y.mean() - y) ** 2)),
        "ece_model": ece,
        "mae_vs_true_probability": float(np.mean(np.abs(p - p_true))),
        "r2_log_handle_model": float(1 - ((ly - pred["log_handle_seconds"]) ** 2).sum() / sst),
        "r2_log_handle_ceiling_true_mean": float(1 - ((ly - mu_true) ** 2).sum() / sst),
        "test_interactions": len(test_log), "train_interactions": len(train),
        "fit_seconds": fit_seconds,
    }
    return {"ranking": ranking, "calibration": cal, "reliability": table.reset_index(),
            "model": model, "cc": cc, "split": split}


SIM_METRICS = ("fcr", "aht_seconds", "service_level", "asa_seconds", "abandon_rate_realtime",
               "repeats_generated", "occupancy_gini", "holdouts")


def simulation_part(syn: dict) -> dict:
    """The policies on held-out weekdays, paired replications, true outcomes."""
    from routing_ml.routing import BatchAssignment, LongestIdleAgent, Predictive, SkillBased
    from routing_ml.simulation import compare_policies

    cc, model = syn["cc"], syn["model"]
    start = syn["split"]
    days = pd.Timestamp(start) + pd.to_timedelta(np.arange(7), unit="D")
    weekdays = [d for d in days if d.dayofweek < 5][:1 if QUICK else 2]
    end = weekdays[-1] + pd.Timedelta(days=1)
    c = cc.contacts
    arrivals = c[(c["ts"] >= weekdays[0]) & (c["ts"] < end) & ~c["is_repeat"]]
    policies = {
        "longest_idle": LongestIdleAgent(),
        "skill_based": SkillBased(),
        "predictive": Predictive(model, lambda_per_second=LAMBDA),
        "batch_assignment": BatchAssignment(model, lambda_per_second=LAMBDA),
    }
    t0 = time.perf_counter()
    res = compare_policies(policies, arrivals, cc.agents, cc.shifts,
                           outcomes=cc.ground_truth, n_replications=2 if QUICK else 3,
                           seed=0)
    summary = res.summary[res.summary["metric"].isin(SIM_METRICS)]
    diffs = res.differences[res.differences["metric"].isin(SIM_METRICS)]
    return {"summary": summary, "differences": diffs, "arrivals": len(arrivals),
            "days": [str(d.date()) for d in weekdays],
            "seconds": time.perf_counter() - t0}


def bank_part() -> dict:
    from routing_ml.datasets import load_anonymous_bank

    df = load_anonymous_bank()
    d = df[df["served"] & (df["ser_time"] > 0) & df["agent_id"].notna()].copy()
    log = pd.DataFrame({
        "agent_id": d["agent_id"], "intent": d["type"].astype(str),
        "handle_seconds": d["ser_time"], "ts": d["vru_entry"].fillna(d["ser_start"]),
        "start": d["ser_start"], "priority": d["priority"],
        "customer_id": d["customer_id"].fillna(0), "day": d["date"].dt.day,
    })
    train = log[log["day"] <= 14]
    test = log[(log["day"] >= 15) & (log["day"] <= 28)]
    y_tr, y = np.log(train["handle_seconds"]), np.log(test["handle_seconds"])
    sst = ((y - y.mean()) ** 2).sum()

    def r2(pred: np.ndarray) -> float:
        return float(1 - ((y - pred) ** 2).sum() / sst)

    type_mean = y_tr.groupby(train["intent"]).mean()
    p_type = test["intent"].map(type_mean).to_numpy()
    # type + agent, additive least squares with dummies
    cats_t = sorted(log["intent"].unique())
    cats_a = sorted(train["agent_id"].unique())

    def design(frame: pd.DataFrame) -> np.ndarray:
        t = pd.Categorical(frame["intent"], categories=cats_t)
        a = pd.Categorical(frame["agent_id"], categories=cats_a)
        return np.hstack([pd.get_dummies(t).to_numpy(float),
                          pd.get_dummies(a).to_numpy(float)[:, 1:]])

    beta = np.linalg.lstsq(design(train), y_tr.to_numpy(), rcond=None)[0]
    p_add = design(test) @ beta
    g = train.assign(y=y_tr).groupby(["agent_id", "intent"])["y"].agg(["sum", "count"])
    cell = (g["sum"] + SHRINK * type_mean.reindex(g.index.get_level_values(1)).to_numpy()) / (
        g["count"] + SHRINK)
    key = pd.MultiIndex.from_arrays([test["agent_id"], test["intent"]])
    p_cell = pd.Series(cell.reindex(key).to_numpy(), index=test.index).fillna(
        pd.Series(p_type, index=test.index)).to_numpy()
    t0 = time.perf_counter()
    model = PairOutcomeModel(random_state=0).fit(train.drop(columns="day"))
    fit_seconds = time.perf_counter() - t0
    p_model = model.predict(test.drop(columns="day"))["log_handle_seconds"].to_numpy()
    return {
        "r2_type": r2(p_type), "r2_type_agent": r2(p_add),
        "r2_shrunk_cells": r2(p_cell), "r2_pair_model": r2(p_model),
        "train_calls": len(train), "test_calls": len(test), "fit_seconds": fit_seconds,
    }


def main() -> None:
    t0 = time.perf_counter()
    syn = synthetic_part()
    sim = simulation_part(syn)
    bank = bank_part()
    rk, cal = syn["ranking"], syn["calibration"]
    goals = {"bank_r2_pair_model>=0.13": bank["r2_pair_model"] >= 0.13}
    rel = syn["reliability"]
    piv = sim["summary"].pivot(index="metric", columns="policy", values="mean")
    piv = piv.reindex([m for m in SIM_METRICS if m in piv.index])
    sim_table = "| metric | " + " | ".join(piv.columns) + " |\n|---|" + "---|" * len(
        piv.columns) + "\n" + "\n".join(
        f"| {m} | " + " | ".join(f"{v:.4g}" for v in piv.loc[m]) + " |" for m in piv.index)
    d = sim["differences"]
    d = d[d["baseline"] == "longest_idle"]
    diff_table = "| policy | metric | difference | 95 % CI |\n|---|---|---|---|\n" + "\n".join(
        f"| {r.policy} | {r.metric} | {r.mean_difference:.4g} | "
        f"[{r.ci_low:.4g}, {r.ci_high:.4g}] |"
        for r in d.itertuples() if r.metric in ("fcr", "aht_seconds", "service_level",
                                                "repeats_generated"))
    rel_md = "\n".join(
        f"| {int(r.bin) / 10:.1f}–{(int(r.bin) + 1) / 10:.1f} | {int(r.n)} | "
        f"{r.mean_predicted:.3f} | {r.observed:.3f} | {r.mean_true_p:.3f} |"
        for r in rel.itertuples())
    md = f"""
## 1. Synthetic center (ground truth), lambda = 1/1200 per second

Fit on the log of the first 75 % of days ({cal['train_interactions']} interactions, routed by
longest-idle among qualified agents), {rk['contacts']:.0f} held-out first contacts, on
average {rk['candidates']:.1f} qualified agents each. True EV = true P(resolved) − λ × true
E[handle seconds].

| ranking of qualified agents | Spearman vs true EV | NDCG@3 | regret of top pick (EV units) |
|---|---|---|---|
| PairOutcomeModel | {rk['spearman_model']:.3f} | {rk['ndcg3_model']:.3f} | {rk['regret_model']:.4f} |
| shrunk agent × intent cells | {rk['spearman_cells']:.3f} | {rk['ndcg3_cells']:.3f} | {rk['regret_cells']:.4f} |
| listed proficiency (SkillBased) | {rk['spearman_proficiency']:.3f} | {rk['ndcg3_proficiency']:.3f} | {rk['regret_proficiency']:.4f} |
| random qualified agent | 0 | {rk['ndcg3_random']:.3f} | {rk['regret_random']:.4f} |

Calibration of P(resolved) on {cal['test_interactions']} held-out interactions: Brier
{cal['brier_model']:.4f} (true probabilities {cal['brier_true_probability']:.4f}, base rate
{cal['brier_base_rate']:.4f}), ECE {cal['ece_model']:.4f}, mean |p − true p|
{cal['mae_vs_true_probability']:.4f}. R² of log handle time {cal['r2_log_handle_model']:.3f}
(ceiling with the true mean {cal['r2_log_handle_ceiling_true_mean']:.3f}).

| predicted | n | mean predicted | observed | mean true p |
|---|---|---|---|---|
{rel_md}

## 2. The policies in simulation (held-out weekdays {', '.join(sim['days'])})

{sim['arrivals']} first contacts replayed by ``compare_policies`` with the generator's true
outcome model (repeats generated by the policy's own failures), paired replications;
PairOutcomeModel fit on the earlier log. Mean over replications:

{sim_table}

Paired differences against longest-idle (mean [95 % CI]):

{diff_table}

## 3. February 1999 bank log: R² of log handle time, days 1–14 → 15–28

| model | out-of-sample R² |
|---|---|
| call type alone | {bank['r2_type']:.4f} |
| type + agent (additive) | {bank['r2_type_agent']:.4f} |
| shrunk agent × type cell means (k = {SHRINK:.0f}) | {bank['r2_shrunk_cells']:.4f} |
| PairOutcomeModel | {bank['r2_pair_model']:.4f} |

{bank['train_calls']} training calls, {bank['test_calls']} test calls. Goal (pair model
>= 0.13): {'met' if goals['bank_r2_pair_model>=0.13'] else 'MISSED'}.
"""
    data = {"ranking": rk, "calibration": cal, "bank": bank, "goals": goals,
            "simulation": {"summary": sim["summary"].to_dict("records"),
                           "differences": sim["differences"].to_dict("records"),
                           "arrivals": sim["arrivals"], "days": sim["days"],
                           "seconds": sim["seconds"]},
            "reliability": rel.to_dict("records"), "quick": QUICK,
            "total_seconds": time.perf_counter() - t0}
    write_result("pair_model_eval_quick" if QUICK else "pair_model_eval", md, data)
    print(md)
    if TRACK:
        track(syn, bank)


def track(syn: dict, bank: dict) -> None:
    """Log params, metrics and the router bundle (optional, MLflow)."""
    from routing_ml import tracking
    from routing_ml.routing import Router

    cc, model = syn["cc"], syn["model"]
    skills = dict(zip(cc.intents["intent"], cc.intents["skill"], strict=True))
    router = Router(cc.agents, pair_model=model, intent_skills=skills)
    example = cc.contacts[["contact_id", "channel", "intent", "skill", "language",
                           "priority"]].head(5)
    with tracking.start_run("routing", run_name="pair_model_eval"):
        tracking.log_params({"pair_model": model.get_params(), "lambda_per_second": LAMBDA,
                             "quick": QUICK})
        tracking.log_metrics({**{f"synthetic_{k}": v for k, v in syn["ranking"].items()},
                              **{f"synthetic_{k}": v for k, v in syn["calibration"].items()},
                              **{f"bank_{k}": v for k, v in bank.items()}})
        tracking.log_model(router, "router", input_example=example)


if __name__ == "__main__":
    main()

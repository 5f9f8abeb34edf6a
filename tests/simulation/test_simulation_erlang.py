"""Validation against queueing theory: M/M/c (Erlang C) and M/M/c+M (Erlang A).

The theory is computed here, independently of the simulator: Erlang C from the textbook
formula, Erlang A from the birth-death chain of the number in system (stationary law,
PASTA) and the tagged customer's absorbing chain (position in queue → served / abandoned)
solved with a matrix exponential. The simulated estimates (first hour dropped as warm-up)
must contain the theory in their 95 % confidence interval over replications.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import linalg, stats

from routing_ml.simulation import simulate

AHT = 180.0
AGENTS = 10
OFFERED = 8.5  # erlangs
LAM = OFFERED / AHT  # per second
HOURS = 10
WARMUP = 3600.0
T_ANSWER = 20.0
REPS = 16


def erlang_c_wait_probability(a: float, c: int) -> float:
    """P(wait > 0) of M/M/c, textbook formula (sum form, fine for c = 10)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def erlang_a(lam: float, mu: float, theta: float, c: int, t: float, k_max: int = 400):
    """(P(abandon), P(answered within t)) of M/M/c+M."""
    death = np.array([min(k, c) * mu + max(k - c, 0) * theta for k in range(1, k_max + 1)])
    logp = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(death))])
    pi = np.exp(logp - logp.max())
    pi /= pi.sum()
    ks = np.arange(k_max + 1)
    p_ab = float((pi * np.maximum(ks - c, 0) * theta).sum() / lam)
    # tagged customer with m = k - c ahead; transient states m = 0..M, then served, abandoned
    m_max = k_max - c
    n = m_max + 1
    q = np.zeros((n + 2, n + 2))
    for m in range(n):
        if m > 0:
            q[m, m - 1] = c * mu + m * theta
        else:
            q[m, n] = c * mu
        q[m, n + 1] = theta
        q[m, m] = -q[m].sum()
    start = np.zeros(n + 2)
    start[:n] = pi[c:c + n]
    p = start @ linalg.expm(q * t)
    p_within = float(pi[:c].sum() + p[n])
    return p_ab, p_within


def _forecast() -> pd.DataFrame:
    ds = pd.date_range("2024-01-01", periods=HOURS * 2, freq="30min")
    return pd.DataFrame({"unique_id": "voice:q", "ds": ds, "yhat": LAM * 1800.0})


def _agents() -> pd.DataFrame:
    return pd.DataFrame({"agent_id": [f"A{i}" for i in range(AGENTS)],
                         "skills": [{"q": 1}] * AGENTS, "channels": [("voice",)] * AGENTS})


def _replicate(patience: float | None) -> pd.DataFrame:
    rows = []
    for r in range(REPS):
        res = simulate(_forecast(), _agents(), aht_seconds=AHT, patience_seconds=patience,
                       answer_seconds=T_ANSWER, seed=1000 + r)
        assert res.conservation_holds()
        c = res.contacts.loc[res.contacts["arrival_seconds"] >= WARMUP]
        done = res.contacts["answered"] | res.contacts["abandoned"]
        # the summary's Erlang A ASA is the mean wait of the answered and abandoned
        assert res.summary["asa_offered_seconds"] == pytest.approx(
            res.contacts.loc[done, "wait_seconds"].mean())
        rows.append({
            "sl": c["answered_within_target"].mean(),
            "asa": c.loc[c["answered"], "wait_seconds"].mean(),
            "wait_all": c["wait_seconds"].where(c["answered"], 0.0).mean(),
            "abandon": c["abandoned"].mean(),
            "wait_done": c.loc[c["answered"] | c["abandoned"], "wait_seconds"].mean(),
            "aht": c.loc[c["answered"], "handle_seconds"].mean(),
        })
    return pd.DataFrame(rows)


def _ci(x: pd.Series) -> tuple[float, float]:
    m, s, n = x.mean(), x.std(ddof=1), len(x)
    h = stats.t.ppf(0.975, n - 1) * s / math.sqrt(n)
    return m - h, m + h


@pytest.fixture(scope="module")
def erlang_c_runs() -> pd.DataFrame:
    return _replicate(None)


def test_simulation_erlang_c_service_level_and_asa(erlang_c_runs):
    pw = erlang_c_wait_probability(OFFERED, AGENTS)
    gap = AGENTS / AHT - LAM
    sl_theory = 1.0 - pw * math.exp(-gap * T_ANSWER)
    asa_theory = pw / gap  # mean wait over all callers (Erlang C "ASA")
    lo, hi = _ci(erlang_c_runs["sl"])
    assert lo <= sl_theory <= hi, (sl_theory, lo, hi)
    lo, hi = _ci(erlang_c_runs["wait_all"])
    assert lo <= asa_theory <= hi, (asa_theory, lo, hi)
    # without abandonment every caller is answered: ASA over answered = over all
    np.testing.assert_allclose(erlang_c_runs["asa"], erlang_c_runs["wait_all"])
    assert erlang_c_runs["abandon"].eq(0).all()
    lo, hi = _ci(erlang_c_runs["aht"])
    assert lo <= AHT <= hi


def test_simulation_erlang_a_abandonment_and_service_level():
    patience = 120.0
    runs = _replicate(patience)
    p_ab, p_within = erlang_a(LAM, 1.0 / AHT, 1.0 / patience, AGENTS, T_ANSWER)
    lo, hi = _ci(runs["abandon"])
    assert lo <= p_ab <= hi, (p_ab, lo, hi)
    lo, hi = _ci(runs["sl"])
    assert lo <= p_within <= hi, (p_within, lo, hi)
    # the ASA staffing caps (max_asa_seconds): Erlang A's mean time in queue of every
    # offered caller, the abandoned ones' too, is what asa_offered_seconds measures
    from routing_ml.queueing import erlang_a as library_erlang_a

    asa = float(library_erlang_a(OFFERED, AGENTS, AHT, patience, T_ANSWER).asa_seconds)
    lo, hi = _ci(runs["wait_done"])
    assert lo <= asa <= hi, (asa, lo, hi)
    # and abandonment really changes things: Erlang C's SL is clearly lower
    pw = erlang_c_wait_probability(OFFERED, AGENTS)
    assert p_within > 1.0 - pw * math.exp(-(AGENTS / AHT - LAM) * T_ANSWER) + 0.03


def test_simulation_erlang_a_formula_reduces_to_erlang_c():
    # the independent Erlang A helper with almost no abandonment gives Erlang C
    p_ab, p_within = erlang_a(LAM, 1.0 / AHT, 1e-9, AGENTS, T_ANSWER)
    pw = erlang_c_wait_probability(OFFERED, AGENTS)
    assert p_ab < 1e-6
    np.testing.assert_allclose(p_within, 1 - pw * math.exp(-(AGENTS / AHT - LAM) * T_ANSWER),
                               atol=1e-4)

"""What the synthetic center's ground truth gives a router: the upper bound a learned
policy is measured against.

- :class:`GroundTruthScorer` — the true ``(P(resolved), E[handle seconds])`` of a contact
  with every agent, with the interface of a pair model (``expected_outcomes``). Plugged
  into ``routing.policies.Predictive`` in place of the fitted ``PairOutcomeModel`` it
  gives *the same decision rule with perfect predictions*: the oracle whose gain a
  learned Predictive is compared with (the share of the oracle's gain then measures the
  predictions, not a difference of rules).
- :class:`GroundTruthOracle` — a greedy policy: each contact to the truly best free
  qualified agent, never holding a contact back, FIFO contact order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routing_ml.routing.base import (
    REASON_NO_ELIGIBLE,
    REASON_PREDICTED_BEST,
    AgentPool,
    Contact,
    Decision,
)

from .outcomes import GroundTruthOutcomes


class GroundTruthOracle:
    """Send each contact to the free qualified agent that is truly best for it.

    Default objective (``lambda_per_second=None``): least expected work = true expected
    handle seconds × (1 + (1 − P(resolved)) × ``repeat_weight``), the time now plus the
    expected time of the repeat an unresolved contact causes. With ``lambda_per_second``
    it maximises the expected value of ``routing.policies.Predictive`` with the true
    values: ``P(resolved) − lambda_per_second × E[handle seconds]`` — the upper bound of
    that policy. Like every policy it only chooses among agents with a free session (it
    never holds a contact back).

    Parameters
    ----------
    ground_truth : the synthetic center's ``GroundTruth``.
    repeat_weight : weight of the repeat's work (default: the ground truth's
        ``repeat_probability``).
    lambda_per_second : use the expected-value objective with this price of a second.
    require_skill : only agents with the contact's skill (proficiency > 0).
    """

    name = "oracle"

    def __init__(self, ground_truth: Any, *, repeat_weight: float | None = None,
                 lambda_per_second: float | None = None, require_skill: bool = True) -> None:
        self.ground_truth = ground_truth
        self.repeat_weight = repeat_weight
        self.lambda_per_second = lambda_per_second
        self.require_skill = require_skill
        self._ids: Any = None  # the agent_ids array the tables were built for

    def _tables(self, pool: AgentPool) -> None:
        gt = self.ground_truth
        mu, p, ga = GroundTruthOutcomes(gt).tables(pool)
        sigma = float(gt.handle_sigma)
        w = (float(getattr(gt, "repeat_probability", 0.0)) if self.repeat_weight is None
             else float(self.repeat_weight))
        eh = np.exp(mu + sigma**2 / 2)
        if self.lambda_per_second is None:
            self._score = eh * (1.0 + (1.0 - p) * w)  # lower is better
        else:
            self._score = -(p - float(self.lambda_per_second) * eh)
        self._al = np.asarray(gt.agent_languages, dtype=bool)[ga]
        self._intent = {n: i for i, n in enumerate(gt.intents)}
        self._channel = {n: i for i, n in enumerate(gt.channels)}
        self._language = {n: i for i, n in enumerate(gt.languages)}
        self._ids = pool.agent_ids  # kept: an id() alone may be reused by a later pool

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        ch = pool.channel_index(contact.channel)
        if ch < 0:
            return Decision(-1, REASON_NO_ELIGIBLE + ":unknown_channel")
        mask = pool.has_capacity(ch)
        if self.require_skill:
            s = pool.skill_index(contact.skill)
            if s >= 0:
                mask = mask & (pool.skills[:, s] > 0)
        if not mask.any():
            return Decision(-1, REASON_NO_ELIGIBLE)
        if self._ids is not pool.agent_ids:
            self._tables(pool)
        i = self._intent.get(contact.intent, -1)
        c = self._channel.get(contact.channel, -1)
        if i < 0 or c < 0:
            idle = np.where(mask, pool.idle_since, np.inf)
            a = int(np.argmin(idle))
            return Decision(a, REASON_NO_ELIGIBLE + ":fallback", agent_id=str(pool.agent_ids[a]))
        lang = self._language.get(contact.language, -1)
        sc = self._score[:, i, c, :]
        if lang >= 0:
            score = np.where(self._al[:, lang], sc[:, 1], sc[:, 0])
        else:
            score = sc[:, 0]
        score = np.where(mask, score, np.inf)
        a = int(np.argmin(score))
        return Decision(a, REASON_PREDICTED_BEST + ":oracle", agent_id=str(pool.agent_ids[a]),
                        score=float(score[a]))


class GroundTruthScorer:
    """The true outcomes of a contact with every agent of a pool (an ``OutcomeScorer``).

    ``expected_outcomes(contact, pool)`` returns ``(p_resolved, expected_handle_seconds)``
    of ``contact`` with each pool agent from the generator's ``GroundTruth``: the true
    resolution probability and ``exp(mu + sigma**2 / 2)`` seconds, with the agent's
    language match. A contact whose intent or channel the ground truth does not know
    gets NaN (the policy then falls back). Results are cached per (intent, channel,
    language) and pool.

    Parameters
    ----------
    ground_truth : the synthetic center's ``GroundTruth``.
    """

    def __init__(self, ground_truth: Any) -> None:
        self.ground_truth = ground_truth
        self._ids: Any = None  # the agent_ids array the tables were built for
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # tables are built for one pool's agent_ids array, not sent to another process
        return {"ground_truth": self.ground_truth, "_ids": None, "_cache": {}}

    def _tables(self, pool: AgentPool) -> None:
        gt = self.ground_truth
        mu, p, ga = GroundTruthOutcomes(gt).tables(pool)
        self._handle = np.exp(mu + float(gt.handle_sigma) ** 2 / 2)
        self._p = p
        self._speaks = np.asarray(gt.agent_languages, dtype=bool)[ga]
        self._intent = {n: i for i, n in enumerate(gt.intents)}
        self._channel = {n: i for i, n in enumerate(gt.channels)}
        self._language = {n: i for i, n in enumerate(gt.languages)}
        self._cache = {}
        self._ids = pool.agent_ids  # kept: an id() alone may be reused by a later pool

    def context_key(self, contact: Contact) -> tuple:
        """Contacts with equal keys get equal outcomes with every agent."""
        return (contact.intent, contact.channel, contact.language)

    def expected_outcomes(self, contact: Contact, pool: AgentPool
                          ) -> tuple[np.ndarray, np.ndarray]:
        """True P(resolved) and expected handle seconds of ``contact`` per pool agent."""
        if self._ids is not pool.agent_ids:
            self._tables(pool)
        key = self.context_key(contact)
        hit = self._cache.get(key)
        if hit is None:
            n = len(pool)
            i = self._intent.get(contact.intent, -1) if contact.intent else -1
            c = self._channel.get(contact.channel, -1)
            if i < 0 or c < 0:
                hit = (np.full(n, np.nan), np.full(n, np.nan))
            else:
                lang = self._language.get(contact.language, -1) if contact.language else -1
                m = self._speaks[:, lang].astype(int) if lang >= 0 else np.ones(n, int)
                rows = np.arange(n)
                hit = (self._p[rows, i, c, m], self._handle[rows, i, c, m])
            self._cache[key] = hit
        return hit

"""Routing policies: skill-based with bullseye, predictive, and global batch assignment.

Every policy implements ``choose(contact, pool, now) -> Decision`` of
:class:`~routing_ml.routing.base.RoutingPolicy`, never mutates the pool, and answers
ordinary situations (nobody eligible, unknown skill, a queue nobody staffs) with a
``Decision(-1, reason)`` instead of raising. Reasons are machine-readable strings
``"<kind>[:<detail>]"`` whose kind is one of the ``REASON_*`` constants of ``base``:

- ``skill_match:step=<k>`` / ``predicted_best:step=<k>`` — routed at bullseye step k;
- ``preferred_agent`` — the agent of the citizen's open case;
- ``holdout_for_better_agent[:preferred_agent]`` — held back, retry after
  ``retry_after_seconds``;
- ``no_eligible_agent[:unknown_channel|skill_not_staffed|bullseye_step=<k>]``;
- ``batch_assignment`` / ``batch_assignment:not_assigned``;
- ``fallback:<why>:<reason of the fallback policy>`` (the Router).

Expected value (``Predictive``, ``BatchAssignment``)::

    ev = P(resolved) - lambda_per_second * E[handle seconds] - fairness_weight * occupancy_gap

``lambda_per_second`` is in resolutions per second of handle time: how many resolutions
one second of agent time is worth. The default ``1/1200`` says that 20 extra minutes of
handling cost as much as one resolution. ``occupancy_gap`` is the agent's occupancy minus
the mean occupancy of the logged-in agents, so a positive ``fairness_weight`` spreads work
away from agents that are busier than their peers (fast, good agents are otherwise
overloaded).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from routing_ml.routing.base import (
    REASON_BATCH,
    REASON_FALLBACK,
    REASON_HOLDOUT,
    REASON_NO_ELIGIBLE,
    REASON_PREDICTED_BEST,
    REASON_PREFERRED_AGENT,
    REASON_SKILL_MATCH,
    AgentPool,
    Contact,
    Decision,
    split_choose_contact_args,
)

logger = logging.getLogger(__name__)

#: Answer-time targets used for SLA aging (a contact's urgency grows by 1 per target).
DEFAULT_SLA_SECONDS: dict[str, float] = {
    "voice": 20.0, "chat": 60.0, "messaging": 300.0, "email": 86_400.0, "web": 86_400.0,
}
_BIG = 1e6


@dataclass(frozen=True, slots=True)
class BullseyeStep:
    """Requirements that apply once a contact has waited ``after_seconds``.

    Steps widen as the contact waits: a later step should ask for less (lower
    ``min_proficiency``, language no longer required).
    """

    after_seconds: float
    min_proficiency: int = 1
    require_language: bool = True


#: Skill-based default: best agents first, widen at 30 s, 60 s, drop language at 120 s.
DEFAULT_BULLSEYE: tuple[BullseyeStep, ...] = (
    BullseyeStep(0.0, 3, True), BullseyeStep(30.0, 2, True),
    BullseyeStep(60.0, 1, True), BullseyeStep(120.0, 1, False),
)
#: Predictive default: the model ranks qualified agents; drop language at 60 s.
DEFAULT_PREDICTIVE_BULLSEYE: tuple[BullseyeStep, ...] = (
    BullseyeStep(0.0, 1, True), BullseyeStep(60.0, 1, False),
)


class OutcomeScorer(Protocol):
    """What ``Predictive`` and ``BatchAssignment`` need from a pair model."""

    def expected_outcomes(self, contact: Contact, pool: AgentPool
                          ) -> tuple[np.ndarray, np.ndarray]: ...


def _validate_bullseye(steps: Sequence[BullseyeStep], name: str) -> tuple[BullseyeStep, ...]:
    steps = tuple(steps)
    if not steps:
        raise ValueError(f"{name} must have at least one BullseyeStep.")
    if steps[0].after_seconds != 0:
        raise ValueError(f"{name}[0].after_seconds must be 0 (the first step applies at "
                         f"arrival), got {steps[0].after_seconds}.")
    waits = [s.after_seconds for s in steps]
    if any(b <= a for a, b in zip(waits, waits[1:], strict=False)):
        raise ValueError(f"{name}: after_seconds must increase strictly, got {waits}.")
    for s in steps:
        if not 0 <= s.min_proficiency <= 5:
            raise ValueError(f"{name}: min_proficiency must be in 0–5, got {s.min_proficiency}.")
    return steps


class _RuleMixin:
    """Eligibility, bullseye and preferred-agent logic shared by the policies."""

    bullseye: tuple[BullseyeStep, ...]
    preferred_agent_seconds: float
    retry_seconds: float
    priority_weight: float
    sla_seconds: Mapping[str, float]

    def _step(self, wait: float) -> int:
        k = 0
        for i, s in enumerate(self.bullseye):
            if wait >= s.after_seconds:
                k = i
        return k

    @staticmethod
    def _qualified(pool: AgentPool, ch: int, s: int, li: int, step: BullseyeStep) -> np.ndarray:
        """Logged-in agents on the channel meeting ``step`` (ignores current load)."""
        mask = pool.logged_in & (pool.capacity[:, ch] > 0)
        if s >= 0:
            mask = mask & (pool.skills[:, s] >= max(step.min_proficiency, 1))
        if step.require_language and li >= 0:
            mask = mask & pool.languages[:, li]
        return mask

    def _retry_step(self, k: int, wait: float) -> float | None:
        if k + 1 < len(self.bullseye):
            return max(self.bullseye[k + 1].after_seconds - wait, 1e-3)
        return None

    def _preliminaries(self, contact: Contact, pool: AgentPool, now: float
                       ) -> tuple[Decision | None, int, int, int, float]:
        """(early decision or None, channel, skill, language, wait)."""
        wait = max(0.0, float(now) - float(contact.arrival_seconds))
        ch = pool.channel_index(contact.channel)
        if ch < 0:
            return Decision(-1, f"{REASON_NO_ELIGIBLE}:unknown_channel"), ch, -1, -1, wait
        s = pool.skill_index(contact.skill)
        if contact.skill is not None and (s < 0 or not (pool.skills[:, s] > 0).any()):
            return Decision(-1, f"{REASON_NO_ELIGIBLE}:skill_not_staffed"), ch, s, -1, wait
        li = pool.language_index(contact.language)
        return None, ch, s, li, wait

    def _preferred(self, contact: Contact, pool: AgentPool, ch: int, s: int, wait: float,
                   free: np.ndarray) -> Decision | None:
        """Preferred-agent step: the agent of the citizen's open case, if free soon."""
        if self.preferred_agent_seconds <= 0 or contact.preferred_agent_id is None:
            return None
        pa = pool.agent_index(contact.preferred_agent_id)
        if pa < 0 or not pool.logged_in[pa] or pool.capacity[pa, ch] <= 0:
            return None
        if s >= 0 and pool.skills[pa, s] <= 0:
            return None
        if free[pa]:
            return Decision(pa, REASON_PREFERRED_AGENT, agent_id=str(pool.agent_ids[pa]))
        if wait < self.preferred_agent_seconds:
            return Decision(-1, f"{REASON_HOLDOUT}:preferred_agent",
                            retry_after_seconds=min(self.retry_seconds,
                                                    self.preferred_agent_seconds - wait))
        return None

    def _urgency(self, contact: Contact, now: float) -> float:
        wait = max(0.0, float(now) - float(contact.arrival_seconds))
        sla = self.sla_seconds.get(contact.channel, 60.0)
        return self.priority_weight * float(contact.priority) + wait / sla

    def _eligible_for_agent(self, a: int, contact: Contact, pool: AgentPool, now: float
                            ) -> bool:
        """Can freed agent ``a`` take ``contact`` now (bullseye, capacity, preferred)?"""
        early, ch, s, li, wait = self._preliminaries(contact, pool, now)
        if early is not None or not pool.has_capacity(ch)[a]:
            return False
        if (contact.preferred_agent_id is not None and self.preferred_agent_seconds > 0
                and wait < self.preferred_agent_seconds):
            pa = pool.agent_index(contact.preferred_agent_id)
            if pa >= 0 and pa != a and pool.logged_in[pa] and pool.capacity[pa, ch] > 0:
                return False  # still reserved for the agent of the open case
        step = self.bullseye[self._step(wait)]
        if s >= 0 and pool.skills[a, s] < max(step.min_proficiency, 1):
            return False
        return not (step.require_language and li >= 0 and not pool.languages[a, li])


class SkillBased(_RuleMixin):
    """Skill-based routing with bullseye relaxation and a preferred-agent step.

    Among agents with a free session on the contact's channel who have the contact's
    skill at the proficiency of the current bullseye step (and speak its language while
    the step requires it), pick the most proficient, ties broken by longest idle.

    Parameters
    ----------
    bullseye : sequence of BullseyeStep
        Requirements by wait; the first step has ``after_seconds == 0``.
    preferred_agent_seconds : float
        How long a contact of a citizen with an open case waits for the agent of that
        case (``Contact.preferred_agent_id``) before the normal steps apply; 0 disables.
    retry_seconds : float
        Longest delay asked for in a holdout.
    priority_weight : float
        In ``choose_contact``: one priority level is worth this many SLA targets of wait.
    sla_seconds : mapping channel -> seconds
        Answer-time targets for SLA aging.

    Notes
    -----
    A contact whose ``skill`` is None (unknown intent) may go to any agent on its channel;
    a skill no agent in the pool has gives ``no_eligible_agent:skill_not_staffed``.
    """

    name = "skill_based"

    def __init__(
        self,
        *,
        bullseye: Sequence[BullseyeStep] = DEFAULT_BULLSEYE,
        preferred_agent_seconds: float = 30.0,
        retry_seconds: float = 5.0,
        priority_weight: float = 1.0,
        sla_seconds: Mapping[str, float] | None = None,
    ) -> None:
        self.bullseye = _validate_bullseye(bullseye, "bullseye")
        if preferred_agent_seconds < 0 or retry_seconds <= 0:
            raise ValueError("preferred_agent_seconds must be >= 0 and retry_seconds > 0, "
                             f"got {preferred_agent_seconds} and {retry_seconds}.")
        self.preferred_agent_seconds = float(preferred_agent_seconds)
        self.retry_seconds = float(retry_seconds)
        self.priority_weight = float(priority_weight)
        self.sla_seconds = dict(DEFAULT_SLA_SECONDS if sla_seconds is None else sla_seconds)

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        early, ch, s, li, wait = self._preliminaries(contact, pool, now)
        if early is not None:
            return early
        free = pool.has_capacity(ch)
        pref = self._preferred(contact, pool, ch, s, wait, free)
        if pref is not None:
            return pref
        k = self._step(wait)
        mask = free & self._qualified(pool, ch, s, li, self.bullseye[k])
        if not mask.any():
            return Decision(-1, f"{REASON_NO_ELIGIBLE}:bullseye_step={k}",
                            retry_after_seconds=self._retry_step(k, wait))
        if s >= 0:
            prof = np.where(mask, pool.skills[:, s], -1)
            mask = prof == prof.max()
        agent = int(np.argmin(np.where(mask, pool.idle_since, np.inf)))
        return Decision(agent, f"{REASON_SKILL_MATCH}:step={k}",
                        agent_id=str(pool.agent_ids[agent]),
                        score=float(pool.skills[agent, s]) if s >= 0 else None)

    def choose_contact(self, agent: object, waiting: object, pool: AgentPool,
                       now: float) -> int:
        """Index of the waiting contact a freed agent takes (priority + SLA aging), -1 none."""
        a, contacts = split_choose_contact_args(agent, waiting)
        best, best_u = -1, -np.inf
        for i, c in enumerate(contacts):
            if not self._eligible_for_agent(a, c, pool, now):
                continue
            u = self._urgency(c, now)
            if u > best_u:
                best, best_u = i, u
        return best


class Predictive(_RuleMixin):
    """Maximise expected value among eligible agents, with holdout and fairness.

    ``ev = P(resolved) - lambda_per_second * E[handle seconds] - fairness_weight *
    (occupancy - mean occupancy)`` over agents that are qualified at the current bullseye
    step and have a free session. **Holdout**: while the contact has waited less than
    ``holdout_seconds``, it is held back if a qualified but busy agent beats the best free
    one by more than a tolerance that starts at ``holdout_margin`` and grows without bound
    as the wait approaches ``holdout_seconds`` (``margin * H / (H - wait)``).

    Parameters
    ----------
    model : object with ``expected_outcomes(contact, pool) -> (p_resolved, handle_seconds)``
        Usually a fitted :class:`~routing_ml.routing.PairOutcomeModel`.
    lambda_per_second : float
        Resolutions per second of handle time (default 1/1200: 20 minutes = 1 resolution).
    fairness_weight : float
        Expected-value units per unit of occupancy above the pool mean (0 disables).
    holdout_seconds, holdout_margin : float
        Holdout window (seconds) and initial tolerance (expected-value units).
    bullseye, preferred_agent_seconds, retry_seconds, priority_weight, sla_seconds
        As in :class:`SkillBased`.
    value_weight : float
        In ``choose_contact``: weight of the agent's expected value on a contact against
        the contact's urgency.
    """

    name = "predictive"

    def __init__(
        self,
        model: OutcomeScorer,
        *,
        lambda_per_second: float = 1.0 / 1200.0,
        fairness_weight: float = 0.0,
        holdout_seconds: float = 10.0,
        holdout_margin: float = 0.02,
        bullseye: Sequence[BullseyeStep] = DEFAULT_PREDICTIVE_BULLSEYE,
        preferred_agent_seconds: float = 30.0,
        retry_seconds: float = 2.0,
        priority_weight: float = 1.0,
        sla_seconds: Mapping[str, float] | None = None,
        value_weight: float = 1.0,
    ) -> None:
        if not hasattr(model, "expected_outcomes"):
            raise ValueError("model must have expected_outcomes(contact, pool), e.g. a fitted "
                             f"PairOutcomeModel; got {type(model).__name__}.")
        for nm, v in (("lambda_per_second", lambda_per_second),
                      ("fairness_weight", fairness_weight),
                      ("holdout_seconds", holdout_seconds), ("holdout_margin", holdout_margin),
                      ("preferred_agent_seconds", preferred_agent_seconds)):
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"{nm} must be a finite number >= 0, got {v!r}.")
        if retry_seconds <= 0:
            raise ValueError(f"retry_seconds must be > 0, got {retry_seconds!r}.")
        self.model = model
        self.lambda_per_second = float(lambda_per_second)
        self.fairness_weight = float(fairness_weight)
        self.holdout_seconds = float(holdout_seconds)
        self.holdout_margin = float(holdout_margin)
        self.bullseye = _validate_bullseye(bullseye, "bullseye")
        self.preferred_agent_seconds = float(preferred_agent_seconds)
        self.retry_seconds = float(retry_seconds)
        self.priority_weight = float(priority_weight)
        self.sla_seconds = dict(DEFAULT_SLA_SECONDS if sla_seconds is None else sla_seconds)
        self.value_weight = float(value_weight)

    def expected_value(self, contact: Contact, pool: AgentPool) -> np.ndarray:
        """Expected value of ``contact`` with every pool agent (NaN where the model is)."""
        p, h = self.model.expected_outcomes(contact, pool)
        ev = p - self.lambda_per_second * h
        if self.fairness_weight > 0:
            occ = pool.occupancy()
            live = pool.logged_in & np.isfinite(occ)
            if live.any():
                gap = np.where(np.isfinite(occ), occ - occ[live].mean(), 0.0)
                ev = ev - self.fairness_weight * gap
        return ev

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        early, ch, s, li, wait = self._preliminaries(contact, pool, now)
        if early is not None:
            return early
        free = pool.has_capacity(ch)
        pref = self._preferred(contact, pool, ch, s, wait, free)
        if pref is not None:
            return pref
        k = self._step(wait)
        qualified = self._qualified(pool, ch, s, li, self.bullseye[k])
        mask = qualified & free
        if not mask.any():
            return Decision(-1, f"{REASON_NO_ELIGIBLE}:bullseye_step={k}",
                            retry_after_seconds=self._retry_step(k, wait))
        ev = self.expected_value(contact, pool)
        finite = np.isfinite(ev)
        if not (mask & finite).any():
            # the model gave no usable score: longest idle among the eligible agents
            agent = int(np.argmin(np.where(mask, pool.idle_since, np.inf)))
            return Decision(agent, f"{REASON_FALLBACK}:nonfinite_score",
                            agent_id=str(pool.agent_ids[agent]))
        cand = np.where(mask & finite, ev, -np.inf)
        agent = int(np.argmax(cand))
        best = float(cand[agent])
        if wait < self.holdout_seconds and self.holdout_seconds > 0:
            best_any = float(np.max(np.where(qualified & finite, ev, -np.inf)))
            tol = self.holdout_margin * self.holdout_seconds / (self.holdout_seconds - wait)
            if best < best_any - tol:
                return Decision(-1, REASON_HOLDOUT, score=best,
                                retry_after_seconds=min(self.retry_seconds,
                                                        self.holdout_seconds - wait))
        return Decision(agent, f"{REASON_PREDICTED_BEST}:step={k}",
                        agent_id=str(pool.agent_ids[agent]), score=best)

    def choose_contact(self, agent: object, waiting: object, pool: AgentPool,
                       now: float) -> int:
        """Index of the waiting contact a freed agent takes: urgency + value_weight × ev."""
        a, contacts = split_choose_contact_args(agent, waiting)
        best, best_u = -1, -np.inf
        for i, c in enumerate(contacts):
            if not self._eligible_for_agent(a, c, pool, now):
                continue
            ev = float(self.expected_value(c, pool)[a])
            u = self._urgency(c, now) + (self.value_weight * ev if np.isfinite(ev) else 0.0)
            if u > best_u:
                best, best_u = i, u
        return best


class BatchAssignment(_RuleMixin):
    """Assign several waiting contacts to several free agents at once, globally.

    Builds the value matrix contacts × free sessions — ``ev`` of the pair (see
    :class:`Predictive`; without a model, the agent's proficiency on the contact's skill
    / 5) plus the contact's urgency (priority and SLA aging, which decides who is served
    when contacts outnumber sessions) plus ``preferred_agent_bonus`` for the agent of the
    citizen's open case — with ineligible pairs (skill, proficiency and language of the
    contact's bullseye step, channel capacity) forbidden, and solves it with
    ``scipy.optimize.linear_sum_assignment``. An agent with several free chat sessions
    gives several columns; an idle agent can take one call or up to its chat capacity,
    never both (if the optimum mixes channels for one agent, the lower-value contacts of
    the other channel are left waiting with reason ``batch_assignment:not_assigned``).

    Parameters
    ----------
    model : OutcomeScorer or None
    lambda_per_second, fairness_weight : float
        As in :class:`Predictive`.
    preferred_agent_bonus : float
        Value added to the pair (citizen, agent of the open case).
    bullseye, retry_seconds, priority_weight, sla_seconds
        As in :class:`SkillBased`.
    """

    name = "batch_assignment"

    def __init__(
        self,
        model: OutcomeScorer | None = None,
        *,
        lambda_per_second: float = 1.0 / 1200.0,
        fairness_weight: float = 0.0,
        preferred_agent_bonus: float = 0.05,
        bullseye: Sequence[BullseyeStep] = DEFAULT_PREDICTIVE_BULLSEYE,
        retry_seconds: float = 2.0,
        priority_weight: float = 1.0,
        sla_seconds: Mapping[str, float] | None = None,
    ) -> None:
        if model is not None and not hasattr(model, "expected_outcomes"):
            raise ValueError("model must have expected_outcomes(contact, pool) or be None; "
                             f"got {type(model).__name__}.")
        self.model = model
        self.lambda_per_second = float(lambda_per_second)
        self.fairness_weight = float(fairness_weight)
        self.preferred_agent_bonus = float(preferred_agent_bonus)
        self.bullseye = _validate_bullseye(bullseye, "bullseye")
        self.preferred_agent_seconds = 0.0
        self.retry_seconds = float(retry_seconds)
        self.priority_weight = float(priority_weight)
        self.sla_seconds = dict(DEFAULT_SLA_SECONDS if sla_seconds is None else sla_seconds)

    def _values(self, contact: Contact, pool: AgentPool, s: int) -> np.ndarray:
        if self.model is None:
            return (pool.skills[:, s].astype(float) / 5.0 if s >= 0
                    else np.zeros(len(pool)))
        p, h = self.model.expected_outcomes(contact, pool)
        ev = p - self.lambda_per_second * h
        if self.fairness_weight > 0:
            occ = pool.occupancy()
            live = pool.logged_in & np.isfinite(occ)
            if live.any():
                ev = ev - self.fairness_weight * np.where(
                    np.isfinite(occ), occ - occ[live].mean(), 0.0)
        return ev

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        return self.assign_batch([contact], pool, now)[0]

    def assign_batch(self, contacts: Sequence[Contact], pool: AgentPool,
                     now: float) -> list[Decision]:
        """One decision per contact (same order); the pool is not mutated."""
        from scipy.optimize import linear_sum_assignment

        n = len(contacts)
        out: list[Decision | None] = [None] * n
        if n == 0:
            return []
        total = pool.load.sum(axis=1)
        # free sessions per agent and channel (an agent busy on one channel takes no other)
        free_slots = np.where(
            pool.logged_in[:, None] & ((total[:, None] - pool.load) == 0),
            np.maximum(pool.capacity - pool.load, 0), 0).astype(int)
        width = free_slots.max(axis=1)  # columns per agent
        col_agent = np.repeat(np.arange(len(pool)), width)
        col_slot = np.arange(len(col_agent)) - np.repeat(np.cumsum(width) - width, width)
        rows: list[int] = []
        vals: list[np.ndarray] = []
        for i, c in enumerate(contacts):
            early, ch, s, li, wait = self._preliminaries(c, pool, now)
            if early is not None:
                out[i] = early
                continue
            k = self._step(wait)
            mask = self._qualified(pool, ch, s, li, self.bullseye[k])
            ok_col = mask[col_agent] & (col_slot < free_slots[col_agent, ch])
            if not ok_col.any():
                out[i] = Decision(-1, f"{REASON_NO_ELIGIBLE}:bullseye_step={k}",
                                  retry_after_seconds=self._retry_step(k, wait))
                continue
            v = self._values(c, pool, s)
            if c.preferred_agent_id is not None:
                pa = pool.agent_index(c.preferred_agent_id)
                if pa >= 0:
                    v = v.copy()
                    v[pa] += self.preferred_agent_bonus
            v = np.where(np.isfinite(v), v, np.nanmin(np.where(np.isfinite(v), v, 0.0)) - 1.0)
            rows.append(i)
            vals.append(np.where(ok_col, v[col_agent] + self._urgency(c, now), -_BIG))
        if rows:
            M = np.vstack(vals)
            r, cidx = linear_sum_assignment(M, maximize=True)
            taken_channel: dict[int, int] = {}
            order = np.argsort(-M[r, cidx], kind="stable")
            for j in order:
                i, col = rows[r[j]], cidx[j]
                if M[r[j], col] <= -_BIG / 2:
                    continue
                a = int(col_agent[col])
                ch = pool.channel_index(contacts[i].channel)
                if taken_channel.setdefault(a, ch) != ch:
                    continue
                out[i] = Decision(a, REASON_BATCH, agent_id=str(pool.agent_ids[a]),
                                  score=float(M[r[j], col]))
        for i in range(n):
            if out[i] is None:
                out[i] = Decision(-1, f"{REASON_BATCH}:not_assigned",
                                  retry_after_seconds=self.retry_seconds)
        return out  # type: ignore[return-value]

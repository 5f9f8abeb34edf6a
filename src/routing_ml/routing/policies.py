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
the mean occupancy of the logged-in agents (``Predictive`` can also count only the part
outside a band around the mean, see its ``fairness_band``), so a positive
``fairness_weight`` spreads work away from agents that are busier than their peers (fast,
good agents are otherwise overloaded).
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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
    fewest_sessions,
    split_choose_contact_args,
)

logger = logging.getLogger(__name__)

#: Answer-time targets used for SLA aging (a contact's urgency grows by 1 per target).
DEFAULT_SLA_SECONDS: dict[str, float] = {
    "voice": 20.0, "chat": 60.0, "messaging": 300.0, "email": 86_400.0, "web": 86_400.0,
}
_BIG = 1e6
#: time limit of each integer program of a batch whose agents choose their channel (seconds)
MILP_SECONDS = 0.5
#: without a model, BatchAssignment's value of equal proficiencies falls by at most this
#: much with the agent's idle rank (the longest idle first)
IDLE_TIE_BREAK = 1e-4
#: Deferrable channels (work that may wait hours: answer-time targets of a day or more).
DEFERRED_CHANNELS: tuple[str, ...] = ("email", "web")


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


def _highs_milp(cost: np.ndarray, A: Any, row_lo: np.ndarray, row_hi: np.ndarray,
                upper: np.ndarray, integer: np.ndarray, time_limit: float | None
                ) -> np.ndarray | None:
    """min ``cost @ x`` s.t. ``row_lo <= A x <= row_hi``, ``0 <= x <= upper``, ``x[integer]``
    integral (``A`` CSR): the optimal ``x``, or None when HiGHS proves no optimum within
    ``time_limit`` seconds (None: no limit).

    HiGHS through ``highspy`` with its output off: the copy inside ``scipy.optimize.milp``
    printed a debug line to stdout (``HighsMipSolverData::transformNewIntegerFeasibleSolution``)
    in the middle of a routing service's output."""
    from highspy._core import HighsLp, HighsModelStatus, HighsVarType, MatrixFormat, _Highs

    inf = 1e30  # HiGHS' infinity
    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", 0)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    lp = HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.zeros(A.shape[1])
    lp.col_upper_ = np.asarray(upper, dtype=float)
    lp.row_lower_ = np.clip(np.asarray(row_lo, dtype=float), -inf, inf)
    lp.row_upper_ = np.clip(np.asarray(row_hi, dtype=float), -inf, inf)
    lp.a_matrix_.format_ = MatrixFormat.kRowwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.integrality_ = [HighsVarType.kInteger if i else HighsVarType.kContinuous for i in integer]
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value, dtype=float)


def _has_ortools() -> bool:
    try:
        import ortools.graph.python.min_cost_flow  # noqa: F401
    except ImportError:
        return False
    return True


class OutcomeScorer(Protocol):
    """What ``Predictive`` and ``BatchAssignment`` need from a pair model."""

    def expected_outcomes(self, contact: Contact, pool: AgentPool
                          ) -> tuple[np.ndarray, np.ndarray]: ...


def _validate_bullseye(steps: Sequence[BullseyeStep], name: str) -> tuple[BullseyeStep, ...]:
    steps = tuple(steps)
    if not steps:
        raise ValueError(f"{name} must have at least one BullseyeStep.")
    for i, st in enumerate(steps):
        if not isinstance(st, BullseyeStep):
            raise ValueError(f"{name}[{i}] must be a BullseyeStep, got {st!r}.")
        w, p = st.after_seconds, st.min_proficiency
        if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w):
            raise ValueError(f"{name}[{i}].after_seconds must be a finite number of seconds, "
                             f"got {w!r} (a step never reached would wait forever).")
        if isinstance(p, bool) or not isinstance(p, numbers.Integral) or not 0 <= p <= 5:
            raise ValueError(f"{name}[{i}].min_proficiency must be a whole number in 0-5, got {p!r}.")
    if steps[0].after_seconds != 0:
        raise ValueError(f"{name}[0].after_seconds must be 0 (the first step applies at "
                         f"arrival), got {steps[0].after_seconds}.")
    waits = [s.after_seconds for s in steps]
    if any(b <= a for a, b in zip(waits, waits[1:], strict=False)):
        raise ValueError(f"{name}: after_seconds must increase strictly, got {waits}.")
    return steps


def _check_sla(sla_seconds: Mapping[str, float] | None) -> dict[str, float]:
    """``sla_seconds`` (channel -> seconds, each finite and > 0) as a dict; None gives the
    defaults. A zero would divide the urgency of every contact of its channel by zero."""
    out = dict(DEFAULT_SLA_SECONDS if sla_seconds is None else sla_seconds)
    for ch, v in out.items():
        if isinstance(v, bool) or not isinstance(v, int | float | np.number) or \
                not np.isfinite(v) or v <= 0:
            raise ValueError(f"sla_seconds[{ch!r}] must be a finite number of seconds > 0, "
                             f"got {v!r}.")
    return {ch: float(v) for ch, v in out.items()}


def _check_nonnegative(**values: float) -> None:
    """Each of ``values`` must be a finite number >= 0 (named in the error)."""
    for nm, v in values.items():
        if isinstance(v, bool) or not isinstance(v, int | float | np.number) or \
                not np.isfinite(v) or v < 0:
            raise ValueError(f"{nm} must be a finite number >= 0, got {v!r}.")


def _occupancy_gap(pool: AgentPool, *, band: float | tuple[float, float] = 1.0,
                  prior_seconds: float = 0.0) -> np.ndarray:
    """Per agent: how far its occupancy lies outside a band around the pool mean.

    Occupancy is ``busy_seconds / available_seconds``, shrunk to the mean of the
    logged-in agents with ``prior_seconds`` pseudo-seconds (``(busy + prior * mean) /
    (available + prior)``), so an agent who just logged in is not extreme after one
    contact. With ``band = 1`` the gap is ``occupancy - mean`` (linear); with ``band`` in
    (0, 1) it is ``occupancy - mean / band`` above that ceiling, ``occupancy - mean *
    band`` below that floor and 0 inside: agents inside the band are chosen on value
    alone, those outside are pushed back in. ``band = (lo, hi)`` sets the floor ``mean ×
    lo`` and the ceiling ``mean × hi`` apart. Agents without available time get 0.

    Returns a float array (units: occupancy, a fraction of available time).
    """
    avail = pool.available_seconds
    busy = pool.busy_seconds
    ok = avail > 0
    live = pool.logged_in & ok
    if not live.any():
        return np.zeros(len(pool))
    mean = float((busy[live] / avail[live]).mean())
    if prior_seconds > 0:
        occ = (busy + prior_seconds * mean) / (avail + prior_seconds)
    else:
        occ = busy / np.where(ok, avail, 1.0)
    if isinstance(band, tuple):
        lo, hi = mean * band[0], mean * band[1]
    elif band >= 1.0:
        return np.where(ok, occ - mean, 0.0)
    else:
        hi, lo = mean / band, mean * band
    gap = np.where(occ > hi, occ - hi, np.where(occ < lo, occ - lo, 0.0))
    return np.where(ok, gap, 0.0)


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
        return pool.logged_in & pool.static_mask(ch, s, step.min_proficiency,
                                                 li if step.require_language else -1)

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
        if contact.skill is not None and (s < 0 or not pool.staffed_skills[s]):
            return Decision(-1, f"{REASON_NO_ELIGIBLE}:skill_not_staffed"), ch, s, -1, wait
        return None, ch, s, _spoken_language(pool, contact, ch, s), wait

    def _preferred_agent(self, contact: Contact, pool: AgentPool, ch: int, s: int, li: int,
                         wait: float) -> int:
        """Index of the agent of the citizen's open case when the preferred-agent step
        applies to it, else -1: logged in, on the channel, with the contact's skill and,
        while the current bullseye step requires language, speaking the contact's
        language (when the pool knows that language)."""
        if self.preferred_agent_seconds <= 0 or contact.preferred_agent_id is None:
            return -1
        pa = pool.agent_index(contact.preferred_agent_id)
        if pa < 0 or not pool.logged_in[pa] or pool.capacity[pa, ch] <= 0:
            return -1
        if s >= 0 and pool.skills[pa, s] <= 0:
            return -1
        if li >= 0 and self.bullseye[self._step(wait)].require_language and \
                not pool.languages[pa, li]:
            return -1
        return pa

    def _preferred(self, contact: Contact, pool: AgentPool, ch: int, s: int, wait: float,
                   free: np.ndarray, li: int = -1) -> Decision | None:
        """Preferred-agent step: the agent of the citizen's open case, if free soon (see
        :meth:`_preferred_agent` for when it applies)."""
        pa = self._preferred_agent(contact, pool, ch, s, li, wait)
        if pa < 0:
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
        prio = float(contact.priority)
        return self.priority_weight * (prio if np.isfinite(prio) else 0.0) + wait / sla

    def _eligible_for_agent(self, a: int, contact: Contact, pool: AgentPool, now: float
                            ) -> bool:
        """Can freed agent ``a`` take ``contact`` now (bullseye, capacity, preferred)?"""
        early, ch, s, li, wait = self._preliminaries(contact, pool, now)
        if early is not None or not pool.has_capacity(ch)[a]:
            return False
        if wait < self.preferred_agent_seconds:
            pa = self._preferred_agent(contact, pool, ch, s, li, wait)
            if pa >= 0 and pa != a:
                return False  # still reserved for the agent of the open case
            if pa == a:
                return True  # the agent of the open case, as choose gives it (any proficiency)
        step = self.bullseye[self._step(wait)]
        if s >= 0 and pool.skills[a, s] < max(step.min_proficiency, 1):
            return False
        return not (step.require_language and li >= 0 and not pool.languages[a, li])


class SkillBased(_RuleMixin):
    """Skill-based routing with bullseye relaxation and a preferred-agent step.

    Among agents with a free session on the contact's channel who have the contact's
    skill at the proficiency of the current bullseye step (and speak its language while
    the step requires it), pick the most proficient, ties broken by the fewest sessions in
    hand (an idle agent before one holding chats), then the longest idle.

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
        _check_nonnegative(preferred_agent_seconds=preferred_agent_seconds,
                           retry_seconds=retry_seconds, priority_weight=priority_weight)
        if retry_seconds <= 0:
            raise ValueError(f"retry_seconds must be > 0, got {retry_seconds!r}.")
        self.preferred_agent_seconds = float(preferred_agent_seconds)
        self.retry_seconds = float(retry_seconds)
        self.priority_weight = float(priority_weight)
        self.sla_seconds = _check_sla(sla_seconds)

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        """The most proficient free agent at the bullseye step the wait has reached, then the
        longest idle (``now``: seconds, see :class:`~routing_ml.routing.base.RoutingPolicy`)."""
        early, ch, s, li, wait = self._preliminaries(contact, pool, now)
        if early is not None:
            return early
        free = pool.has_capacity(ch)
        pref = self._preferred(contact, pool, ch, s, wait, free, li)
        if pref is not None:
            return pref
        k = self._step(wait)
        step = self.bullseye[k]
        # the most proficient free agents (has_capacity is limited to logged-in agents) ...
        for tier in pool.proficiency_tiers(ch, s, step.min_proficiency,
                                           li if step.require_language else -1):
            idx = (free & tier).nonzero()[0]
            if idx.size:
                break
        else:
            return Decision(-1, f"{REASON_NO_ELIGIBLE}:bullseye_step={k}",
                            retry_after_seconds=self._retry_step(k, wait))
        # ... then the fewest sessions in hand, then the longest idle (first in pool order
        # on ties)
        idx = fewest_sessions(pool, idx)
        agent = int(idx[0]) if idx.size == 1 else int(idx[pool.idle_since[idx].argmin()])
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
    occupancy_gap`` over agents that are qualified at the current bullseye step and have
    a free session. ``E[handle seconds]`` is the model's, times ``1 +
    concurrency_slowdown × other sessions the agent would hold on the contact's channel``
    (a third chat is slower than a first; at most capacity − 1, so 0 on voice). ``occupancy_gap`` is the agent's occupancy
    (shrunk to the pool mean with ``fairness_prior_seconds`` pseudo-seconds) minus the
    pool mean (``fairness_band = 1``), or its distance outside the band ``[mean ×
    band, mean / band]`` (``band < 1``: agents inside the band are chosen on value alone,
    an agent starved of work or overloaded is pushed back in). Agents whose score is not
    finite (NaN or inf from the model) are skipped; when no eligible agent has a finite
    score the choice is :class:`SkillBased`'s (most proficient, then longest idle) with the
    reason ``fallback:nonfinite_score``.

    **Holdout**: while the contact has waited less than its window — ``holdout_seconds``
    on real-time channels, ``deferred_holdout_seconds`` on e-mail and web, whose answer
    targets are hours — it is kept for a better agent if a qualified agent (free or
    busy) beats the best free one by more than a tolerance that starts at
    ``holdout_margin`` and grows without bound as the wait approaches the window
    (``margin * H / (H - wait)``). The same test applies when a freed agent picks a
    waiting contact (``choose_contact``): a contact kept for a better agent is not taken.

    Parameters
    ----------
    model : object with ``expected_outcomes(contact, pool) -> (p_resolved, handle_seconds)``
        Usually a fitted :class:`~routing_ml.routing.PairOutcomeModel`.
    lambda_per_second : float
        Resolutions per second of handle time (default 1/1200: 20 minutes = 1 resolution).
        A larger value trades resolution for handle time.
    fairness_weight : float
        Expected-value units per unit of ``occupancy_gap`` (0 disables).
    fairness_band : float in (0, 1], or a pair (lo, hi) with lo <= 1 <= hi
        1: linear gap to the mean; below 1: only occupancy outside ``[mean × band,
        mean / band]`` counts; a pair: outside ``[mean × lo, mean × hi]``.
    fairness_prior_seconds : float
        Pseudo-seconds at the pool mean added to each agent's occupancy (0: raw
        ``busy_seconds / available_seconds``).
    holdout_seconds, holdout_margin : float
        Real-time holdout window (seconds) and initial tolerance (expected-value units).
    deferred_holdout_seconds, deferred_retry_seconds : float
        Holdout window of e-mail / web contacts (seconds; 0 disables) and the longest
        delay (seconds) before a held one is offered again (a freed agent looks at it
        sooner).
    concurrency_slowdown : float
        Relative slowdown of a session per other session the agent holds on the channel
        (0.25 = +25 % each, the default of ``simulation.simulate``'s ``chat_slowdown``);
        0 ignores the agent's current load.
    bullseye, preferred_agent_seconds, retry_seconds, priority_weight, sla_seconds
        As in :class:`SkillBased`.
    value_weight : float
        In ``choose_contact``: weight of the agent's expected value on a contact against
        the contact's urgency (one SLA target of wait counts 1).

    Notes
    -----
    The default has no fairness term: with agents of very unequal skill, the weakest can
    be left almost idle. ``experiments/simulate_routing.py`` measures the trade-off on the
    synthetic center (results in ``experiments/results/simulate_routing.md``): a band of
    ``0.5`` with weight 5 keeps most of the handle-time and resolution gain, a band of
    ``(0.85, 1.18)`` with weight 10 brings the busiest agent's occupancy within twice the
    least busy one's at the cost of a good part of that gain.
    """

    name = "predictive"

    def __init__(
        self,
        model: OutcomeScorer,
        *,
        lambda_per_second: float = 1.0 / 1200.0,
        fairness_weight: float = 0.0,
        fairness_band: float | tuple[float, float] = 1.0,
        fairness_prior_seconds: float = 0.0,
        holdout_seconds: float = 10.0,
        holdout_margin: float = 0.02,
        deferred_holdout_seconds: float = 1800.0,
        deferred_retry_seconds: float = 60.0,
        concurrency_slowdown: float = 0.25,
        bullseye: Sequence[BullseyeStep] = DEFAULT_PREDICTIVE_BULLSEYE,
        preferred_agent_seconds: float = 30.0,
        retry_seconds: float = 2.0,
        priority_weight: float = 1.0,
        sla_seconds: Mapping[str, float] | None = None,
        value_weight: float = 20.0,
    ) -> None:
        if not hasattr(model, "expected_outcomes"):
            raise ValueError("model must have expected_outcomes(contact, pool), e.g. a fitted "
                             f"PairOutcomeModel; got {type(model).__name__}.")
        _check_nonnegative(lambda_per_second=lambda_per_second, fairness_weight=fairness_weight,
                           fairness_prior_seconds=fairness_prior_seconds,
                           holdout_seconds=holdout_seconds, holdout_margin=holdout_margin,
                           deferred_holdout_seconds=deferred_holdout_seconds,
                           concurrency_slowdown=concurrency_slowdown,
                           preferred_agent_seconds=preferred_agent_seconds,
                           value_weight=value_weight, priority_weight=priority_weight)
        band = fairness_band
        if isinstance(band, tuple | list):
            band = (float(band[0]), float(band[1]))
            if not (len(fairness_band) == 2 and 0 <= band[0] <= 1 <= band[1]):  # type: ignore[arg-type]
                raise ValueError("fairness_band (lo, hi) must have 0 <= lo <= 1 <= hi, got "
                                 f"{fairness_band!r}.")
        elif not 0 < band <= 1:
            raise ValueError(f"fairness_band must be in (0, 1] or a pair (lo, hi), got "
                             f"{fairness_band!r}.")
        if not (retry_seconds > 0 and deferred_retry_seconds > 0):
            raise ValueError("retry_seconds and deferred_retry_seconds must be > 0, got "
                             f"{retry_seconds!r} and {deferred_retry_seconds!r}.")
        self.model = model
        self.lambda_per_second = float(lambda_per_second)
        self.fairness_weight = float(fairness_weight)
        self.fairness_band = band if isinstance(band, tuple) else float(band)
        self.fairness_prior_seconds = float(fairness_prior_seconds)
        self.holdout_seconds = float(holdout_seconds)
        self.holdout_margin = float(holdout_margin)
        self.deferred_holdout_seconds = float(deferred_holdout_seconds)
        self.deferred_retry_seconds = float(deferred_retry_seconds)
        self.concurrency_slowdown = float(concurrency_slowdown)
        self.bullseye = _validate_bullseye(bullseye, "bullseye")
        self.preferred_agent_seconds = float(preferred_agent_seconds)
        self.retry_seconds = float(retry_seconds)
        self.priority_weight = float(priority_weight)
        self.sla_seconds = _check_sla(sla_seconds)
        self.value_weight = float(value_weight)

    def expected_value(self, contact: Contact, pool: AgentPool) -> np.ndarray:
        """Expected value of ``contact`` with every pool agent (NaN where the model is)."""
        return self._ev(contact, pool, self._gap(pool))

    def _gap(self, pool: AgentPool) -> np.ndarray | None:
        """The fairness term's occupancy gap (None when fairness is off)."""
        if self.fairness_weight <= 0:
            return None
        return _occupancy_gap(pool, band=self.fairness_band,
                              prior_seconds=self.fairness_prior_seconds)

    def _ev(self, contact: Contact, pool: AgentPool, gap: np.ndarray | None) -> np.ndarray:
        p, h = self.model.expected_outcomes(contact, pool)
        p, h = np.asarray(p, dtype=float), np.asarray(h, dtype=float)
        if p.shape != (len(pool),) or h.shape != (len(pool),):
            # a corrupt model: not broadcast over the agents (the Router falls back on it)
            raise ValueError(f"{type(self.model).__name__}.expected_outcomes gave arrays of "
                             f"shapes {p.shape} / {h.shape} for {len(pool)} agents; expected "
                             f"one value per agent.")
        if self.concurrency_slowdown > 0:
            ch = pool.channel_index(contact.channel)
            if ch >= 0:
                # other sessions held when this one would start: at most capacity - 1
                # (0 on a one-session channel such as voice, busy or not)
                others = np.minimum(pool.load[:, ch], pool.capacity[:, ch] - 1)
                h = h * (1.0 + self.concurrency_slowdown * np.maximum(others, 0))
        ev = p - self.lambda_per_second * h
        if gap is not None:
            ev = ev - self.fairness_weight * gap
        return ev

    def _holdout_window(self, contact: Contact) -> tuple[float, float]:
        """(holdout window seconds, longest retry delay seconds) of the contact's channel."""
        if contact.channel in DEFERRED_CHANNELS:
            return self.deferred_holdout_seconds, self.deferred_retry_seconds
        return self.holdout_seconds, self.retry_seconds

    def _kept_for_better(self, value: float, ev: np.ndarray, qualified: np.ndarray,
                         wait: float, window: float) -> bool:
        """Does a qualified agent (free or busy) beat ``value`` by more than the
        tolerance ``holdout_margin * window / (window - wait)``?"""
        if not (window > 0 and wait < window):
            return False
        best_any = float(np.max(np.where(qualified & np.isfinite(ev), ev, -np.inf)))
        return value < best_any - self.holdout_margin * window / (window - wait)

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        """The free qualified agent of highest expected value, or a holdout for a better one
        (``now``: seconds, see :class:`~routing_ml.routing.base.RoutingPolicy`)."""
        early, ch, s, li, wait = self._preliminaries(contact, pool, now)
        if early is not None:
            return early
        free = pool.has_capacity(ch)
        pref = self._preferred(contact, pool, ch, s, wait, free, li)
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
            # the model gave no usable score: as SkillBased, the most proficient eligible
            # agents, then the longest idle among them
            agent = _skill_based_pick(pool, mask, s)
            return Decision(agent, f"{REASON_FALLBACK}:nonfinite_score",
                            agent_id=str(pool.agent_ids[agent]))
        cand = np.where(mask & finite, ev, -np.inf)
        agent = int(np.argmax(cand))
        best = float(cand[agent])
        window, retry = self._holdout_window(contact)
        if self._kept_for_better(best, ev, qualified, wait, window):
            return Decision(-1, REASON_HOLDOUT, score=best,
                            retry_after_seconds=min(retry, window - wait))
        return Decision(agent, f"{REASON_PREDICTED_BEST}:step={k}",
                        agent_id=str(pool.agent_ids[agent]), score=best)

    def choose_contact(self, agent: object, waiting: object, pool: AgentPool,
                       now: float) -> int:
        """Index of the waiting contact a freed agent takes: urgency + value_weight × ev,
        among the contacts not kept for a better agent (the holdout of ``choose``)."""
        a, contacts = split_choose_contact_args(agent, waiting)
        best, best_u = -1, -np.inf
        gap = self._gap(pool)  # occupancy does not change during this call
        for i, c in enumerate(contacts):
            if not self._eligible_for_agent(a, c, pool, now):
                continue
            evs = self._ev(c, pool, gap)
            ev = float(evs[a])
            if not np.isfinite(ev):
                u = self._urgency(c, now)
            else:
                wait = max(0.0, float(now) - float(c.arrival_seconds))
                window = self._holdout_window(c)[0]
                if window > 0 and wait < window:
                    ch_c, s_c = pool.channel_index(c.channel), pool.skill_index(c.skill)
                    q = self._qualified(pool, ch_c, s_c, _spoken_language(pool, c, ch_c, s_c),
                                        self.bullseye[self._step(wait)])
                    if self._kept_for_better(ev, evs, q, wait, window):
                        continue
                u = self._urgency(c, now) + self.value_weight * ev
            if u > best_u:
                best, best_u = i, u
        return best


def _skill_based_pick(pool: AgentPool, mask: np.ndarray, skill: int) -> int:
    """SkillBased's choice among the agents of ``mask`` (not empty): the best of
    :func:`_skill_based_values`."""
    return int(np.argmax(np.where(mask, _skill_based_values(pool, skill), -np.inf)))


def _skill_based_values(pool: AgentPool, skill: int) -> np.ndarray:
    """Values that rank agents as SkillBased does (higher is better): proficiency in
    ``skill`` first (any agent alike when ``skill < 0``), then :func:`_tie_rank` (a
    fraction below one: the fewest sessions in hand, the longest idle, pool order)."""
    tie = _tie_rank(pool)
    if skill < 0:
        return -tie
    return pool.skills[:, skill].astype(float) - tie


def _tie_rank(pool: AgentPool) -> np.ndarray:
    """Each agent's place among equals, in [0, 1): fewer sessions in hand first (an idle
    agent before one holding chats), then the longest idle, then pool order."""
    held = pool.load.sum(axis=1).astype(float)
    idle = _idle_rank(pool) / max(len(pool), 1)
    return (held + idle) / (held.max() + 1.0)


def _idle_rank(pool: AgentPool) -> np.ndarray:
    """Each agent's rank by idle time: 0 for the one idle longest (ties by row)."""
    return np.argsort(np.argsort(pool.idle_since, kind="stable"), kind="stable")


def _spoken_language(pool: AgentPool, contact: Contact, ch: int, s: int) -> int:
    """The contact's language index, or -1 (no language requirement) when nobody on its
    channel with its skill speaks it: as a language no agent speaks."""
    li = pool.language_index(contact.language)
    if li >= 0 and ch >= 0 and not pool.static_mask(ch, s, 1, li).any():
        return -1
    return li


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
    never both. Where the optimum of that relaxation gives an idle agent contacts of two
    channels, the agents in use are held to one channel each and the relaxation solved
    again; if that serves fewer contacts than the relaxation could, an integer program over
    the channel choices (HiGHS through ``scipy.optimize.milp``: the most contacts served,
    then the most value; ``milp_seconds`` per solve) decides. The answer is the optimum
    when no agent has to choose a channel; otherwise it serves the most contacts possible
    (when the integer program solves in time) at a value near the optimum (0.6-1.1 %
    below the integer program's on two batches of 20 and 100 mixed contacts on 100 and
    300 agents, measured when this was written).

    Parameters
    ----------
    model : OutcomeScorer or None
    lambda_per_second, fairness_weight : float
        As in :class:`Predictive`.
    preferred_agent_bonus : float
        Value added to the pair (citizen, agent of the open case), in the value's units:
        with a model, a probability of resolution (0.05 = 5 points); without one, a
        quarter of a proficiency level (levels are 0.2 apart), so the agent of the case
        wins ties among equally proficient agents but not against a better one. Give
        more than 0.2 per level the agent may give away (e.g. 0.25: the case goes to him
        over an agent one level above).
    bullseye, retry_seconds, priority_weight, sla_seconds
        As in :class:`SkillBased`.
    milp_seconds : float or None
        Time limit of each integer-program solve, in seconds (default ``MILP_SECONDS``,
        0.5). When a solve runs out of time the channel-held relaxation's answer is kept,
        so on a batch near the limit (300 agents and 1,000 mixed contacts took 0.25 +
        0.7 s here) the decision depends on the machine's speed and load. None: no
        limit, always the integer program's optimum (reproducible; as slow as the batch
        needs); 0: never run it (reproducible and fast; the relaxation's answer).
    solver : {"auto", "lsa", "flow"}
        ``"lsa"``: ``scipy.optimize.linear_sum_assignment`` on the contacts × sessions
        matrix. ``"flow"``: the same optimum as a min-cost max-flow (OR-Tools
        ``SimpleMinCostFlow``) on source → contact (urgency) → context group → agent
        (value, capacity = free sessions) → sink, which exploits that contacts of one
        context share a value row; several times faster when many contacts share few
        contexts (a 300 × 300 batch). ``"auto"``: flow above 10,000 matrix cells when
        OR-Tools is installed, else lsa. Values are rounded to 1e-6 in the flow.
    """

    name = "batch_assignment"
    milp_seconds: float | None = MILP_SECONDS  # (a policy pickled before it was a parameter)

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
        solver: str = "auto",
        milp_seconds: float | None = MILP_SECONDS,
    ) -> None:
        if solver not in ("auto", "lsa", "flow"):
            raise ValueError(f"solver must be 'auto', 'lsa' or 'flow', got {solver!r}.")
        if milp_seconds is not None and (isinstance(milp_seconds, bool)
                                         or not isinstance(milp_seconds, int | float)
                                         or not milp_seconds >= 0):
            raise ValueError(f"milp_seconds must be seconds >= 0 or None (no limit), got "
                             f"{milp_seconds!r}.")
        self.solver = solver
        self.milp_seconds = None if milp_seconds is None else float(milp_seconds)
        if model is not None and not hasattr(model, "expected_outcomes"):
            raise ValueError("model must have expected_outcomes(contact, pool) or be None; "
                             f"got {type(model).__name__}.")
        _check_nonnegative(lambda_per_second=lambda_per_second, fairness_weight=fairness_weight,
                           preferred_agent_bonus=preferred_agent_bonus,
                           retry_seconds=retry_seconds, priority_weight=priority_weight)
        if retry_seconds <= 0:
            raise ValueError(f"retry_seconds must be > 0, got {retry_seconds!r}.")
        self.model = model
        self.lambda_per_second = float(lambda_per_second)
        self.fairness_weight = float(fairness_weight)
        self.preferred_agent_bonus = float(preferred_agent_bonus)
        self.bullseye = _validate_bullseye(bullseye, "bullseye")
        self.preferred_agent_seconds = 0.0
        self.retry_seconds = float(retry_seconds)
        self.priority_weight = float(priority_weight)
        self.sla_seconds = _check_sla(sla_seconds)

    def _values(self, contact: Contact, pool: AgentPool, s: int) -> np.ndarray:
        if self.model is None:
            prof = (pool.skills[:, s].astype(float) / 5.0 if s >= 0
                    else np.zeros(len(pool)))
            # equal proficiencies: the fewest sessions, then the longest idle first, as
            # SkillBased (the solver's own order took every tie); 1e-4 is below one
            # proficiency step (0.2) and above the flow solver's rounding (1e-6)
            return prof - IDLE_TIE_BREAK * _tie_rank(pool)
        p, h = self.model.expected_outcomes(contact, pool)
        p, h = np.asarray(p, dtype=float), np.asarray(h, dtype=float)
        if p.shape != (len(pool),) or h.shape != (len(pool),):
            # an (n, 1) answer would broadcast against the eligibility masks into a
            # matrix whose rows carry other contacts' masks (the Router falls back on it)
            raise ValueError(f"{type(self.model).__name__}.expected_outcomes gave arrays of "
                             f"shapes {p.shape} / {h.shape} for {len(pool)} agents; expected "
                             f"one value per agent.")
        ev = p - self.lambda_per_second * h
        if self.fairness_weight > 0:
            ev = ev - self.fairness_weight * _occupancy_gap(pool)
        return ev

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        """One contact as a batch of one (:meth:`assign_batch`)."""
        return self.assign_batch([contact], pool, now)[0]

    @staticmethod
    def _solve_lsa(G: np.ndarray, g_arr: np.ndarray, u_arr: np.ndarray,
                   col_agent: np.ndarray) -> list[tuple[int, int, float]]:
        """(row, agent, value) of the optimum by linear_sum_assignment."""
        from scipy.optimize import linear_sum_assignment

        M = G[g_arr] + u_arr[:, None]
        allowed = G[g_arr] > -_BIG / 2
        r, c = linear_sum_assignment(np.where(allowed, M, -_BIG), maximize=True)
        return [(int(i), int(col_agent[j]), float(M[i, j]))
                for i, j in zip(r, c, strict=True) if allowed[i, j]]

    @staticmethod
    def _solve_flow(G: np.ndarray, g_arr: np.ndarray, u_arr: np.ndarray,
                    g_channel: np.ndarray, col_agent: np.ndarray, free_slots: np.ndarray
                    ) -> list[tuple[int, int, float]]:
        """The same optimum as a min-cost max-flow over context groups (OR-Tools).

        source -> contact (cost -urgency) -> group -> (agent, channel) (cost -value,
        capacity = the agent's free sessions on the channel) -> sink.
        """
        from ortools.graph.python import min_cost_flow

        n, n_groups = len(g_arr), len(G)
        n_agents, nch = free_slots.shape
        allowed = G > -_BIG / 2
        ok_ga = np.zeros((n_groups, n_agents), dtype=bool)
        value_ga = np.zeros((n_groups, n_agents))
        for g in range(n_groups):  # a group's value is the same on each session column
            ok = allowed[g]
            ok_ga[g, col_agent[ok]] = True
            value_ga[g, col_agent[ok]] = G[g, ok]
        gg, aa = np.nonzero(ok_ga)
        src, sink = 0, 1 + n + n_groups + n_agents * nch
        contact_node = 1 + np.arange(n)
        group_node = 1 + n + np.arange(n_groups)
        ac_node = 1 + n + n_groups + np.arange(n_agents * nch)  # agent * nch + channel
        tails = np.concatenate([np.full(n, src), contact_node, group_node[gg],
                                ac_node])
        heads = np.concatenate([contact_node, group_node[g_arr],
                                ac_node[aa * nch + g_channel[gg]],
                                np.full(n_agents * nch, sink)])
        caps = np.concatenate([np.ones(n, np.int64), np.ones(n, np.int64),
                               free_slots[aa, g_channel[gg]].astype(np.int64),
                               free_slots.ravel().astype(np.int64)])
        costs = np.concatenate([-np.round(u_arr * 1e6), np.zeros(n),
                                -np.round(value_ga[gg, aa] * 1e6),
                                np.zeros(n_agents * nch)]).astype(np.int64)
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        smcf.set_node_supply(src, n)
        smcf.set_node_supply(sink, -n)
        status = smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flows = smcf.flows(np.arange(len(tails)))
        served = np.flatnonzero(flows[:n] > 0)
        ga_flow = flows[2 * n:2 * n + len(gg)]
        # hand the served contacts of each group to the agents the flow chose for it
        pending: dict[int, list[int]] = {}
        for i in served[::-1]:
            pending.setdefault(int(g_arr[i]), []).append(int(i))
        out: list[tuple[int, int, float]] = []
        for k in np.flatnonzero(ga_flow > 0):
            g, a = int(gg[k]), int(aa[k])
            for _ in range(int(ga_flow[k])):
                i = pending[g].pop()
                out.append((i, a, float(value_ga[g, a] + u_arr[i])))
        return out

    @staticmethod
    def _solve_milp(G: np.ndarray, g_arr: np.ndarray, u_arr: np.ndarray,
                    g_channel: np.ndarray, col_agent: np.ndarray, free_slots: np.ndarray,
                    time_limit: float | None = MILP_SECONDS
                    ) -> list[tuple[int, int, float]] | None:
        """The optimum when agents choose their channel: an integer program, or None.

        ``y[g, a]`` contacts of context group ``g`` to agent ``a`` (integer), ``s[i]`` contact
        ``i`` served (its group serves its most urgent contacts), ``z[a, c]`` agent ``a``
        works channel ``c`` (binary, one per agent). Two solves: the most contacts served,
        then the most value + urgency with that many served. None when HiGHS gives no
        optimum within ``time_limit`` seconds (each solve; None: no limit).
        """
        from scipy.sparse import coo_array, vstack

        n, n_groups = len(g_arr), len(G)
        n_agents, nch = free_slots.shape
        value_ga = np.full((n_groups, n_agents), -np.inf)
        for g in range(n_groups):
            np.maximum.at(value_ga[g], col_agent, G[g])
        gg, aa = np.nonzero(value_ga > -_BIG / 2)
        if len(gg) == 0:
            return []
        za, zc = np.nonzero(free_slots > 0)
        ny, nz = len(gg), len(za)
        iy, i_s, iz = 0, ny, ny + n  # variable blocks: y, s, z
        nv = ny + n + nz
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        r = 0
        # each group: its served contacts = the contacts its agents take
        for g in range(n_groups):
            members = np.flatnonzero(g_arr == g)
            ys = iy + np.flatnonzero(gg == g)
            rows += [r] * (len(members) + len(ys))
            cols += (i_s + members).tolist() + ys.tolist()
            vals += [1.0] * len(members) + [-1.0] * len(ys)
            lo.append(0.0)
            hi.append(0.0)
            r += 1
        # each (agent, channel): its contacts fit its free sessions if it works that channel
        z_index = {(int(a), int(c)): iz + k for k, (a, c) in enumerate(zip(za, zc, strict=True))}
        for (a, c), zk in z_index.items():
            ys = iy + np.flatnonzero((aa == a) & (g_channel[gg] == c))
            if len(ys) == 0:
                continue
            rows += [r] * (len(ys) + 1)
            cols += ys.tolist() + [zk]
            vals += [1.0] * len(ys) + [-float(free_slots[a, c])]
            lo.append(-np.inf)
            hi.append(0.0)
            r += 1
        # each agent: one channel
        for a in np.unique(za):
            zs = [z_index[(int(a), int(c))] for c in zc[za == a]]
            rows += [r] * len(zs)
            cols += zs
            vals += [1.0] * len(zs)
            lo.append(-np.inf)
            hi.append(1.0)
            r += 1
        A = coo_array((vals, (rows, cols)), shape=(r, nv)).tocsr()
        integer = np.r_[np.ones(ny), np.zeros(n), np.ones(nz)].astype(bool)
        ub = np.r_[np.minimum(np.bincount(g_arr, minlength=n_groups)[gg],
                              free_slots[aa, g_channel[gg]]), np.ones(n), np.ones(nz)]
        count = np.r_[np.zeros(ny), -np.ones(n), np.zeros(nz)]
        first = _highs_milp(count, A, np.array(lo), np.array(hi), ub, integer, time_limit)
        if first is None:
            return None
        served = int(round(-float(count @ first)))
        value = np.r_[-value_ga[gg, aa], -u_arr, np.zeros(nz)]
        A2 = vstack([A, coo_array(-count[None, :])]).tocsr()
        second = _highs_milp(value, A2, np.r_[lo, served], np.r_[hi, served], ub, integer,
                             time_limit)
        if second is None:
            return None
        y = np.round(second[:ny]).astype(int)
        # each group's contacts, most urgent first (ties: batch order), to its agents
        out: list[tuple[int, int, float]] = []
        for g in range(n_groups):
            members = np.flatnonzero(g_arr == g)
            members = members[np.argsort(-u_arr[members], kind="stable")]
            k = 0
            for j in np.flatnonzero((gg == g) & (y > 0)):
                for _ in range(y[j]):
                    i = int(members[k])
                    out.append((i, int(aa[j]), float(value_ga[g, aa[j]] + u_arr[i])))
                    k += 1
        return out

    def _solve_one_channel(self, G: np.ndarray, g_arr: np.ndarray, u_arr: np.ndarray,
                           g_channel: np.ndarray, col_agent: np.ndarray, col_slot: np.ndarray,
                           free_slots: np.ndarray, solver: str) -> list[tuple[int, int, float]]:
        """(row, agent, value) pairs in which every agent works one channel.

        The relaxation (an idle agent may take contacts of several channels) is solved by
        ``solver``. While its optimum gives an agent contacts of two channels, every agent
        it uses is held to the channel where it serves the most contacts (then the most
        value) and the relaxation is solved again: the answer is the optimum when no agent
        had to choose, and otherwise the optimum given the channels chosen. When those
        choices serve fewer contacts than the first relaxation (an upper bound), the
        integer program of :meth:`_solve_milp` decides, if HiGHS solves it in time.
        """
        def relaxed(slots: np.ndarray) -> list[tuple[int, int, float]]:
            # a group's column is open while the agent has that session free on its channel
            open_ = col_slot[None, :] < slots[col_agent][:, g_channel].T
            Gs = np.where(open_, G, -_BIG)
            if solver == "flow":
                return self._solve_flow(Gs, g_arr, u_arr, g_channel, col_agent, slots)
            return self._solve_lsa(Gs, g_arr, u_arr, col_agent)

        slots = free_slots.copy()
        pairs = relaxed(slots)
        most = len(pairs)
        while True:
            n_agents, nch = slots.shape
            count = np.zeros((n_agents, nch))
            value = np.zeros((n_agents, nch))
            for r, a, v in pairs:
                count[a, g_channel[g_arr[r]]] += 1
                value[a, g_channel[g_arr[r]]] += v
            mixed = np.flatnonzero((count > 0).sum(axis=1) > 1)
            if len(mixed) == 0:
                break
            # every agent in use keeps one channel (holding only the mixed ones took twice
            # the rounds for the same value on 20-300 mixed contacts)
            for held in np.flatnonzero(count.sum(axis=1) > 0):
                keep = max(np.flatnonzero(count[held] > 0),
                           key=lambda c: (count[held, c], value[held, c]))
                slots[held, np.arange(nch) != keep] = 0
            pairs = relaxed(slots)
        if len(pairs) < most and self.milp_seconds != 0:
            exact = self._solve_milp(G, g_arr, u_arr, g_channel, col_agent, free_slots,
                                     self.milp_seconds)
            if exact is not None:
                pairs = exact
        return pairs

    def assign_batch(self, contacts: Sequence[Contact], pool: AgentPool,
                     now: float) -> list[Decision]:
        """One decision per contact (same order); the pool is not mutated.

        Contacts that share channel, skill, language, bullseye step, preferred agent and
        model context (``model.context_key``) share one value row, computed once; the
        optimum is found by ``solver`` (see the class docstring). Among optima that serve
        the most contacts, the total value is maximal.
        """
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
        context_key = getattr(self.model, "context_key", None)
        groups: dict[tuple, int] = {}
        fallback_groups: set[int] = set()  # groups the model gave no finite value for
        group_rows: list[np.ndarray] = []
        group_channel: list[int] = []
        group_none: dict[int, Decision] = {}
        rows: list[int] = []
        gidx: list[int] = []
        urg: list[float] = []
        for i, c in enumerate(contacts):
            early, ch, s, li, wait = self._preliminaries(c, pool, now)
            if early is not None:
                out[i] = early
                continue
            k = self._step(wait)
            ctx = context_key(c) if context_key is not None else (
                i if self.model is not None else None)
            # the language too: a model's values depend on each agent's match with it even
            # where the bullseye has no language index for it (li == -1 for None and for a
            # language nobody qualified speaks) and context_key leaves it out
            key = (ch, s, li, k, c.preferred_agent_id, ctx, c.language)
            g = groups.get(key)
            if g is None:
                mask = self._qualified(pool, ch, s, li, self.bullseye[k])
                ok_col = mask[col_agent] & (col_slot < free_slots[col_agent, ch])
                if not ok_col.any():
                    g = -1 - len(group_none)
                    group_none[g] = Decision(-1, f"{REASON_NO_ELIGIBLE}:bullseye_step={k}",
                                             retry_after_seconds=self._retry_step(k, wait))
                else:
                    v = self._values(c, pool, s)
                    if c.preferred_agent_id is not None:
                        pa = pool.agent_index(c.preferred_agent_id)
                        if pa >= 0:
                            v = v.copy()
                            v[pa] += self.preferred_agent_bonus
                    bad = ~np.isfinite(v)
                    g = len(group_rows)
                    if bad[mask].all():
                        # the model gave no usable value: most proficient, then longest
                        # idle first, as Predictive's fallback:nonfinite_score
                        v = _skill_based_values(pool, s)
                        fallback_groups.add(g)
                    elif bad.any():
                        v = np.where(bad, v[~bad].min() - 1.0, v)
                    group_rows.append(np.where(ok_col, v[col_agent], -_BIG))
                    group_channel.append(ch)
                groups[key] = g
            if g < 0:
                out[i] = group_none[g]
                continue
            rows.append(i)
            gidx.append(g)
            urg.append(self._urgency(c, now))
        def reason_of(g: int) -> str:
            return f"{REASON_FALLBACK}:nonfinite_score" if g in fallback_groups else REASON_BATCH

        if rows:
            G = np.vstack(group_rows)
            g_arr = np.asarray(gidx)
            u_arr = np.asarray(urg)
            solver = self.solver
            if solver == "auto":
                solver = "flow" if len(rows) * len(col_agent) > 10_000 and _has_ortools() \
                    else "lsa"
            pairs = self._solve_one_channel(G, g_arr, u_arr, np.asarray(group_channel),
                                            col_agent, col_slot, free_slots, solver)
            for r_i, a, value in pairs:
                out[rows[r_i]] = Decision(a, reason_of(int(g_arr[r_i])),
                                          agent_id=str(pool.agent_ids[a]), score=float(value))
        for i in range(n):
            if out[i] is None:
                out[i] = Decision(-1, f"{REASON_BATCH}:not_assigned",
                                  retry_after_seconds=self.retry_seconds)
        return out  # type: ignore[return-value]

"""The event loop: one heap of events, plain Python lists for state, no process per contact.

Events (time, kind, sequence, argument); at equal times the kinds are handled in the
order END, LOGOUT, LOGIN, ARRIVAL, ABANDON, RETRY. First-contact arrivals come from a
sorted array merged with the heap (they never enter it); repeats enter the heap.

Decision points:

- a contact arrives and some agent qualified for its queue (channel and skill; the channel
  alone for a policy whose ``require_skill`` is False) has a free session →
  ``policy.choose``;
- an agent gets a free session (end of service, log-in) and contacts wait in queues it is
  qualified for → the best waiting contact (real-time before deferrable, then higher
  priority, then earliest arrival — or deadline for email/web) is offered to
  ``policy.choose`` unless the policy has a ``choose_contact`` hook;
- a policy with an ``assign_batch`` hook (and ``batch_seconds`` > 0) is called at the next
  multiple of ``batch_seconds`` after a contact arrives with free agents or an agent frees
  with contacts waiting, with every contact waiting in a queue that some qualified agent
  has a free session for (in queue order); it returns one ``Decision`` per contact;
- a policy that holds a contact back (``Decision(-1, ...)`` with ``retry_after_seconds``
  or a ``holdout`` reason) is asked again after that delay (periodic re-evaluation).
"""

from __future__ import annotations

import gc
import heapq
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing_ml.routing.base import (
    REASON_HOLDOUT,
    REASON_NO_ELIGIBLE,
    AgentPool,
    Contact,
    LongestIdleAgent,
)

from ._inputs import DEFERRABLE_CHANNELS

END, LOGOUT, LOGIN, ARRIVAL, ABANDON, RETRY, BATCH = range(7)
PENDING, WAITING, SERVING, DONE, ABANDONED = range(5)


@dataclass
class RawRun:
    """Per-contact and per-agent arrays of one run (internal)."""

    t: np.ndarray
    queue: np.ndarray
    channel: np.ndarray
    priority: np.ndarray
    is_repeat: np.ndarray
    parent: np.ndarray
    contact_id: np.ndarray
    state: np.ndarray
    start: np.ndarray
    end: np.ndarray
    agent: np.ndarray
    handle: np.ndarray
    resolved: np.ndarray
    deadline: np.ndarray
    abandon_t: np.ndarray
    busy_seconds: np.ndarray
    available_seconds: np.ndarray
    handled: np.ndarray
    repeats_generated: int
    repeats_after_horizon: int
    #: repeats that fell outside their queue's opening hours and call when it next opens
    repeats_moved_to_opening: int
    end_time: float
    decisions: int
    holdouts: int
    #: the run was stopped by an explicit ``until`` (else by running out of events: a
    #: real-time contact still waiting then will never be answered)
    stopped_by_until: bool = False


class PolicyError(RuntimeError):
    """A policy returned an impossible decision (an agent without a free session)."""


class OutcomeError(ValueError):
    """An outcome model gave a handle time that is not a finite number of seconds >= 0."""


def _checked_choose(policy: Any, n_agents: int) -> Any:
    """``policy.choose`` that raises PolicyError, naming the policy, the contact and the
    time, for an answer that is not a decision with an agent index in [-1, n_agents)
    (an IndexError or AttributeError from deep inside the engine before)."""
    raw = policy.choose
    name = getattr(policy, "name", type(policy).__name__)

    def choose(contact: Any, pool: Any, now: float) -> Any:
        d = raw(contact, pool, now)
        agent = getattr(d, "agent", None)
        if isinstance(agent, bool) or not isinstance(agent, int | np.integer) \
                or not -1 <= agent < n_agents:
            raise PolicyError(
                f"policy {name!r} answered {d!r} for contact "
                f"{getattr(contact, 'contact_id', None)!r} at t={now:.1f} s: a decision needs "
                f"an int agent index in [-1, {n_agents - 1}] (-1: no agent now).")
        return d

    return choose


def _refreshed(name: str) -> Any:
    """A property over the plain pool's slot ``name`` that first brings the pool's time
    accounting up to date when the engine marked it stale."""
    slot: Any = AgentPool.__dict__[name]

    def get(self: SimPool) -> np.ndarray:
        if self._stale:
            self._stale = False
            self._refresh()
        return slot.__get__(self)

    def set_(self: SimPool, value: np.ndarray) -> None:
        slot.__set__(self, value)

    return property(get, set_)


class SimPool(AgentPool):
    """The pool :func:`run` hands to policies: the plain pool's arrays and methods, with
    two shortcuts that give the same values at every decision.

    - ``busy_seconds`` / ``available_seconds`` (and so ``occupancy()``) are brought up to
      the clock of the decision when a policy reads them, not before every call (most
      policies never read them);
    - ``has_capacity(channel)`` returns a copy of a mask the engine updates at each
      change of an agent's status, instead of recomputing it from ``load``.

    Outside :func:`run` (no engine attached) it behaves exactly as an ``AgentPool``.
    """

    _refresh: Any = None
    _stale: bool = False
    _free: np.ndarray | None = None

    busy_seconds = _refreshed("busy_seconds")
    available_seconds = _refreshed("available_seconds")

    def has_capacity(self, channel: int) -> np.ndarray:
        """Bool mask: logged-in agents with a free session on ``channel`` (a copy)."""
        if self._free is None:
            return AgentPool.has_capacity(self, channel)
        return self._free[channel].copy()


def sim_pool(template: AgentPool) -> SimPool:
    """A fresh :class:`SimPool` with the static arrays of ``template``."""
    return SimPool(agent_ids=template.agent_ids, skill_names=template.skill_names,
                   language_names=template.language_names,
                   channel_names=template.channel_names, skills=template.skills,
                   languages=template.languages, capacity=template.capacity)


def run(*args: Any, **kwargs: Any) -> RawRun:
    """One run of the event loop (``_run``) with the cyclic garbage collector paused.

    The loop allocates a tuple per event and its own structures form no reference cycles;
    the collector's passes over every live object (the caller's data included) cost a few
    percent of a run. Whatever a policy leaves behind is collected once it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(*args, **kwargs)
    finally:
        if enabled:
            gc.enable()


def _run(
    P: Any,
    pool: AgentPool,
    policy: Any,
    outcome: Any,
    draws: dict[str, np.ndarray],
    *,
    seed: int,
    chat_slowdown: float,
    repeat_probability: float,
    repeat_delay_seconds: float,
    reevaluate_seconds: float,
    until_seconds: float,
    batch_seconds: float = 0.0,
    clock_to_until: bool = False,
    outcome_name: str = "outcome",
) -> RawRun:
    n0 = len(P.t)
    # ---- contact state (python lists; repeats are appended) --------------------------
    t_l = P.t.tolist()
    q_l = P.queue.tolist()
    ch_l = P.channel.tolist()
    pr_l = P.priority.tolist()
    pat_l = P.patience.tolist()
    dl_l = P.deadline.tolist()
    z_l = draws["z"].tolist()
    ur_l = draws["u_res"].tolist()
    urep_l = draws["u_rep"].tolist()
    udel_l = draws["u_delay"].tolist()
    rep_draws = draws["repeat"]  # generation x first contact x (z, u_res, u_rep, u_delay)
    rep_l = P.is_repeat.tolist()
    par_l = [-1] * n0
    gen_l = [0] * n0
    src_l = list(range(n0))  # index of the first contact (for outcome tables)
    state = [PENDING] * n0
    start_l = [math.nan] * n0
    end_l = [math.nan] * n0
    agent_l = [-1] * n0
    handle_l = [math.nan] * n0
    res_l = [False] * n0
    ab_l = [math.nan] * n0
    contacts: list[Contact | None] = [None] * n0
    skill_l, intent_l, lang_l, cust_l = P.skill, P.intent, P.language, P.customer
    text_l = P.text
    cid_l = P.contact_id.tolist()
    deferrable = {i for i, c in enumerate(pool.channel_names) if c in DEFERRABLE_CHANNELS}
    ch_names = pool.channel_names

    def dl_of(c: int) -> float | None:
        d = dl_l[c]
        return None if d != d else float(d)

    def contact_obj(c: int) -> Contact:
        o = contacts[c]
        if o is None:
            s = src_l[c]
            p = par_l[c]
            if p >= 0:  # a repeat: the citizen has an open case with the parent's agent
                o = Contact(contact_id=cid_l[c], channel=ch_names[ch_l[c]],
                            arrival_seconds=t_l[c], intent=intent_l[s], skill=skill_l[s],
                            language=lang_l[s], priority=pr_l[c], customer_id=cust_l[s],
                            is_repeat=True, text=text_l[s],
                            preferred_agent_id=str(pool.agent_ids[agent_l[p]]),
                            open_case=True, prior_contacts=gen_l[c],
                            previous_channel=ch_names[ch_l[p]], deadline_seconds=dl_of(c))
            else:
                o = Contact(contact_id=cid_l[c], channel=ch_names[ch_l[c]],
                            arrival_seconds=t_l[c], intent=intent_l[s], skill=skill_l[s],
                            language=lang_l[s], priority=pr_l[c], customer_id=cust_l[s],
                            is_repeat=rep_l[c], text=text_l[s], deadline_seconds=dl_of(c))
            contacts[c] = o
        return o

    # ---- agents --------------------------------------------------------------------
    na = len(pool)
    nch = len(pool.channel_names)
    cap = pool.capacity.astype(int).tolist()
    skills = pool.skills.astype(int).tolist()
    nq = len(P.queue_names)
    qch = P.queue_channel.tolist()
    qsk = P.queue_skill.tolist()
    # the queues each agent may serve: its channels, and the skill unless the policy says
    # it ignores skills (LongestIdleAgent(require_skill=False))
    skill_free = getattr(policy, "require_skill", True) is False
    agent_queues: list[list[int]] = []
    for a in range(na):
        mine = []
        for q in range(nq):
            if cap[a][qch[q]] <= 0:
                continue
            s = qsk[q]
            if not skill_free and (s == -2 or (s >= 0 and skills[a][s] <= 0)):
                continue
            mine.append(q)
        agent_queues.append(mine)
    load = [[0] * nch for _ in range(na)]
    total = [0] * na
    cur_ch = [-1] * na
    logged = [False] * na
    pending_out = [False] * na
    login_t = [0.0] * na
    busy_start = [0.0] * na
    busy = [0.0] * na
    avail = [0.0] * na
    handled = [0] * na
    pool.logged_in[:] = False
    pool.load[:] = 0
    np_load = pool.load
    np_idle = pool.idle_since
    np_logged = pool.logged_in
    # offer counts: index 0 = unavailable, 1 = idle, 2 + ch = partial on channel ch
    counts = [0] * (2 + nch)

    # free_q[q]: agents qualified for queue q with a free session for it right now
    free_q = [0] * nq
    q_of_status: list[list[list[int]]] = []  # agent -> status -> queues offered
    for a in range(na):
        per: list[list[int]] = [[] for _ in range(2 + nch)]
        per[1] = list(agent_queues[a])
        for q in agent_queues[a]:
            per[2 + qch[q]].append(q)
        q_of_status.append(per)

    # LongestIdleAgent (skill required) is applied natively — the same decisions as its
    # ``choose`` (smallest idle_since among qualified agents with a free session), without
    # numpy per call: idle agents are kept in the order they became idle (idle_since is
    # the clock at that moment, so appending keeps the order), agents holding some but not
    # all chat sessions in a set per channel.
    direct = type(policy) is LongestIdleAgent and policy.require_skill
    sync = not direct  # keep pool.load / idle_since current for the policy's eyes
    idle_l = [0.0] * na
    # per queue, its idle qualified agents in the order they became idle (a dict is
    # insertion-ordered with O(1) removal): the longest idle is the first key
    idle_q: list[dict[int, None]] = [{} for _ in range(nq)]
    partial: list[set[int]] = [set() for _ in range(nch)]
    aq_set = [set(x) for x in agent_queues]
    stat_l = [0] * na  # status(a), kept current by moved()
    # occupancy seen by policies (pool.busy_seconds / available_seconds): accumulated
    # seconds plus the running spell, refreshed before every policy call
    acc_avail = np.zeros(na)
    acc_busy = np.zeros(na)
    spell_login = np.zeros(na)
    spell_busy = np.zeros(na)
    on_mask = np.zeros(na, dtype=bool)
    busy_mask = np.zeros(na, dtype=bool)
    np_busy_s = pool.busy_seconds
    np_avail_s = pool.available_seconds
    sp = pool if isinstance(pool, SimPool) and not direct else None
    lazy = sp is not None
    clock = [0.0]

    def refresh_now() -> None:
        now = clock[0]
        np.add(acc_avail, np.where(on_mask, now - spell_login, 0.0), out=np_avail_s)
        np.add(acc_busy, np.where(busy_mask, now - spell_busy, 0.0), out=np_busy_s)

    if sp is not None:
        lazy_pool = sp

        # the occupancy arrays are brought to ``now`` when a policy reads them
        def refresh(now: float) -> None:
            clock[0] = now
            lazy_pool._stale = True

        sp._refresh = refresh_now
        # has_capacity: free[ch, a] kept current by moved(); status 0 = none, 1 = every
        # channel of the agent, 2 + ch = that channel only
        free_mask = np.zeros((nch, na), dtype=bool)
        sp._free = free_mask
        cap_np = np.asarray(cap) > 0
        by_status = []
        for a in range(na):
            rows = [np.zeros(nch, dtype=bool), cap_np[a].copy()]
            for ch in range(nch):
                one = np.zeros(nch, dtype=bool)
                one[ch] = cap_np[a, ch]
                rows.append(one)
            by_status.append(rows)
    else:
        def refresh(now: float) -> None:
            clock[0] = now
            refresh_now()

    def moved_generic(a: int, old: int, new: int) -> None:
        stat_l[a] = new
        counts[old] -= 1
        counts[new] += 1
        qs = q_of_status[a]
        for q in qs[old]:
            free_q[q] -= 1
        for q in qs[new]:
            free_q[q] += 1
        if lazy:
            free_mask[:, a] = by_status[a][new]

    def moved_direct(a: int, old: int, new: int) -> None:
        # longest idle: no batch (counts unused), keep the idle order instead
        stat_l[a] = new
        qs = q_of_status[a]
        if old == 1:
            for q in qs[1]:
                free_q[q] -= 1
                del idle_q[q][a]
        else:
            for q in qs[old]:
                free_q[q] -= 1
            if old >= 2:
                partial[old - 2].discard(a)
        if new == 1:
            for q in qs[1]:
                free_q[q] += 1
                idle_q[q][a] = None
        else:
            for q in qs[new]:
                free_q[q] += 1
            if new >= 2:
                partial[new - 2].add(a)

    moved = moved_direct if direct else moved_generic

    def longest_idle(q: int) -> int:
        best = -1
        for a in idle_q[q]:  # the first key: the longest idle; ties to the first row
            if best < 0:
                best = a
            elif idle_l[a] == idle_l[best]:
                best = min(a, best)
            else:
                break
        if best >= 0:  # an idle agent before one holding chats (LongestIdleAgent)
            return best
        for a in partial[qch[q]]:  # the fewest sessions, then the longest idle
            if q in aq_set[a] and (best < 0 or (total[a], idle_l[a], a) < (total[best], idle_l[best], best)):
                best = a
        return best

    def status(a: int) -> int:
        if not logged[a]:
            return 0
        if total[a] == 0:
            return 1
        ch = cur_ch[a]
        return 2 + ch if load[a][ch] < cap[a][ch] else 0

    # ---- queues and heap -------------------------------------------------------------
    qheap: list[list[tuple]] = [[] for _ in range(nq)]
    n_wait = [0] * nq
    heap: list[tuple] = []
    seq = 0
    push = heapq.heappush
    pop = heapq.heappop
    logout_at: set[tuple[int, float]] = set()  # (agent, time) of every log-out
    for a, s0, e0 in zip(P.shift_agent.tolist(), P.shift_start.tolist(),
                         P.shift_end.tolist(), strict=True):
        seq += 1
        push(heap, (max(s0, 0.0), LOGIN, seq, a))
        if math.isfinite(e0):
            seq += 1
            push(heap, (e0, LOGOUT, seq, a))
            logout_at.add((a, e0))
    choose = _checked_choose(policy, len(pool.agent_ids))
    batch = getattr(policy, "assign_batch", None) if batch_seconds > 0 else None
    choose_contact = getattr(policy, "choose_contact", None) if batch is None else None
    # LongestIdleAgent's choose/choose_contact at an agent-free event give what the
    # built-in rule gives (the freed agent takes the best waiting contact it qualifies
    # for): skip the calls.
    if direct:
        choose_contact = None
    batch_at = [math.inf]
    slow = float(chat_slowdown)
    decisions = 0
    holdouts = 0
    repeats_generated = 0
    repeats_after = 0
    repeats_moved = 0
    queue_open = P.queue_open or [None] * len(P.queue_names)
    now = 0.0

    def queue_key(c: int) -> tuple:
        if ch_l[c] in deferrable:
            d = dl_l[c]
            due = t_l[c] + (d if d == d else 1e18)
            return (1, -pr_l[c], due)
        return (0, -pr_l[c], t_l[c])

    def start_service(c: int, a: int, now: float) -> None:
        nonlocal seq
        ch = ch_l[c]
        if not direct and not (logged[a] and load[a][ch] < cap[a][ch]
                               and total[a] == load[a][ch]):
            raise PolicyError(
                f"policy {getattr(policy, 'name', policy)!r} chose agent "
                f"{pool.agent_ids[a]!r} for a {ch_names[ch]} contact, but that agent has no "
                f"free {ch_names[ch]} session (logged_in={logged[a]}, load={load[a]}). A "
                f"policy must pick among pool.has_capacity(channel)."
            )
        if state[c] == WAITING:
            n_wait[q_l[c]] -= 1
        old = stat_l[a]
        h, r = outcome(src_l[c], a, z_l[c], ur_l[c])
        if not 0.0 <= h < math.inf:  # NaN fails both
            raise OutcomeError(
                f"outcome model {outcome_name} gave handle_seconds={h!r} for "
                f"contact {cid_l[c]!r} with agent {pool.agent_ids[a]!r}: a handle time must "
                f"be a finite number of seconds >= 0 (the statistics would be NaN or negative). "
                f"Fix the model's inputs (e.g. a NaN or infinite log_effect in LoggedOutcomes' "
                f"agent_effects) or its handle-time formula.")
        la = load[a]
        others = la[ch]
        if others and slow:
            h *= 1.0 + slow * others
        if total[a] == 0:
            busy_start[a] = now
            if sync:
                spell_busy[a] = now
                busy_mask[a] = True
        la[ch] = others + 1
        total[a] += 1
        cur_ch[a] = ch
        if sync:
            np_load[a, ch] += 1
        new = 2 + ch if others + 1 < cap[a][ch] else 0
        if new != old:
            moved(a, old, new)
        state[c] = SERVING
        start_l[c] = now
        agent_l[c] = a
        handle_l[c] = h
        res_l[c] = r
        handled[a] += 1
        seq += 1
        push(heap, (now + h, END, seq, c))

    def held(d: Any) -> bool:
        return d.retry_after_seconds is not None or d.reason.startswith(REASON_HOLDOUT)

    retry_pending: set[int] = set()

    def schedule_retry(c: int, d: Any, now: float) -> None:
        nonlocal seq, holdouts
        if c in retry_pending:
            return
        retry_pending.add(c)
        holdouts += 1
        delay = d.retry_after_seconds if d.retry_after_seconds else reevaluate_seconds
        seq += 1
        push(heap, (now + max(float(delay), 1e-6), RETRY, seq, c))

    def schedule_batch(now: float) -> None:
        nonlocal seq
        nxt = (math.floor(now / batch_seconds) + 1) * batch_seconds
        if batch_at[0] <= nxt:
            return
        batch_at[0] = nxt
        seq += 1
        push(heap, (nxt, BATCH, seq, -1))

    def run_batch(now: float) -> None:
        nonlocal decisions, seq
        batch_at[0] = math.inf
        waiting: list[int] = []
        for q in range(nq):
            # only queues some qualified agent has a free session for: the others' contacts
            # cannot be assigned now (a backlog of e-mails would make every epoch slow)
            if n_wait[q] and free_q[q]:
                waiting.extend(k[-1] for k in qheap[q] if state[k[-1]] == WAITING)
        if not waiting or not any(counts[1:]):
            return
        waiting.sort(key=lambda c: (queue_key(c), c))
        decisions += 1
        refresh(now)
        ds = batch([contact_obj(c) for c in waiting], pool, now)  # type: ignore[misc]
        if len(ds) != len(waiting):
            raise PolicyError(
                f"policy {getattr(policy, 'name', policy)!r}: assign_batch returned "
                f"{len(ds)} decisions for {len(waiting)} contacts; it must return one "
                f"Decision per contact, in order."
            )
        for c, d in zip(waiting, ds, strict=True):
            if d.agent >= 0:
                start_service(c, d.agent, now)
            elif d.retry_after_seconds and d.reason.startswith(REASON_NO_ELIGIBLE):
                # bullseye relaxation: look again when the contact reaches the next step
                nxt = now + max(float(d.retry_after_seconds), 1e-6)
                if nxt < batch_at[0]:
                    batch_at[0] = nxt
                    seq += 1
                    push(heap, (nxt, BATCH, seq, -1))

    def dispatch_direct(a: int, now: float) -> None:
        """Longest-idle routing: the freed agent takes the best contact it qualifies for."""
        aq = agent_queues[a]
        while True:
            st = stat_l[a]
            if st == 0:
                return
            best = None
            for q in aq:
                if not n_wait[q] or (st > 1 and qch[q] != st - 2):
                    continue
                h = qheap[q]
                while state[h[0][-1]] != WAITING:
                    pop(h)
                if best is None or h[0] < best:
                    best = h[0]
            if best is None:
                return
            start_service(best[-1], a, now)

    def dispatch_generic(a: int, now: float) -> None:
        """Agent ``a`` may have a free session: offer it waiting contacts."""
        nonlocal decisions
        skip: set[int] = set()
        while logged[a]:
            tl = total[a]
            cands = []
            for q in agent_queues[a]:
                if n_wait[q] == 0 or q in skip:
                    continue
                if tl and (qch[q] != cur_ch[a] or load[a][qch[q]] >= cap[a][qch[q]]):
                    continue
                if tl == 0 and cap[a][qch[q]] <= 0:
                    continue
                h = qheap[q]
                while h and state[h[0][-1]] != WAITING:
                    pop(h)
                if h:
                    cands.append((h[0], q))
            if not cands:
                return
            if choose_contact is not None:
                cands.sort()
                objs = [contact_obj(k[-1]) for k, _ in cands]
                decisions += 1
                refresh(now)
                pick = choose_contact(a, objs, pool, now)
                if pick is None or pick < 0:
                    # nobody taken now: let the policy say when to look again (bullseye
                    # relaxation, holdout) for the heads it refused
                    for (key, _q), o in zip(cands, objs, strict=True):
                        c = key[-1]
                        if c in retry_pending:
                            continue
                        decisions += 1
                        d = choose(o, pool, now)
                        if d.agent >= 0:
                            start_service(c, d.agent, now)
                            break
                        if held(d):
                            schedule_retry(c, d, now)
                    else:
                        return
                    continue
                key, q = cands[int(pick)]
                start_service(key[-1], a, now)
                continue
            if batch is not None:
                schedule_batch(now)
                return
            key, q = min(cands)
            c = key[-1]
            decisions += 1
            refresh(now)
            d = choose(contact_obj(c), pool, now)
            if d.agent >= 0:
                start_service(c, d.agent, now)
                continue
            skip.add(q)
            if held(d):
                schedule_retry(c, d, now)

    dispatch = dispatch_direct if direct else dispatch_generic

    def arrive(c: int, now: float) -> None:
        nonlocal seq, decisions
        state[c] = WAITING
        if direct:
            if free_q[q_l[c]]:
                state[c] = PENDING
                start_service(c, longest_idle(q_l[c]), now)
                return
        elif batch is not None:
            if free_q[q_l[c]]:
                schedule_batch(now)
        elif free_q[q_l[c]]:
            decisions += 1
            refresh(now)
            d = choose(contact_obj(c), pool, now)
            if d.agent >= 0:
                state[c] = PENDING  # not in a queue: start_service must not count it
                start_service(c, d.agent, now)
                return
            if held(d):
                schedule_retry(c, d, now)
        q = q_l[c]
        seq += 1
        push(qheap[q], (*queue_key(c), seq, c))
        n_wait[q] += 1
        p = pat_l[c]
        if p != math.inf:
            seq += 1
            push(heap, (now + p, ABANDON, seq, c))

    # ---- main loop -----------------------------------------------------------------
    t0 = t_l  # first contacts are 0..n0-1, sorted
    ai = 0
    while True:
        # a first contact goes before the heap's head unless that head is earlier, or at
        # the same time and of a kind handled first (END, LOGOUT, LOGIN)
        if ai < n0 and (not heap or t0[ai] < heap[0][0]
                        or (t0[ai] == heap[0][0] and heap[0][1] >= ARRIVAL)):
            now = t0[ai]
            if now > until_seconds:
                now = until_seconds
                break
            if direct and free_q[q_l[ai]]:  # first contacts start PENDING: not in a queue
                start_service(ai, longest_idle(q_l[ai]), now)
            else:
                arrive(ai, now)
            ai += 1
            continue
        if not heap:
            break
        t_ev, kind, _, x = pop(heap)
        if kind == RETRY:
            retry_pending.discard(x)
        if (kind == ABANDON or kind == RETRY) and state[x] != WAITING:
            continue  # stale: the contact was served meanwhile (the clock must not move on)
        now = t_ev
        if now > until_seconds:
            now = until_seconds
            break
        if kind == END:
            c = x
            a = agent_l[c]
            ch = ch_l[c]
            old = stat_l[a]
            load[a][ch] -= 1
            total[a] -= 1
            if sync:
                np_load[a, ch] -= 1
            if total[a] == 0:
                busy[a] += now - busy_start[a]
                if sync:
                    np_idle[a] = now
                    acc_busy[a] += now - busy_start[a]
                    busy_mask[a] = False
                idle_l[a] = now
                cur_ch[a] = -1
                new = 1 if logged[a] else 0
            elif not logged[a]:
                new = 0
            else:
                new = 2 + ch if load[a][ch] < cap[a][ch] else 0
            if new != old:
                moved(a, old, new)
            state[c] = DONE
            end_l[c] = now
            if not res_l[c] and repeat_probability > 0 and urep_l[c] < repeat_probability:
                repeats_generated += 1
                rt = now - repeat_delay_seconds * math.log1p(-udel_l[c])
                hours = queue_open[q_l[c]]
                if hours is not None and rt <= until_seconds:
                    # a citizen calls back while the queue is open: the next opening
                    j = int(np.searchsorted(hours[0], rt, side="right")) - 1
                    if j < 0 or rt >= hours[1][j]:
                        rt = float(hours[0][j + 1]) if j + 1 < len(hours[0]) else math.inf
                        repeats_moved += rt <= until_seconds
                if rt > until_seconds:
                    repeats_after += 1
                else:
                    r = len(t_l)
                    gnew = gen_l[c] + 1
                    if gnew <= rep_draws.shape[0]:
                        zz, u1, u2, u3 = rep_draws[gnew - 1, src_l[c]].tolist()
                    else:
                        g = np.random.default_rng([seed, 2, src_l[c], gnew])
                        zz = float(g.standard_normal())
                        u1, u2, u3 = (float(v) for v in g.random(3))
                    t_l.append(rt)
                    q_l.append(q_l[c])
                    ch_l.append(ch)
                    pr_l.append(pr_l[c])
                    pat_l.append(pat_l[c])
                    dl_l.append(dl_l[c])
                    z_l.append(float(zz))
                    ur_l.append(u1)
                    urep_l.append(u2)
                    udel_l.append(u3)
                    rep_l.append(True)
                    par_l.append(c)
                    gen_l.append(gnew)
                    src_l.append(src_l[c])
                    cid_l.append(cid_l[c])
                    state.append(PENDING)
                    start_l.append(math.nan)
                    end_l.append(math.nan)
                    agent_l.append(-1)
                    handle_l.append(math.nan)
                    res_l.append(False)
                    ab_l.append(math.nan)
                    contacts.append(None)
                    seq += 1
                    push(heap, (rt, ARRIVAL, seq, r))
            if logged[a]:
                if (a, now) not in logout_at:  # logging out at this instant: nothing new
                    dispatch(a, now)
            elif pending_out[a] and total[a] == 0:
                pending_out[a] = False
                avail[a] += now - login_t[a]
                if sync:
                    acc_avail[a] += now - login_t[a]
                    on_mask[a] = False
        elif kind == ARRIVAL:
            arrive(x, now)
        elif kind == ABANDON:
            c = x  # WAITING (stale events were skipped above)
            state[c] = ABANDONED
            ab_l[c] = now
            n_wait[q_l[c]] -= 1
        elif kind == LOGIN:
            a = x
            if pending_out[a]:
                pending_out[a] = False  # still working from the last shift: continue it
            elif not logged[a]:
                login_t[a] = now
                if sync:
                    spell_login[a] = now
                    on_mask[a] = True
            old = stat_l[a]
            logged[a] = True
            np_logged[a] = True
            if total[a] == 0:
                np_idle[a] = now
                idle_l[a] = now
            new = status(a)
            moved(a, old, new)
            dispatch(a, now)
        elif kind == LOGOUT:
            a = x
            old = stat_l[a]
            logged[a] = False
            np_logged[a] = False
            moved(a, old, 0)
            if total[a] == 0:
                avail[a] += now - login_t[a]
                if sync:
                    acc_avail[a] += now - login_t[a]
                    on_mask[a] = False
            else:
                pending_out[a] = True
        elif kind == BATCH:
            run_batch(now)
        elif kind == RETRY:
            c = x
            if not free_q[q_l[c]]:
                continue  # nobody free: the next agent to free up will look at it
            decisions += 1
            refresh(now)
            d = choose(contact_obj(c), pool, now)
            if d.agent >= 0:
                start_service(c, d.agent, now)
            elif held(d):
                schedule_retry(c, d, now)
    # an explicit ``until`` stops the clock there even when the events ran out before it:
    # contacts still waiting have waited until then. Agents' time stops at the last event
    # (``now``): one still logged in then has no shift end (no schedule), and counting
    # the hours to ``until`` as available would dilute its occupancy with idle time
    end_time = max(now, until_seconds) if clock_to_until else now
    if sp is not None:  # detach: the pool keeps the final figures below
        sp._stale = False
        sp._refresh = None
        sp._free = None
    for a in range(na):
        if total[a] > 0:
            busy[a] += now - busy_start[a]
        if logged[a] or pending_out[a]:
            avail[a] += max(now - login_t[a], 0.0)
    pool.busy_seconds[:] = busy
    pool.available_seconds[:] = avail
    pool.load[:] = np.asarray(load, dtype=pool.load.dtype).reshape(pool.load.shape)
    pool.idle_since[:] = idle_l

    def array(values: list, dtype: Any) -> np.ndarray:
        return np.fromiter(values, dtype, count=len(values))

    def extended(first: np.ndarray, values: list, dtype: Any) -> np.ndarray:
        """The first contacts' input array (never changed by the run) and the repeats
        appended to ``values`` after it."""
        first = first.astype(dtype, copy=False)
        if len(values) == n0:
            return first
        return np.concatenate([first, np.asarray(values[n0:], dtype=dtype)])

    return RawRun(
        t=extended(P.t, t_l, float), queue=extended(P.queue, q_l, int),
        channel=extended(P.channel, ch_l, int), priority=extended(P.priority, pr_l, int),
        is_repeat=extended(P.is_repeat, rep_l, bool), parent=array(par_l, int),
        contact_id=extended(P.contact_id, cid_l, P.contact_id.dtype),
        state=array(state, int), start=array(start_l, float),
        end=array(end_l, float), agent=array(agent_l, int),
        handle=array(handle_l, float), resolved=array(res_l, bool),
        deadline=extended(P.deadline, dl_l, float), abandon_t=array(ab_l, float),
        busy_seconds=np.asarray(busy), available_seconds=np.asarray(avail),
        handled=np.asarray(handled), repeats_generated=repeats_generated,
        repeats_after_horizon=repeats_after, repeats_moved_to_opening=repeats_moved,
        end_time=end_time, decisions=decisions,
        holdouts=holdouts, stopped_by_until=clock_to_until,
    )

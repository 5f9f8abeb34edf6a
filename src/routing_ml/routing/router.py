"""`Router`: what a routing service imports.

Built once from a trained bundle — agent roster, policy, pair model, intent model — then
``route(contact, available_agents)`` answers one decision and ``route_batch(contacts,
available_agents)`` many. A routing call never raises: ordinary situations (nobody
eligible, unknown intent or skill, an agent unknown to the roster) have defined answers,
and a missing, corrupt, failing or slow pair model makes the Router fall back to
:class:`~routing_ml.routing.policies.SkillBased`, recording why in ``stats()`` and in a
log line (a WARNING the first time a reason occurs on a router, DEBUG afterwards). A
missing intent model leaves text-only contacts without an intent, hence without a skill
(``stats()['intent:model_missing']``): give such contacts their ``skill`` or fix the
bundle (``load_error`` says what is missing).

Latency budget: a model-driven policy's decision (one with a ``model``) is timed; when it
exceeds ``latency_budget_ms`` the answer is discarded and the fallback's is returned
(reason ``fallback:latency``).
Python cannot pre-empt a running model without a thread hop that would cost more than a
decision, so after ``circuit_max_slow`` consecutive overruns a circuit breaker sends the
next ``circuit_cooldown_decisions`` decisions straight to the fallback (reason
``fallback:circuit_open``) and then tries the model again.

Thread safety: a call builds its own view of the pool (the roster is never mutated by a
routing call), the policies are stateless, the pair model's lookup cache and the
counters are guarded by locks; roster changes (``add_agent``, ``remove_agent``) swap a new
roster in atomically.

Bundles are directories (``save`` / ``load``): ``manifest.json`` (format, versions,
SHA-256 of each file, settings for information) and pickles of the router, pair model and
intent model. Only load bundles you trust: loading a pickle runs code, and the sums catch
damage, not tampering. A corrupt or missing model file loads as "no
model" (the Router falls back and says so); a corrupt manifest or router file raises
``ValueError`` at load time. A plain ``pickle`` or ``copy.deepcopy`` of a Router keeps
both models in the one pickle (runtime counters and caches start afresh).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import pickle
import threading
import time
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from routing_ml.routing.base import (
    REASON_FALLBACK,
    REASON_NO_ELIGIBLE,
    AgentPool,
    Contact,
    Decision,
    LongestIdleAgent,
    agent_codes,
    check_skills_mapping,
    contact_from_record,
    customer_key,
    flag_column,
    label_text,
)
from routing_ml.routing.policies import BatchAssignment, Predictive, SkillBased

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

_FORMAT = "routing_ml.router"
_FORMAT_VERSION = 1
#: a contact "waiting" longer than this (or arriving this far after ``now``) is on another
#: clock than ``now`` (e.g. ``arrival_seconds`` left at 0 against epoch seconds): its wait
#: is taken as 0, or every bullseye step would be open and language ignored
CLOCK_MISMATCH_SECONDS = 30 * 86400.0
_CONTACT_FIELDS = tuple(Contact.__dataclass_fields__)
_OPTIONAL_FIELDS = ("intent", "skill", "language", "customer_id", "preferred_agent_id",
                    "text", "previous_channel")
# policies whose decisions are not re-validated (their capacity rules are unit-tested)
_TRUSTED_POLICIES = (SkillBased, Predictive, BatchAssignment, LongestIdleAgent)
_LANGUAGE_METHODS = ("predict_language", "detect_language", "language_of", "detect_languages")
# per-process state left out of a pickle (rebuilt by _init_runtime)
_RUNTIME_STATE = ("_lock", "_counts", "_views", "_model_breaker", "_intent_breaker",
                  "_intent_missing", "_warned", "_held")
HELD_MEMORY = 10_000  # contact ids of the latest decisions that routed nowhere, remembered


class _Breaker:
    """Over-budget calls of one model in a row; after ``circuit_max_slow`` of them the
    circuit is open: the next ``left`` calls skip the model."""

    __slots__ = ("left", "slow_in_a_row")

    def __init__(self) -> None:
        self.slow_in_a_row = 0
        self.left = 0


def _row_contact(record: Mapping[str, Any]) -> Contact | None:
    """A data-frame row as a Contact, None when it does not make one (``bad_input``)."""
    try:
        return contact_from_record(record)
    except (TypeError, ValueError):
        return None


PRUNE_MIN_CITIZENS = 4096  # the case book never prunes below this many citizens


class CaseBook:
    """A citizen's contacts linked across channels by ``customer_id``.

    Keeps, per citizen, the last contact (time in seconds, channel, agent, resolved) and
    the times of recent contacts. A case is *open* when the last contact, within
    ``window_seconds``, was not resolved. A last contact more than the window after the
    lookup's ``now`` is no case: the two clocks differ (e.g. a contact without
    ``arrival_seconds``, 0, against a history in epoch seconds), and an unknown age must
    not open a case; a contact recorded a little after ``now`` (the citizen's concurrent
    call) still links. Citizens whose last contact is more than the window before the
    newest one recorded are forgotten (:meth:`forget_before`): the book holds about a
    window of citizens, not the whole history.
    """

    def __init__(self, window_seconds: float = 72 * 3600.0) -> None:
        self.window_seconds = float(window_seconds)
        self._last: dict[Any, tuple[float, str, str | None, bool]] = {}
        self._times: dict[Any, list[float]] = {}
        self._newest = -float("inf")  # the latest contact recorded (seconds)
        self._prune_at = PRUNE_MIN_CITIZENS
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"window_seconds": self.window_seconds, "_last": self._last,
                "_times": self._times, "_newest": self._newest}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "_newest" not in state:  # a book pickled before it had one
            state["_newest"] = max((v[0] for v in state["_last"].values()), default=-float("inf"))
        self.__dict__.update(state)
        self._prune_at = max(PRUNE_MIN_CITIZENS, 2 * len(self._last))
        self._lock = threading.Lock()

    def forget_before(self, ts_seconds: float) -> int:
        """Forget the citizens whose last contact is before ``ts_seconds``; returns how many.

        :meth:`record` calls it with the newest recorded time less the window whenever the
        book has doubled since it last did: a citizen whose last contact left the window
        links to no case, and keeping them would grow the book (and every saved router)
        without end — and keep personal data past its purpose."""
        with self._lock:
            return self._forget_before(ts_seconds)

    def _forget_before(self, ts_seconds: float) -> int:
        old = [k for k, v in self._last.items() if v[0] < ts_seconds]
        for k in old:
            del self._last[k]
            self._times.pop(k, None)
        self._prune_at = max(PRUNE_MIN_CITIZENS, 2 * len(self._last))
        return len(old)

    def __len__(self) -> int:
        return len(self._last)

    @staticmethod
    def _key(customer_id: Any) -> str | None:
        """The book's key of ``customer_id``: its text, integral numbers without a decimal
        part (57327003, 57327003.0 from a column with gaps and "57327003" from JSON are one
        citizen); None for no citizen (None, NaN, 0, empty text, an unreadable value)."""
        return customer_key(customer_id)

    def record(self, customer_id: Any, ts_seconds: float, channel: str,
               agent_id: str | None, resolved: bool) -> None:
        """Record a finished (or abandoned: ``agent_id=None``) contact of a citizen."""
        customer_id = self._key(customer_id)
        if customer_id is None:
            return
        with self._lock:
            prev = self._last.get(customer_id)
            if prev is None or ts_seconds >= prev[0]:
                self._last[customer_id] = (float(ts_seconds), str(channel),
                                           None if agent_id is None else label_text(agent_id),
                                           bool(resolved))
            times = self._times.setdefault(customer_id, [])
            times.append(float(ts_seconds))
            if len(times) > 8:
                del times[:-8]
            self._newest = max(self._newest, float(ts_seconds))
            if len(self._last) >= self._prune_at:
                self._forget_before(self._newest - self.window_seconds)

    def lookup(self, customer_id: Any, now: float | None) -> tuple[bool, int, str | None,
                                                                   str | None]:
        """(open_case, prior_contacts in the window, previous channel, agent of the case)."""
        customer_id = self._key(customer_id)
        if customer_id is None:
            return False, 0, None, None
        last = self._last.get(customer_id)
        if last is None:
            return False, 0, None, None
        ts, channel, agent, resolved = last
        if now is not None and not -self.window_seconds <= now - ts <= self.window_seconds:
            return False, 0, None, None
        times = self._times.get(customer_id, [])
        prior = sum(1 for t in times if now is None or 0 <= now - t <= self.window_seconds)
        open_case = not resolved
        return open_case, min(prior, 3), channel, (agent if open_case else None)

    def is_later(self, customer_id: Any, now: float | None) -> bool:
        """Whether the citizen's last recorded contact is more than the window after
        ``now``: the clocks differ (a concurrent contact, recorded a little later, is not)."""
        key = self._key(customer_id)
        last = self._last.get(key) if key is not None else None
        return last is not None and now is not None and last[0] - now > self.window_seconds

    @classmethod
    def from_interactions(cls, interactions: pd.DataFrame, window_seconds: float = 72 * 3600.0
                          ) -> CaseBook:
        """Build from a log with ``customer_id``, ``ts``, (optional) ``channel``,
        ``agent_id`` and ``resolved``; times become epoch seconds (use the same clock to
        route).

        ``ts`` is read as ``PairOutcomeModel.fit`` reads it: datetimes (time-zone aware
        ones on the UTC clock), text such as ``pd.read_csv`` gives (ISO dates, with or
        without offset) or numbers of seconds. Rows whose ``ts`` is missing or unreadable
        are skipped. ``resolved`` is bool or 0/1 (as numbers or text); a missing outcome
        leaves the case open; any other value is a ValueError."""
        from routing_ml.routing.pair_model import PairOutcomeModel

        book = cls(window_seconds)
        if "customer_id" not in interactions or "ts" not in interactions:
            return book
        secs = PairOutcomeModel._seconds(interactions["ts"])
        df = interactions.assign(_ts_seconds=secs)[np.isfinite(secs)]
        df = df.sort_values("_ts_seconds")
        n = len(df)
        res = [False] * n
        if "resolved" in df:
            # missing: not known to be resolved, the case stays open
            res = flag_column(df, "resolved", frame="history").fillna(False).tolist()
        ch = df["channel"].tolist() if "channel" in df else ["voice"] * n
        agents = df["agent_id"].tolist() if "agent_id" in df else [None] * n
        for c, t, chn, a, r in zip(df["customer_id"].tolist(), df["_ts_seconds"].tolist(),
                                   ch, agents, res, strict=True):
            book.record(c, t, chn, a, bool(r))
        return book


def _roster_rows(agents: Any) -> list[dict[str, Any]]:
    """The roster as a list of dicts, or a ValueError saying what to pass."""
    fix = ("Fix: pass a DataFrame or a list of dicts, one per agent, e.g. "
           "[{'agent_id': 'A1', 'skills': {'tributos': 3}, 'channels': ('voice',)}].")
    if agents is None or isinstance(agents, str | bytes | Path | Mapping):
        raise ValueError(f"agents={agents!r:.80}: not a roster. {fix}")
    try:
        items = list(agents)
    except TypeError:
        raise ValueError(f"agents={agents!r:.80} ({type(agents).__name__}) is not a roster. {fix}") from None
    bad = [r for r in items if not isinstance(r, Mapping)]
    if bad:
        raise ValueError(f"agents: {len(bad)} roster rows are not mappings (e.g. {bad[0]!r:.60}). {fix}")
    return [dict(r) for r in items]


def _as_float_ok(v: Any) -> bool:
    """Does ``float(v)`` answer (an int past 1e308 overflows)?"""
    try:
        float(v)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _finite(v: Any) -> bool:
    """A finite number, whatever its type or size (np.isfinite refuses huge ints)."""
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError, OverflowError):
        return False


class Router:
    """Route contacts to agents with a policy, a pair model and an intent model.

    Parameters
    ----------
    agents : DataFrame or list of dicts
        The roster: ``agent_id``, ``skills`` (skill → proficiency 0–5, 0 = lacks the
        skill; at least one), ``languages``, ``channels``, ``max_concurrency`` (see ``AgentPool.from_agents``).
    policy : RoutingPolicy, optional
        Default: ``Predictive(pair_model)`` when a pair model is given, else
        ``SkillBased()``. A ``Predictive`` / ``BatchAssignment`` without its own model
        uses ``pair_model``.
    pair_model : PairOutcomeModel, optional
    intent_model : object, optional
        An ``IntentClassifier`` (its ``predict_one`` gives intent, confidence, queue and
        language in one call) or anything with ``predict_proba(texts)`` and ``classes_``
        (and optionally ``predict_language(texts)`` / ``detect_language(texts)``), used
        when a contact arrives with text but no intent / language. A detected language
        restricts the eligible agents only when the model names one: ``"und"`` (what the
        built-in language identifier answers for an empty text, or when the runner-up
        language is within ``min_margin``, 5 nats by default, as on one-word utterances
        such as "DNI" or "multa"), ``""`` or None leave the contact open to agents of
        any language. A contact the model abstains on goes to the model's
        ``triage_queue`` skill when the roster staffs it (see :meth:`prepare`).
    intent_skills : mapping intent -> skill, optional
        Department skill of each intent (a contact's ``skill`` when it has none). None
        takes the pair model's own map (``PairOutcomeModel.intent_skills_``, read off its
        interaction log) when it has one; without any map, a detected intent gives no
        skill and the contact may go to any agent (counted in ``stats()`` as
        ``intent:no_skill_map``, with one warning).
    fallback : RoutingPolicy, optional
        Rule-based policy used when the model cannot answer (default ``SkillBased()``).
    history : DataFrame, optional
        Interaction log used to seed the case book (cross-channel linking).
    latency_budget_ms : float
        Budget of one policy decision (milliseconds), and separately of one intent
        detection: a model over it is counted (``fallback:latency``, ``intent:slow``) and
        skipped for a while after ``circuit_max_slow`` slow calls in a row. Wall-clock
        time: with many threads in one process, waiting for the GIL counts too.
    min_intent_confidence : float, optional
        Below this top probability the detected intent is treated as unknown (the
        contact goes to the triage queue, see :meth:`prepare`). Default None: 0 (every
        guess kept), with a warning when the intent model does not abstain on its own.
    case_window_hours : float
        A citizen's earlier unresolved contact within this window is an open case.
    circuit_max_slow, circuit_cooldown_decisions : int
        Circuit breaker of the latency budget.

    Raises
    ------
    ValueError
        Empty roster, an agent without skills, a bad roster value (see
        ``AgentPool.from_agents``), a policy without ``choose``, bad budgets (a budget,
        threshold or window that is not a number, e.g. ``latency_budget_ms="5"``).

    Examples
    --------
    Not run as a doctest (it fits a model)::

        from routing_ml.datasets import make_contact_center
        from routing_ml.routing import Contact, PairOutcomeModel, Router

        cc = make_contact_center(seed=0, days=7)
        model = PairOutcomeModel(random_state=0).fit(cc.interactions, cc.agents)
        skills = dict(zip(cc.intents.intent, cc.intents.skill))
        router = Router(cc.agents, pair_model=model, intent_skills=skills,
                        history=cc.interactions)
        d = router.route(Contact(1, "chat", intent="padron_alta", language="es"),
                         available_agents=["A001", "A007", "A012"])
        d.agent_id, d.reason          # e.g. ('A007', 'predicted_best:step=0')
        router.save("router_bundle")
        router = Router.load("router_bundle")
    """

    def __init__(
        self,
        agents: pd.DataFrame | Sequence[Mapping[str, Any]],
        *,
        policy: Any = None,
        pair_model: Any = None,
        intent_model: Any = None,
        intent_skills: Mapping[str, str] | None = None,
        fallback: Any = None,
        history: pd.DataFrame | None = None,
        latency_budget_ms: float = 20.0,
        min_intent_confidence: float | None = None,
        case_window_hours: float = 72.0,
        circuit_max_slow: int = 5,
        circuit_cooldown_decisions: int = 1000,
        warm_up: bool = True,
    ) -> None:
        import pandas as pd

        rows = agents.to_dict("records") if isinstance(agents, pd.DataFrame) else \
            _roster_rows(agents)
        if min_intent_confidence is None:
            min_intent_confidence = 0.0
            if intent_model is not None and not getattr(intent_model, "abstain_threshold", None):
                warnings.warn(
                    "Router: min_intent_confidence not set and the intent model does not "
                    "abstain: every text gets an intent however unsure the model is (a 'hola' "
                    "at 0.29 becomes a hard skill requirement). Fix: min_intent_confidence="
                    "0.3 (or the classifier's abstain_threshold) to send unclear text to the "
                    "triage queue, or min_intent_confidence=0.0 to keep every guess.",
                    UserWarning, stacklevel=2)
        for name, value, example in (("latency_budget_ms", latency_budget_ms, "20.0"),
                                     ("min_intent_confidence", min_intent_confidence, "0.5"),
                                     ("case_window_hours", case_window_hours, "72.0"),
                                     ("circuit_max_slow", circuit_max_slow, "5"),
                                     ("circuit_cooldown_decisions", circuit_cooldown_decisions,
                                      "1000")):
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise ValueError(f"{name} must be a number, got {value!r} "
                                 f"({type(value).__name__}); pass e.g. {name}={example}.")
        if not np.isfinite(latency_budget_ms) or latency_budget_ms <= 0:
            raise ValueError(f"latency_budget_ms must be > 0, got {latency_budget_ms!r}.")
        if not 0 <= min_intent_confidence <= 1:
            raise ValueError(f"min_intent_confidence must be in [0, 1], got "
                             f"{min_intent_confidence!r}.")
        if circuit_max_slow < 1 or circuit_cooldown_decisions < 0:
            raise ValueError("circuit_max_slow must be >= 1 and circuit_cooldown_decisions "
                             ">= 0.")
        if not np.isfinite(case_window_hours) or case_window_hours <= 0:
            raise ValueError(f"case_window_hours must be a finite number of hours > 0, got "
                             f"{case_window_hours!r}.")
        for name, pol in (("policy", policy), ("fallback", fallback)):
            if isinstance(pol, type):
                raise ValueError(f"{name}={pol.__name__} is a class; pass an instance, e.g. "
                                 f"{name}={pol.__name__}().")
            if pol is not None and not callable(getattr(pol, "choose", None)):
                raise ValueError(f"{name} must have choose(contact, pool, now), e.g. "
                                 f"SkillBased(); got {type(pol).__name__}.")
        if pair_model is not None:
            check = getattr(pair_model, "_check_fitted", None)
            if callable(check):
                try:
                    check()
                except AttributeError as exc:  # NotFittedError
                    raise ValueError(f"pair_model is not fitted ({exc}); fit it first, e.g. "
                                     f"PairOutcomeModel().fit(interactions, agents).") from exc
        if isinstance(intent_model, str | Path):
            raise ValueError(f"intent_model={str(intent_model)!r} is a path; pass the fitted "
                             f"model, e.g. intent_model=IntentClassifier.load(path).")
        if intent_skills is not None and not isinstance(intent_skills, Mapping):
            raise ValueError(f"intent_skills must be a mapping intent -> skill, got "
                             f"{type(intent_skills).__name__}; e.g. dict(zip(intents.intent, "
                             f"intents.skill)).")
        if history is not None:
            if not isinstance(history, pd.DataFrame):
                raise ValueError(f"history must be a DataFrame of past contacts (customer_id, "
                                 f"ts, ...), got {type(history).__name__}; read a file with "
                                 f"pandas first.")
            missing = [c for c in ("customer_id", "ts") if c not in history.columns]
            if missing:
                raise ValueError(f"history is missing columns {missing} (got "
                                 f"{list(history.columns)[:10]}): the case book links a "
                                 f"citizen's contacts by customer_id and time ts.")
        if intent_skills is None:
            own = pair_model if pair_model is not None else getattr(policy, "model", None)
            own_map = getattr(own, "intent_skills_", None)
            intent_skills = own_map if isinstance(own_map, Mapping) else None
        # keys as label_text reads intents: 2, 2.0, np.int64(2) and "2" are one intent
        self.intent_skills = {key: str(v) for k, v in (intent_skills or {}).items()
                              if (key := label_text(k)) is not None}
        self._check_roster(rows)
        self._rows = rows
        if pair_model is None and hasattr(getattr(policy, "model", None), "expected_outcomes"):
            pair_model = policy.model  # the policy's own model is the bundle's pair model
        self.pair_model = pair_model
        self.intent_model = intent_model
        self.policy = policy if policy is not None else (
            Predictive(pair_model) if pair_model is not None else SkillBased())
        self.fallback = fallback if fallback is not None else SkillBased()
        self.latency_budget_ms = float(latency_budget_ms)
        self.min_intent_confidence = float(min_intent_confidence)
        self.case_window_hours = float(case_window_hours)
        self.circuit_max_slow = int(circuit_max_slow)
        self.circuit_cooldown_decisions = int(circuit_cooldown_decisions)
        self.cases = (CaseBook.from_interactions(history, case_window_hours * 3600.0)
                      if history is not None else CaseBook(case_window_hours * 3600.0))
        self._init_runtime()
        self._build_pool()
        self._link_policy_model()
        if warm_up:
            self._warm_batch_solver()
        if warm_up and self._model_usable():
            try:
                self.pair_model.warm_up()
            except Exception as exc:  # a broken model must not break the build of a router
                self._count_fallback("model_error", f"warm-up failed: {exc!r}")

    # -- build helpers ------------------------------------------------------------------
    @staticmethod
    def _check_roster(rows: list[dict[str, Any]]) -> None:
        if not rows:
            raise ValueError("agents is empty: a Router needs at least one agent in its "
                             "roster.")
        blank = [i for i, r in enumerate(rows) if r.get("agent_id") is None or (
            isinstance(r.get("agent_id"), float) and r.get("agent_id") != r.get("agent_id"))
            or str(r.get("agent_id")).strip() == ""]
        if blank:
            raise ValueError(f"agents: rows {blank[:5]} have no agent_id (None, NaN or empty); "
                             f"give every agent an id.")
        ids = [str(r.get("agent_id")) for r in rows]
        dup = sorted({a for a in ids if ids.count(a) > 1})
        if dup:
            raise ValueError(f"agents: duplicated agent_id {dup[:5]}; ids must be unique.")
        for r in rows:  # before the no-skill check below reads them as dicts
            if r.get("skills") is not None:
                check_skills_mapping(r.get("agent_id"), r["skills"])
        no_skill = [str(r.get("agent_id")) for r in rows if not dict(r.get("skills") or {})]
        if no_skill:
            raise ValueError(
                f"agents {no_skill[:5]} have no skills; give each agent at least one skill "
                "(e.g. {'general': 1}) or drop it from the roster.")

    def _init_runtime(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._model_breaker = _Breaker()  # the pair model (policy decisions)
        self._intent_breaker = _Breaker()  # intent detection
        self._intent_missing = False  # set by load() when intent_model.pkl is unreadable
        self._views: dict[tuple, AgentPool] = {}
        self._warned: set[str] = set()  # fallback reasons already logged at WARNING
        # contact ids told to retry (held, nobody eligible) without ``now``: offered again
        # without it, their wait reads as 0 and the bullseye never widens
        self._held: dict[str, None] = {}
        self.load_error: str | None = getattr(self, "load_error", None)

    def _build_pool(self, rows: list[dict[str, Any]] | None = None) -> None:
        """Build the pool of ``rows`` (default: the current roster), then swap rows and
        pool in together: a roster the pool rejects (ValueError) changes nothing."""
        rows = self._rows if rows is None else rows
        skills = sorted({s for r in rows for s in dict(r["skills"])}
                        | set(self.intent_skills.values()))
        pool = AgentPool.from_agents(rows, skill_names=skills)
        unstaffed = [s for j, s in enumerate(pool.skill_names) if not (pool.skills[:, j] > 0).any()]
        if unstaffed:
            logger.warning("Router: no agent has the skills %s; their contacts will get "
                           "'%s:skill_not_staffed'.", unstaffed, REASON_NO_ELIGIBLE)
        self._rows = rows
        self._pool = pool
        self._views = {}

    def _link_policy_model(self) -> None:
        """A Predictive / BatchAssignment without its own model uses ``pair_model``."""
        for pol in (self.policy, self.fallback):
            if isinstance(pol, Predictive | BatchAssignment) and pol.model is None \
                    and self.pair_model is not None:
                pol.model = self.pair_model

    def _warm_batch_solver(self) -> None:
        """Import the global assignment's solver now: its first import (~0.3 s) inside a
        timed batch would send that batch to the fallback for latency."""
        if callable(getattr(self.policy, "assign_batch", None)):
            import scipy.optimize  # noqa: F401

    def _model_usable(self) -> bool:
        return self.pair_model is not None and hasattr(self.pair_model, "warm_up")

    @property
    def pool(self) -> AgentPool:
        """The roster as an ``AgentPool`` (all agents logged in, no load): a copy whose
        live state (``load``, ``idle_since``, ``logged_in``, ...) is its own, so tracking
        sessions on it (``pool.assign``) does not mark the Router's agents busy."""
        p = self._pool
        return replace(p, load=p.load.copy(), idle_since=p.idle_since.copy(),
                       busy_seconds=p.busy_seconds.copy(),
                       available_seconds=p.available_seconds.copy(), logged_in=p.logged_in.copy())

    @property
    def agent_ids(self) -> tuple[str, ...]:
        return tuple(str(a) for a in self._pool.agent_ids)

    def add_agent(self, agent: Mapping[str, Any]) -> None:
        """Add (or replace) one agent in the roster; ValueError if it has no skills or a
        bad value (see ``AgentPool.from_agents``), and then the roster is unchanged."""
        rows = [r for r in self._rows
                if label_text(r["agent_id"]) != label_text(agent.get("agent_id"))]
        rows.append(dict(agent))
        self._check_roster(rows)
        with self._lock:
            self._build_pool(rows)

    def remove_agent(self, agent_id: str) -> None:
        """Remove an agent from the roster (unknown ids are ignored)."""
        rows = [r for r in self._rows if label_text(r["agent_id"]) != label_text(agent_id)]
        if not rows:
            raise ValueError("remove_agent would leave the roster empty.")
        with self._lock:
            self._build_pool(rows)

    # -- counters -----------------------------------------------------------------------
    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n

    def _count_fallback(self, why: str, detail: str) -> None:
        """Count a fallback; log a WARNING the first time a reason occurs on this router
        (a degraded router would otherwise log one per decision), DEBUG afterwards."""
        with self._lock:
            self._counts[f"fallback:{why}"] += 1
            first = why not in self._warned and why != "circuit_open"
            if first:
                self._warned.add(why)
        if first:
            logger.warning("Router fell back to %s (%s): %s; further '%s' fallbacks are "
                           "logged at DEBUG and counted in stats()['fallback:%s'].",
                           getattr(self.fallback, "name", "fallback"), why, detail, why, why)
        else:
            logger.debug("Router fallback (%s): %s", why, detail)

    def stats(self) -> dict[str, int]:
        """Counters: ``decisions``, ``routed``, ``fallback:<why>``, ``intent:<what>``,
        ``unknown_agent``, ``bad_input``, ``router_error``, ``case:clock_mismatch`` (a
        citizen's last recorded contact is more than the case window after the decision's
        time: the contact's ``arrival_seconds`` / ``now`` is not on the case book's clock,
        no case is opened), ``clock_mismatch`` (a contact arriving after ``now``: its
        wait is taken as 0), ``arrival_not_finite`` (an infinite or NaN ``arrival_seconds``:
        its wait is taken as 0).

        ``fallback:<why>`` counts every decision whose reason starts with ``fallback:``:
        the Router's own (model missing / failing / slow, circuit open, invalid decision)
        and the policy's (``fallback:nonfinite_score``: the model gave no finite score)."""
        with self._lock:
            return dict(self._counts)

    # -- one decision -------------------------------------------------------------------
    def _view(self, available_agents: Any) -> AgentPool:
        """The pool a call decides on; never mutates the roster."""
        if available_agents is None:
            return self._pool
        if isinstance(available_agents, AgentPool):
            return available_agents
        if isinstance(available_agents, str | Mapping):
            items: list[Any] = [available_agents]  # one id (not its characters), one agent dict
        elif isinstance(available_agents, bytes):
            raise ValueError("available_agents is bytes; pass agent ids as text (or a list "
                             "of them).")
        elif hasattr(available_agents, "columns") and hasattr(available_agents, "loc"):
            # a DataFrame iterates over its column names: read its agent_id column
            if "agent_id" not in available_agents.columns:
                raise ValueError(
                    f"available_agents is a DataFrame without an 'agent_id' column (columns "
                    f"{list(available_agents.columns)[:10]}); pass a frame with 'agent_id' or "
                    "a list of agent ids.")
            items = available_agents["agent_id"].tolist()
        else:
            try:
                items = list(available_agents)
            except TypeError as exc:
                raise ValueError(
                    f"available_agents must be None, an agent id, a sequence of agent ids or "
                    f"of agent dicts, a DataFrame with 'agent_id', or an AgentPool; got "
                    f"{type(available_agents).__name__}.") from exc
        if items and isinstance(items[0], Mapping):
            # an ad-hoc pool (agents joining): the roster's skills and languages first, then
            # those only these agents have (a contact may ask for them); a duplicated
            # agent_id raises ValueError (bad input: one agent would take two calls)
            if not all(isinstance(r, Mapping) for r in items):
                raise ValueError("available_agents mixes agent dicts with other values; pass "
                                 "either agent dicts or agent ids.")
            roster = self._pool
            new_sk = sorted({k for r in items if isinstance(r.get("skills"), Mapping)
                             for k in r["skills"]} - set(roster.skill_names), key=str)
            new_lg = sorted({x for r in items for x in agent_codes(r.get("languages"))}
                            - set(roster.language_names), key=str)
            return AgentPool.from_agents(items, skill_names=(*roster.skill_names, *new_sk),
                                         language_names=(*roster.language_names, *new_lg),
                                         channel_names=roster.channel_names)
        roster = self._pool
        key = tuple(a if isinstance(a, str) else label_text(a) for a in items)
        hit = self._views.get(key)
        if hit is not None and hit.agent_ids is roster.agent_ids:
            return hit
        mask = np.zeros(len(roster), dtype=bool)
        # the list's order is the idle order (first = idle longest): it breaks ties between
        # equally good agents, which roster order did (the first agents took every tie)
        idle = np.full(len(roster), np.inf)
        unknown = 0
        for rank, a in enumerate(key):
            i = roster.agent_index(a)
            if i >= 0:
                mask[i] = True
                idle[i] = min(idle[i], float(rank))
            else:
                unknown += 1
        if unknown:
            self._count("unknown_agent", unknown)
            logger.debug("Router: %d available agents are not in the roster (ignored); add "
                         "them with add_agent().", unknown)
        view = copy.copy(roster)
        view.logged_in = mask
        view.idle_since = idle
        if len(self._views) > 256:
            self._views = {}
        self._views[key] = view
        return view

    def _detect(self, contact: Contact) -> tuple[str | None, str | None, str | None]:
        """:meth:`_detect_with_model` within the latency budget: a detection over
        ``latency_budget_ms`` is used but counted (``intent:slow``); after
        ``circuit_max_slow`` of them in a row, the next ``circuit_cooldown_decisions``
        contacts are routed without detection (``intent:circuit_open``)."""
        if self.intent_model is None or not isinstance(contact.text, str) or (
                contact.intent is not None and contact.language is not None):
            return self._detect_with_model(contact)
        if self._take_open_circuit(self._intent_breaker):
            self._count("intent:circuit_open")
            return contact.intent, contact.language, None
        t0 = time.perf_counter()
        got = self._detect_with_model(contact)
        slow = (time.perf_counter() - t0) * 1e3 > self.latency_budget_ms
        if slow:
            self._count("intent:slow")
        if self._note_call(self._intent_breaker, slow):
            logger.warning("Router: intent detection over the %g ms budget %d times in a row; "
                           "the next %d contacts are routed without it.", self.latency_budget_ms,
                           self.circuit_max_slow, self.circuit_cooldown_decisions)
        return got

    def _detect_with_model(self, contact: Contact) -> tuple[str | None, str | None, str | None]:
        """(intent, language, queue) from the contact's text when they are missing.

        With an ``IntentClassifier`` (``predict_one``) one call gives intent, confidence,
        queue and language; an abstention or a confidence below
        ``min_intent_confidence`` leaves the intent unknown and the queue is the model's
        triage queue (``pred.queue`` of an abstention, else ``model.triage_queue``; see
        :meth:`prepare`). Other models: ``predict_proba`` + ``classes_`` and a language
        method (a low confidence gives ``model.triage_queue`` if it has one).
        """
        intent, language = contact.intent, contact.language
        model = self.intent_model
        if model is not None and intent is None and isinstance(contact.text, str) \
                and not contact.text.strip():
            # an empty or blank text: the classifier's own answer for it is an abstention,
            # so its triage queue (as "?" or "..." get), not any agent on the channel
            self._count("intent:empty_text")
            q = getattr(model, "triage_queue", None)
            return intent, language, None if q is None else str(q)
        if model is None or not isinstance(contact.text, str) or not contact.text.strip() \
                or (intent is not None and language is not None):
            if model is None and intent is None and self._intent_missing \
                    and isinstance(contact.text, str) and contact.text.strip():
                self._count("intent:model_missing")
            return intent, language, None
        one = getattr(model, "predict_one", None)
        if callable(one):
            queue = None
            try:  # a failing model, or an answer without the fields: route without intent
                pred = one(contact.text)
                if intent is None:
                    abstained = bool(getattr(pred, "abstained", False))
                    named = pred.intent is not None and not (
                        isinstance(pred.intent, float) and np.isnan(pred.intent))
                    # (not >=: a NaN confidence is no confidence)
                    if abstained or not named or \
                            not float(pred.confidence) >= self.min_intent_confidence:
                        self._count("intent:low_confidence")
                        q = getattr(pred, "queue", None) if abstained else getattr(
                            model, "triage_queue", None)
                        queue = None if q is None else str(q)
                    else:
                        intent = str(pred.intent)
                        q = getattr(pred, "queue", None)
                        queue = None if q is None else str(q)
                        self._count("intent:detected")
            except Exception as exc:
                self._count("intent:error")
                logger.warning("Router: intent model failed (%r); routing without intent.", exc)
                return contact.intent, language, None
            lang = getattr(pred, "language", None)
            if language is None and lang not in (None, "", "und"):
                language = str(lang)
            return intent, language, queue
        queue = None
        if intent is None:
            try:
                proba = np.asarray(model.predict_proba([contact.text]), dtype=float)[0]
                j = int(np.argmax(proba))
                if np.isfinite(proba[j]) and proba[j] >= self.min_intent_confidence:
                    intent = str(model.classes_[j])
                    self._count("intent:detected")
                else:
                    self._count("intent:low_confidence")
                    q = getattr(model, "triage_queue", None)
                    queue = None if q is None else str(q)
            except Exception as exc:
                self._count("intent:error")
                logger.warning("Router: intent model failed (%r); routing without intent.", exc)
        if language is None:
            for name in _LANGUAGE_METHODS:
                fn = getattr(model, name, None)
                if callable(fn):
                    try:
                        out = fn([contact.text])
                        lang = out[0] if not isinstance(out, str) else out
                        if lang not in (None, "", "und"):
                            language = str(lang)
                    except Exception as exc:
                        self._count("language:error")
                        logger.warning("Router: language detection failed (%r).", exc)
                    break
        return intent, language, queue

    def prepare(self, contact: Contact, now: float | None = None) -> Contact:
        """The contact as the policy sees it: intent / language detected from text, skill
        from ``intent_skills``, open case / preferred agent from the case book.

        A contact whose text leaves the intent unknown (the classifier abstained, its
        confidence is below ``min_intent_confidence``, or the text is empty or blank) gets
        the classifier's triage queue as its skill when some roster agent has that skill
        (counted as ``intent:triage``); when nobody does, its skill stays unknown, so any
        agent on the channel may take it (counted as ``intent:triage_not_staffed``). A detected
        intent missing from ``intent_skills`` takes the classifier's queue for it the
        same way: as its skill when some roster agent has it, else no skill (counted as
        ``intent:queue_not_staffed``)."""
        if now is None:
            now = float(contact.arrival_seconds)
        changes: dict[str, Any] = {}
        for name in _OPTIONAL_FIELDS:  # NaN from a data frame means "unknown"
            v = getattr(contact, name)
            if isinstance(v, float) and v != v:
                changes[name] = None
        # codes as the roster writes them: "Voice", " chat " and "EN" were an unknown
        # channel and a language nobody speaks (dropped, silently)
        for name in ("channel", "language", "previous_channel"):
            v = changes.get(name, getattr(contact, name))
            if isinstance(v, str) and v != v.strip().lower():
                changes[name] = v.strip().lower() or None
        if changes:
            contact = replace(contact, **changes)
            changes = {}
        arrival = float(contact.arrival_seconds)
        if not np.isfinite(arrival) and np.isfinite(float(now)):
            # an infinite wait would open every bullseye step (language ignored): none
            self._count("arrival_not_finite")
            contact = replace(contact, arrival_seconds=float(now))
        elif np.isfinite(arrival) and abs(float(now) - arrival) > CLOCK_MISMATCH_SECONDS:
            self._count("clock_mismatch")
            if "clock_mismatch" not in self._warned:
                self._warned.add("clock_mismatch")
                logger.warning(
                    "Router: contact %r arrived at %r s but now is %r s: not one clock (e.g. "
                    "arrival_seconds left at 0 against epoch seconds); its wait is taken as "
                    "0 (counted in stats()['clock_mismatch']). Give arrival_seconds on the "
                    "clock of now.", contact.contact_id, arrival, now)
            contact = replace(contact, arrival_seconds=float(now))
        if not isinstance(contact.priority, int | np.integer) or contact.priority not in (0, 1, 2):
            p = contact.priority
            ok = isinstance(p, int | float | np.number) and _finite(p)
            contact = replace(contact, priority=int(min(max(p, 0), 2)) if ok else 0)
        intent, language, queue = self._detect(contact)
        if intent != contact.intent:
            changes["intent"] = intent
        if language != contact.language:
            changes["language"] = language
        if contact.skill is None and intent is not None:
            skill = self.intent_skills.get(label_text(intent) or "")
            if skill is None and queue is not None:
                # the classifier's queue for the intent: only a skill someone is rostered on
                # (else every contact of the intent would wait for nobody)
                j = self._pool.skill_index(queue)
                if j >= 0 and self._pool.staffed_skills[j]:
                    skill = queue
                else:
                    self._count("intent:queue_not_staffed")
            if skill is not None:
                changes["skill"] = skill
            elif self.intent_skills:
                self._count("intent:unknown")
            else:
                self._count("intent:no_skill_map")
                if "no_skill_map" not in self._warned:
                    self._warned.add("no_skill_map")
                    logger.warning(
                        "Router: intent %r gives no skill (no intent_skills mapping, and the "
                        "pair model has none): the contact may go to any agent, whatever "
                        "their skills. Pass intent_skills={intent: skill, ...} (counted in "
                        "stats()['intent:no_skill_map']).", intent)
        elif contact.skill is None and queue is not None:  # the classifier's triage queue
            j = self._pool.skill_index(queue)
            if j >= 0 and self._pool.staffed_skills[j]:
                changes["skill"] = queue
                self._count("intent:triage")
            else:
                self._count("intent:triage_not_staffed")
        if contact.customer_id is not None and len(self.cases):
            if self.cases.is_later(contact.customer_id, now):
                self._count("case:clock_mismatch")
            open_case, prior, prev_ch, agent = self.cases.lookup(contact.customer_id, now)
            if prior or open_case:
                changes.update(open_case=open_case or contact.open_case,
                               prior_contacts=max(prior, contact.prior_contacts),
                               previous_channel=contact.previous_channel or prev_ch,
                               is_repeat=contact.is_repeat or open_case)
                if contact.preferred_agent_id is None and agent is not None:
                    changes["preferred_agent_id"] = agent
        if not changes:
            return contact
        values = {f: getattr(contact, f) for f in _CONTACT_FIELDS}
        values.update(changes)
        return Contact(**values)  # (dataclasses.replace costs ~3x more)

    def _run_fallback(self, contact: Contact, pool: AgentPool, now: float, why: str,
                      detail: str) -> Decision:
        self._count_fallback(why, detail)
        for pol in (self.fallback, LongestIdleAgent()):
            try:
                d = pol.choose(contact, pool, now)
                return replace(d, reason=f"{REASON_FALLBACK}:{why}:{d.reason}")
            except Exception as exc:  # the fallback itself failed: try the last resort
                logger.error("Router: fallback policy %r failed: %r",
                             getattr(pol, "name", pol), exc)
        return Decision(-1, f"{REASON_FALLBACK}:{why}:error")

    def _decide(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        policy = self.policy
        if isinstance(policy, Predictive) and policy.model is None or (
                self.load_error is not None and getattr(policy, "model", True) is None):
            return self._run_fallback(contact, pool, now, "model_missing",
                                      self.load_error or "no pair model in the bundle")
        if self._take_open_circuit(self._model_breaker):
            return self._run_fallback(contact, pool, now, "circuit_open",
                                      "the model was slow or failed repeatedly")
        t0 = time.perf_counter()
        try:
            d = policy.choose(contact, pool, now)
        except Exception as exc:
            # a model failing on every call costs each decision its failure: it opens the
            # circuit like a slow one
            self._model_trouble("failed")
            return self._run_fallback(contact, pool, now, "model_error", repr(exc))
        ms = (time.perf_counter() - t0) * 1e3
        # the budget guards the model: a rule-only policy is not timed (nothing to fall
        # back to that would be faster)
        if ms > self.latency_budget_ms and getattr(policy, "model", None) is not None:
            self._model_trouble("was over the latency budget")
            return self._run_fallback(contact, pool, now, "latency",
                                      f"decision took {ms:.2f} ms > {self.latency_budget_ms} ms")
        self._note_call(self._model_breaker, slow=False)
        if type(policy) in _TRUSTED_POLICIES:
            self._count_policy_fallback(d)
            return d  # this package's policies only pick from has_capacity (tested)
        if not isinstance(d, Decision):
            return self._run_fallback(contact, pool, now, "invalid_decision",
                                      f"policy returned {type(d).__name__}")
        if d.agent >= 0:
            ch, a = pool.channel_index(contact.channel), d.agent
            if a >= len(pool) or ch < 0 or not pool.logged_in[a] or \
                    pool.load[a, ch] >= pool.capacity[a, ch] or \
                    int(pool.load[a].sum()) != int(pool.load[a, ch]):
                return self._run_fallback(contact, pool, now, "invalid_decision",
                                          f"agent {d.agent} has no free session")
        self._count_policy_fallback(d)
        return d

    def _model_trouble(self, what: str) -> None:
        """A policy call that was slow or failed; log a WARNING when it opens the circuit."""
        if self._note_call(self._model_breaker, slow=True):
            logger.warning("Router: the routing model %s %d times in a row: the next %d "
                           "decisions skip it (fallback:circuit_open, rules only).", what,
                           self.circuit_max_slow, self.circuit_cooldown_decisions)

    def _take_open_circuit(self, breaker: _Breaker) -> bool:
        """True (and one call fewer left) while ``breaker``'s circuit is open."""
        if breaker.left <= 0:
            return False
        with self._lock:
            breaker.left -= 1
        return True

    def _note_call(self, breaker: _Breaker, slow: bool) -> bool:
        """Record a timed model call: a slow one counts towards opening the circuit after
        ``circuit_max_slow`` in a row (True when this call opens it), a fast one resets."""
        if not slow:
            if breaker.slow_in_a_row:
                breaker.slow_in_a_row = 0
            return False
        with self._lock:
            breaker.slow_in_a_row += 1
            if breaker.slow_in_a_row < self.circuit_max_slow:
                return False
            breaker.left = self.circuit_cooldown_decisions
            breaker.slow_in_a_row = 0
            return True

    def _count_policy_fallback(self, d: Decision) -> None:
        """Count a policy's own fallback (e.g. ``Predictive``'s
        ``fallback:nonfinite_score`` when the model gave no finite score) as
        ``fallback:<why>`` in ``stats()``, like the Router's fallbacks."""
        reason = getattr(d, "reason", None)
        if isinstance(reason, str) and reason.startswith(f"{REASON_FALLBACK}:"):
            why = reason.split(":", 2)[1]
            self._count(f"{REASON_FALLBACK}:{why}")
            logger.debug("Router: policy fell back (%s)", reason)

    @staticmethod
    def _contact_problem(contact: Any) -> str | None:
        """What keeps the policies from reading ``contact``, naming the field; None if nothing.

        ``arrival_seconds`` must be a number (NaN is read as "now"),
        ``prior_contacts`` a finite number or None, ``channel`` text, the names and ids
        (intent, skill, language, customer, preferred agent, text, previous channel) text,
        numbers or None, and ``is_repeat`` / ``open_case`` booleans (or 0 / 1); other
        fields are cleaned by :meth:`prepare` (NaN text fields become None, a bad priority
        becomes 0)."""
        if not isinstance(contact, Contact):
            return f"a Contact is needed, got {type(contact).__name__}"
        if not isinstance(contact.channel, str):
            return f"channel must be text, got {contact.channel!r}"
        for name in _OPTIONAL_FIELDS:  # names and ids: text (or numbers), never containers
            v = getattr(contact, name)
            if v is not None and not isinstance(v, str | int | float | np.number):
                return f"{name} must be text, a number or None, got {type(v).__name__}"
        for name in ("is_repeat", "open_case"):  # "no" would read as true
            v = getattr(contact, name)
            if not isinstance(v, bool | np.bool_) and not (
                    isinstance(v, int | np.integer) and v in (0, 1)):
                return f"{name} must be True/False (or 0/1), got {v!r}"
        pc, arrival = contact.prior_contacts, contact.arrival_seconds
        if not isinstance(arrival, int | float | np.number) or not _as_float_ok(arrival):
            return f"arrival_seconds must be a number of seconds, got {arrival!r}"
        if pc is None or type(pc) is int or (isinstance(pc, int | float | np.number) and _finite(pc)):
            return None
        return f"prior_contacts must be a finite number or None, got {pc!r}"

    def _note_reoffer(self, contact_id: str) -> None:
        """Warn (once per router) when a contact told to retry comes back without ``now``."""
        with self._lock:
            if contact_id not in self._held:
                return
            del self._held[contact_id]
            first = "reoffer_without_now" not in self._warned
            self._warned.add("reoffer_without_now")
        if first:
            logger.warning(
                "Router.route: contact %r is offered again without now: its wait is read as 0 "
                "(now defaults to its arrival_seconds), so the bullseye never widens and it "
                "may wait for ever. Fix: route(contact, agents, now=<seconds on the clock of "
                "arrival_seconds>).", contact_id)

    def _bad_contact(self, contact: Any, problem: str) -> None:
        """Count a contact the policies cannot read; log what is wrong with it (WARNING the
        first time a field is at fault, DEBUG after: a feed sending bad fields would flood
        the log)."""
        self._count("bad_input")
        key = "bad_input:" + problem.split(" ", 1)[0]
        with self._lock:
            first = key not in self._warned
            self._warned.add(key)
        logger.log(logging.WARNING if first else logging.DEBUG,
                   "Router: contact %r routes nowhere (no_eligible_agent:bad_input): %s.%s",
                   getattr(contact, "contact_id", None), problem,
                   " Later contacts with this problem are logged at DEBUG." if first else "")

    def route(self, contact: Contact, available_agents: Any = None,
              now: float | None = None) -> Decision:
        """Route one contact; never raises.

        Parameters
        ----------
        contact : Contact
            Anything else, or a Contact whose ``arrival_seconds`` is not a number or whose
            ``prior_contacts`` is not a finite number (e.g. NaN), routes nowhere:
            ``no_eligible_agent:bad_input``, counted as ``bad_input``.
        available_agents : None, agent id, sequence of agent ids, sequence of agent dicts,
            DataFrame or AgentPool
            None = every roster agent is free; ids = these roster agents are free, listed
            longest idle first (the order breaks ties between equally good agents; ids not
            in the roster are ignored and counted as ``unknown_agent``); one ``str`` = that
            one agent id; a DataFrame = the ids of its ``agent_id`` column; dicts = an
            ad-hoc pool (agents joining); an ``AgentPool`` = the caller's live state (load,
            occupancy, idle times), used as is. Anything else (a DataFrame without
            ``agent_id``, a number, agent dicts with a duplicated ``agent_id``) routes
            nowhere: ``no_eligible_agent:bad_input``, counted as ``bad_input`` with a
            warning naming the problem. Agent dicts may name skills and languages the
            roster lacks (the ad-hoc pool has the roster's and theirs).
        now : float, optional
            Seconds on the clock of ``contact.arrival_seconds`` (default: the arrival, a
            wait of 0). A contact offered again after a ``retry_after_seconds`` needs it:
            without it, its wait stays 0 and the bullseye never widens (a WARNING says so
            the first time a contact told to retry comes back without ``now``).

        Returns
        -------
        Decision
            ``agent`` indexes the pool that was used (``agent_id`` names the agent).
        """
        try:
            problem = self._contact_problem(contact)
            if problem is not None:
                self._bad_contact(contact, problem)
                return Decision(-1, f"{REASON_NO_ELIGIBLE}:bad_input")
            given = now is not None
            try:
                now = float(contact.arrival_seconds if now is None else now)
            except (TypeError, ValueError, OverflowError):
                self._count("bad_input")
                logger.debug("Router.route: now must be seconds, got %r", now)
                return Decision(-1, f"{REASON_NO_ELIGIBLE}:bad_input")
            if not given and contact.contact_id is not None:
                self._note_reoffer(str(contact.contact_id))
            if not np.isfinite(now):
                now = float(contact.arrival_seconds) if _finite(contact.arrival_seconds) \
                    else 0.0
            try:
                pool = self._view(available_agents)
            except ValueError as exc:
                self._count("bad_input")
                logger.warning("Router: %s", exc)
                return Decision(-1, f"{REASON_NO_ELIGIBLE}:bad_input")
            c = self.prepare(contact, now)
            d = self._decide(c, pool, now)
            self._count("decisions")
            if d.agent >= 0:
                self._count("routed")
            elif not given and d.retry_after_seconds is not None and contact.contact_id is not None:
                with self._lock:
                    self._held[str(contact.contact_id)] = None
                    if len(self._held) > HELD_MEMORY:
                        del self._held[next(iter(self._held))]
            return d
        except Exception as exc:  # never raise into the service
            self._count("router_error")
            logger.exception("Router: unexpected error routing contact %r: %r",
                             getattr(contact, "contact_id", None), exc)
            return Decision(-1, f"{REASON_FALLBACK}:router_error")

    def route_batch(self, contacts: Sequence[Contact], available_agents: Any = None,
                    now: float | None = None, globally: bool = True) -> list[Decision]:
        """Route several contacts against the same free agents; never raises.

        With a policy that has ``assign_batch`` (``BatchAssignment``) and ``globally=True``
        the assignment is solved globally; otherwise contacts are decided one after the
        other, in the order of ``contacts`` (first come, first served), on a private copy
        of the pool, each decision taking its session, so the decisions never exceed an
        agent's capacity. Decisions are in the order of ``contacts``.
        ``available_agents`` is read as in :meth:`route`.

        When the global assignment cannot be used (model missing, failing or slow, or an
        answer over capacity) every contact gets the rule-based fallback's decision
        (``fallback:<why>:...``, counted once per contact) and the model is not asked again.

        ``contacts=None`` gives ``[]``; a single ``Contact``, a mapping, text or a number
        (not a sequence of contacts) gives one ``no_eligible_agent:bad_input`` decision;
        an item that is not a valid ``Contact``, or a second contact with the ``contact_id``
        of an earlier one in the batch, gets that decision in its place. Each counts as
        ``bad_input`` in ``stats()``.
        """
        items: list[Any] = []
        try:
            if contacts is None:
                return []
            if hasattr(contacts, "columns") and hasattr(contacts, "to_dict"):
                # a data frame: one contact per row (iterating it would give column names)
                rows: list[Any] = [_row_contact(r) for r in contacts.to_dict("records")]
                contacts = rows
            if isinstance(contacts, Contact | Mapping | str | bytes) or \
                    not hasattr(contacts, "__iter__"):
                self._count("bad_input")
                logger.debug("Router.route_batch: contacts must be a sequence of Contact, "
                             "got %s", type(contacts).__name__)
                return [Decision(-1, f"{REASON_NO_ELIGIBLE}:bad_input")]
            items = list(contacts)
            if not items:
                return []
            problems = [self._contact_problem(c) for c in items]
            ok = [pr is None for pr in problems]
            # the same contact twice in one batch would get two agents: the later copies
            # are bad input (a contact_id of None is no id)
            seen: set[str] = set()
            for i, c in enumerate(items):
                if ok[i] and c.contact_id is not None:
                    key = str(c.contact_id)
                    if key in seen:
                        ok[i] = False
                        logger.warning("Router.route_batch: contact_id %r appears more than "
                                       "once in the batch; its later copies are bad_input.",
                                       c.contact_id)
                    seen.add(key)
            arrivals = [float(c.arrival_seconds) for c, good in zip(items, ok, strict=True)
                        if good and _finite(c.arrival_seconds)]
            try:
                t = float(now) if now is not None else max(arrivals, default=0.0)
            except (TypeError, ValueError, OverflowError):
                self._count("bad_input", len(items))
                logger.debug("Router.route_batch: now must be seconds, got %r", now)
                return [Decision(-1, f"{REASON_NO_ELIGIBLE}:bad_input") for _ in items]
            if not np.isfinite(t):
                t = max(arrivals, default=0.0)
            try:
                base = self._view(available_agents)
            except ValueError as exc:
                self._count("bad_input", len(items))
                logger.warning("Router: %s", exc)
                return [Decision(-1, f"{REASON_NO_ELIGIBLE}:bad_input") for _ in items]
            pool = copy.copy(base)
            pool.load = base.load.copy()
            out: list[Decision | None] = [None] * len(items)
            valid: list[int] = []
            chosen: list[Contact] = []  # the prepared contacts of ``valid``
            for i, (c, good) in enumerate(zip(items, ok, strict=True)):
                if good:
                    valid.append(i)
                    chosen.append(self.prepare(c, t))
                else:
                    out[i] = Decision(-1, f"{REASON_NO_ELIGIBLE}:bad_input")
                    problem = problems[i]
                    if problem is None:  # a later copy of a contact_id (warned above)
                        self._count("bad_input")
                    else:
                        self._bad_contact(c, problem)
            batch = getattr(self.policy, "assign_batch", None)
            done = False
            failed: tuple[str, str] | None = None  # (why, detail): fall back per contact
            if self.load_error is not None and getattr(self.policy, "model", True) is None:
                failed = ("model_missing", self.load_error or "")
            elif globally and callable(batch) and valid and self._model_breaker.left <= 0:
                t0 = time.perf_counter()
                try:
                    ds = batch(chosen, pool, t)
                    ms = (time.perf_counter() - t0) * 1e3
                    if ms > self.latency_budget_ms * max(1, len(valid)) and \
                            getattr(self.policy, "model", None) is not None:
                        # a slow batch counts as one slow decision
                        self._note_call(self._model_breaker, slow=True)
                        failed = ("latency", f"batch of {len(valid)} took {ms:.1f} ms")
                    elif self._batch_ok(ds, chosen, pool):
                        self._note_call(self._model_breaker, slow=False)
                        for i, d in zip(valid, ds, strict=True):
                            out[i] = d
                            self._count_policy_fallback(d)
                        done = True
                    else:
                        failed = ("invalid_decision", "batch exceeds capacity")
                except Exception as exc:
                    failed = ("model_error", f"assign_batch: {exc!r}")
            if not done:
                for i, c in zip(valid, chosen, strict=True):
                    d = self._decide(c, pool, t) if failed is None else \
                        self._run_fallback(c, pool, t, *failed)
                    if d.agent >= 0:
                        pool.load[d.agent, pool.channel_index(c.channel)] += 1
                    out[i] = d
            self._count("decisions", len(valid))
            self._count("routed", sum(1 for d in out if d is not None and d.agent >= 0))
            return out  # type: ignore[return-value]
        except Exception as exc:
            self._count("router_error")
            logger.exception("Router: unexpected error in route_batch: %r", exc)
            return [Decision(-1, f"{REASON_FALLBACK}:router_error") for _ in items]

    @staticmethod
    def _batch_ok(ds: Sequence[Decision], contacts: Sequence[Contact], pool: AgentPool) -> bool:
        if len(ds) != len(contacts):
            return False
        load = pool.load.copy()
        for d, c in zip(ds, contacts, strict=True):
            if not isinstance(d, Decision):
                return False
            if d.agent < 0:
                continue
            ch = pool.channel_index(c.channel)
            if ch < 0 or d.agent >= len(pool) or not pool.logged_in[d.agent]:
                return False
            s = pool.skill_index(c.skill)
            if s >= 0 and pool.skills[d.agent, s] <= 0:  # an agent without the skill
                return False
            other = load[d.agent].sum() - load[d.agent, ch]
            if other or load[d.agent, ch] >= pool.capacity[d.agent, ch]:
                return False
            load[d.agent, ch] += 1
        return True

    def record_outcome(self, contact: Contact, agent_id: str | None, resolved: bool,
                       now: float | None = None) -> None:
        """Tell the case book how a contact ended (links the citizen's next contact).

        Never raises: a contact that is not a ``Contact``, or a time that is not seconds,
        records nothing (counted as ``bad_input``, logged)."""
        try:
            t = float(contact.arrival_seconds if now is None else now)
            if not np.isfinite(t):
                raise ValueError(f"time {t!r} is not finite")
            self.cases.record(contact.customer_id, t, str(contact.channel),
                              None if agent_id is None else label_text(agent_id), bool(resolved))
        except Exception as exc:  # never raise into the service
            self._count("bad_input")
            logger.warning("Router.record_outcome: nothing recorded for %r: %r",
                           getattr(contact, "contact_id", contact), exc)

    # -- persistence --------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        # a plain pickle / deepcopy keeps both models (the policy's model stays the same
        # object as pair_model); only save() writes them to files of their own
        return {k: v for k, v in self.__dict__.items() if k not in _RUNTIME_STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        # router.pkl of a bundle holds no models: load() reads them from their own files
        self.__dict__.setdefault("pair_model", None)
        self.__dict__.setdefault("intent_model", None)
        self._init_runtime()

    def _without_models(self) -> Router:
        """A shallow twin without the models, for ``router.pkl`` (the policies' link to
        ``pair_model`` is cut too; :meth:`load` restores it)."""
        twin = object.__new__(type(self))
        state = self.__getstate__()
        state.pop("pair_model", None)
        state.pop("intent_model", None)
        for key in ("policy", "fallback"):
            pol = state[key]
            if getattr(pol, "model", None) is not None and pol.model is self.pair_model:
                pol = copy.copy(pol)
                pol.model = None
                state[key] = pol
        twin.__dict__.update(state)
        return twin

    def save(self, path: str | Path, *, include_cases: bool = True) -> Path:
        """Write the bundle to directory ``path`` (created); return it.

        Files: ``manifest.json``, ``router.pkl``, and ``pair_model.pkl`` /
        ``intent_model.pkl`` when present.

        **Personal data**: ``router.pkl`` holds the case book — per citizen
        (``customer_id``) the time, channel, agent and outcome of the last contacts — so
        that a saved router keeps linking repeat contacts. A bundle is then personal data
        under the GDPR: store it accordingly, or pass ``include_cases=False`` to save an
        empty case book (the loaded router learns cases again from ``record_outcome``;
        :func:`routing_ml.tracking.log_model` leaves the cases out unless asked).
        ``intent_model.pkl`` holds the words of the intent model's training texts (names
        or streets citizens typed among them): see :meth:`IntentClassifier.save
        <routing_ml.routing.IntentClassifier.save>`.

        The files are pickles: loading one runs code, so load only bundles you trust (the
        manifest's SHA-256 sums catch damage, not tampering). Every file is serialised
        before any is written, then each replaces the old one and the manifest comes last:
        a save that fails (a model that cannot be pickled) leaves the previous bundle as
        it was.
        """
        import os

        import routing_ml

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        bare = self._without_models()
        if not include_cases:
            bare.cases = CaseBook(self.case_window_hours * 3600.0)
        blobs = {name: pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
                 for name, obj in (("router.pkl", bare), ("pair_model.pkl", self.pair_model),
                                   ("intent_model.pkl", self.intent_model))
                 if obj is not None}
        files = {name: hashlib.sha256(blob).hexdigest() for name, blob in blobs.items()}
        for name, blob in blobs.items():
            tmp = path / f".{name}.tmp"
            tmp.write_bytes(blob)
            os.replace(tmp, path / name)
        manifest = {
            "format": _FORMAT, "format_version": _FORMAT_VERSION,
            "routing_ml_version": routing_ml.__version__,
            "policy": getattr(self.policy, "name", type(self.policy).__name__),
            "fallback": getattr(self.fallback, "name", type(self.fallback).__name__),
            "n_agents": len(self._pool),
            "latency_budget_ms": self.latency_budget_ms,
            "case_book_citizens": len(bare.cases),
            "files": files,
        }
        tmp = path / ".manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, path / "manifest.json")
        for name in ("pair_model.pkl", "intent_model.pkl"):  # models this router has not
            if name not in blobs:
                (path / name).unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Router:
        """Load a bundle written by :meth:`save`.

        A missing or corrupt pair / intent model loads as None: the Router then falls
        back (``stats()['fallback:model_missing']``), or routes text contacts without an
        intent (``stats()['intent:model_missing']``), and ``load_error`` says why.

        **Loading runs pickle**: only load bundles you trust. The manifest's SHA-256 sums
        catch a damaged file, not a tampered one (the sums sit beside the files). A bundle
        written by another routing_ml version loads with a warning.

        Raises
        ------
        ValueError
            No manifest, a manifest of another format or version, or a ``router.pkl``
            that is corrupt or holds no Router.
        """
        path = Path(path)
        try:
            manifest = json.loads((path / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: no readable manifest.json ({exc}); is this a "
                             "directory written by Router.save()?") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
            got = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
            raise ValueError(f"{path}: manifest format {got!r} is not {_FORMAT!r}; is this a "
                             "directory written by Router.save()?")
        version = manifest.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) \
                or not 1 <= version <= _FORMAT_VERSION:
            raise ValueError(f"{path}: bundle format_version {version!r} is not one this "
                             f"routing_ml reads (<= {_FORMAT_VERSION}); it was written by "
                             f"routing_ml {manifest.get('routing_ml_version')!r}. Fix: load it "
                             f"with that version, or save the router again.")
        files = manifest.get("files", {})
        if not isinstance(files, dict):
            raise ValueError(f"{path}: manifest 'files' is not a mapping; save the router "
                             "again.")
        try:
            blob = (path / "router.pkl").read_bytes()
            if hashlib.sha256(blob).hexdigest() != files.get("router.pkl"):
                raise ValueError("checksum mismatch")
            router = pickle.loads(blob)
        except Exception as exc:
            raise ValueError(f"{path}/router.pkl is missing or corrupt ({exc}); save the "
                             "router again.") from exc
        if not isinstance(router, cls):
            raise ValueError(f"{path}/router.pkl holds a {type(router).__name__}, not a "
                             f"Router; save the router again.")
        import routing_ml

        written = manifest.get("routing_ml_version")
        if written != routing_ml.__version__:
            logger.warning("Router.load: %s was written by routing_ml %r, this is %s: check "
                           "its decisions before serving it (or save it again with this "
                           "version).", path, written, routing_ml.__version__)
        errors = []
        for name, attr in (("pair_model.pkl", "pair_model"),
                           ("intent_model.pkl", "intent_model")):
            if name not in files:
                continue
            try:
                blob = (path / name).read_bytes()
                if hashlib.sha256(blob).hexdigest() != files[name]:
                    raise ValueError("checksum mismatch")
                setattr(router, attr, pickle.loads(blob))
            except Exception as exc:
                errors.append(f"{name}: {exc!r}")
                if attr == "intent_model":
                    router._intent_missing = True
                    logger.error("Router.load: %s is missing or corrupt (%r); contacts with "
                                 "text and no intent are routed without one (any agent on the "
                                 "channel), counted as intent:model_missing.", name, exc)
                else:
                    logger.error("Router.load: %s is missing or corrupt (%r); the router "
                                 "will fall back to %s.", name, exc,
                                 getattr(router.fallback, "name", "the fallback"))
        router.load_error = "; ".join(errors) or None
        if router.pair_model is not None:
            router._link_policy_model()
        router._warm_batch_solver()
        if router._model_usable():
            try:
                router.pair_model.warm_up()
            except Exception as exc:
                router._count_fallback("model_error", f"warm-up failed: {exc!r}")
        return router

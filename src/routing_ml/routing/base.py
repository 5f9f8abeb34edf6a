"""The routing-policy interface shared by the `Router` and the simulator.

A policy sees one waiting contact and the pool of agents, and answers with a `Decision`:
the index of the chosen agent in the pool (or ``-1`` to keep the contact waiting) and a
machine-readable ``reason``. The pool keeps agent state in numpy arrays so that a policy
filters and scores 100+ agents with a handful of vectorised operations (a decision must
take well under a millisecond).

Times are seconds on one clock chosen by the caller (simulation clock, or epoch seconds
in a routing service): ``now``, ``Contact.arrival_seconds`` and ``AgentPool.idle_since``
must use the same clock.

Optional hooks (added after the first version; a caller checks with ``getattr``):

- ``choose_contact(agent, waiting, pool, now) -> int`` — an agent got a free session:
  return the index in ``waiting`` (a sequence of :class:`Contact`) of the contact it should
  take, or ``-1`` to take none. For compatibility the policies of this package also accept
  ``choose_contact(waiting, agent, pool, now)`` (they tell the two orders apart by type).
  Implemented by ``LongestIdleAgent`` (priority, then FIFO), ``SkillBased`` (priority and
  SLA aging) and ``Predictive`` (aging plus the agent's expected value on each contact).
- ``assign_batch(contacts, pool, now) -> list[Decision]`` — several contacts wait and
  several agents are free: one decision per contact, in the order of ``contacts``, that
  together never exceed an agent's free sessions (implemented by ``BatchAssignment``,
  which solves the assignment globally). Like ``choose`` it does not mutate the pool.

``Contact`` gained the cross-channel case fields ``open_case`` (the citizen has an
unresolved earlier contact), ``prior_contacts`` (earlier contacts in the case window, any
channel) and ``previous_channel``; the ``Router`` fills them from its case book.

A ``Decision`` with ``agent == -1`` and ``retry_after_seconds`` set asks the caller to
offer the contact again after that delay (bullseye steps and holdouts use it).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from routing_ml._columns import CHANNELS

logger = logging.getLogger(__name__)


def label_text(value: Any) -> str | None:
    """One text for an id or a category (agent, intent, channel, language): text as it
    is, whole numbers without a decimal part (101, 101.0 from a column with gaps and
    np.int64(101) are all ``"101"``), other numbers by ``repr``; None when missing
    (None, NaN, pd.NA)."""
    if isinstance(value, str):
        return value
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def customer_key(customer_id: Any) -> str | None:
    """The key that links a citizen's contacts: :func:`label_text`, text stripped; None for
    no citizen (None, NaN, 0, empty text, a bool, a value of another type)."""
    if isinstance(customer_id, bool | np.bool_):
        return None
    if not isinstance(customer_id, str | int | float | np.integer | np.floating):
        return None
    try:
        key = label_text(customer_id)
    except (TypeError, ValueError, OverflowError):
        return None
    if key is None:
        return None
    key = key.strip()
    return None if key in ("", "0") else key

# Machine-readable reasons (a Decision.reason starts with one of these).
REASON_LONGEST_IDLE = "longest_idle"
REASON_SKILL_MATCH = "skill_match"
REASON_PREDICTED_BEST = "predicted_best"
REASON_PREFERRED_AGENT = "preferred_agent"
REASON_BATCH = "batch_assignment"
REASON_NO_ELIGIBLE = "no_eligible_agent"
REASON_HOLDOUT = "holdout_for_better_agent"
REASON_FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact waiting to be routed.

    ``skill`` is the department skill the intent maps to; ``None`` (unknown intent) means
    any agent on the channel may take it. ``arrival_seconds`` is when it entered the queue.
    ``deadline_seconds``: for e-mail / web, the answer is due that many seconds after
    arrival (None: no deadline).
    """

    contact_id: int | str
    channel: str
    arrival_seconds: float = 0.0
    intent: str | None = None
    skill: str | None = None
    language: str | None = None
    priority: int = 0
    customer_id: int | str | None = None
    preferred_agent_id: str | None = None
    is_repeat: bool = False
    text: str | None = None
    # cross-channel case of the citizen (filled by the Router's case book when known)
    open_case: bool = False
    prior_contacts: int = 0
    previous_channel: str | None = None
    deadline_seconds: float | None = None


#: channels whose contacts can wait for an answer (answered by a deadline, never abandon)
DEFERRABLE_CHANNELS = ("email", "web")


def waiting_order(contact: Contact) -> tuple[int, int, float]:
    """Sort key of a waiting contact, first served first: real-time channels before
    e-mail / web, then higher priority, then earliest arrival (e-mail / web: earliest
    due time, arrival + ``deadline_seconds``). The simulator's built-in longest-idle rule
    and :meth:`LongestIdleAgent.choose_contact` both use it."""
    if contact.channel in DEFERRABLE_CHANNELS:
        d = contact.deadline_seconds
        due = contact.arrival_seconds + (d if d is not None and d == d else 1e18)
        return (1, -contact.priority, due)
    return (0, -contact.priority, contact.arrival_seconds)


def flag_column(df: Any, column: str, *, frame: str) -> Any:
    """``df[column]`` as a nullable boolean Series: bool, 0/1 or their text (``"0"``,
    ``"1"``) read as numbers, never by truthiness (``bool("0")`` is True); missing values
    stay missing. Any other value is a :class:`~routing_ml.errors.FrameError` (a
    ValueError) naming the frame, the column and the values."""
    import pandas as pd

    from routing_ml.errors import FrameError

    values = pd.to_numeric(df[column], errors="coerce")
    bad = df[column].notna() & ~values.isin((0, 1))
    if bad.any():
        raise FrameError(
            f"{frame}: column '{column}' must be bool (or 0/1; empty where unknown); got "
            f"values {df[column][bad].unique()[:5].tolist()}. Fix: e.g. "
            f"log['{column}'] = log['{column}'].eq('yes').")
    return values.astype("boolean")


_CONTACT_FIELD_NAMES = tuple(Contact.__dataclass_fields__)
_TRUE = {"true", "1", "yes", "y", "si", "sí", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _missing(v: Any) -> bool:
    """None, NaN of any float type, pandas.NA / NaT (scalars only)."""
    if v is None:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    return type(v).__name__ in ("NAType", "NaTType")


def contact_from_record(record: Mapping[str, Any]) -> Contact:
    """A :class:`Contact` from a table row (CSV, data frame, JSON): unknown keys and
    missing values (None, NaN, empty text) are left out, and text is read by field type —
    ``is_repeat`` / ``open_case`` from true/false, yes/no, 1/0 (as a spreadsheet writes
    them), ``priority`` / ``prior_contacts`` as whole numbers, ``arrival_seconds`` as a
    number. Raises ValueError naming the contact, the field and the value otherwise (a
    string "no" read as a truthy flag, or "1" as a count, would be silent wrong answers).
    """
    kw: dict[str, Any] = {}
    for name in _CONTACT_FIELD_NAMES:
        if name not in record:
            continue
        v = record[name]
        if _missing(v) or (isinstance(v, str) and not v.strip() and name != "text"):
            continue
        kw[name] = v
    who = f"contact {record.get('contact_id')!r}"
    for name in ("contact_id", "channel"):
        if name not in kw:
            raise ValueError(f"{who}: '{name}' is missing or empty. Fix: give every contact "
                             f"a contact_id and a channel ({', '.join(CHANNELS)}).")
    for name in ("is_repeat", "open_case"):
        if name in kw and not isinstance(kw[name], bool):  # np.bool_ reads as its text
            v = kw[name]
            text = str(v).strip().lower()
            if isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
                kw[name] = bool(v)
            elif text in _TRUE or text in _FALSE:
                kw[name] = text in _TRUE
            else:
                raise ValueError(f"{who}: '{name}' is {v!r}; expected true/false (or 1/0, "
                                 f"yes/no).")
    for name in ("priority", "prior_contacts"):
        if name in kw:
            v = kw[name]
            try:
                f = float(v)
                if not f.is_integer():
                    raise ValueError
                kw[name] = int(f)
            except (TypeError, ValueError):
                raise ValueError(f"{who}: '{name}' is {v!r}; expected a whole number"
                                 f"{' (higher is served first)' if name == 'priority' else ''}."
                                 ) from None
    for name in ("arrival_seconds", "deadline_seconds"):
        if name in kw:
            try:
                kw[name] = float(kw[name])
            except (TypeError, ValueError):
                raise ValueError(f"{who}: '{name}' is {kw[name]!r}; expected seconds (a "
                                 f"number).") from None
    return Contact(**kw)


@dataclass(frozen=True, slots=True)
class Decision:
    """A policy's answer: ``agent`` is an index into the pool, ``-1`` for none."""

    agent: int
    reason: str
    agent_id: str | None = None
    score: float | None = None
    retry_after_seconds: float | None = None  # a waiting contact: ask again after this

    @property
    def routed(self) -> bool:
        return self.agent >= 0


@dataclass(slots=True)
class AgentPool:
    """Agents as parallel arrays; static attributes first, live state after.

    Static (one row per agent): ``agent_ids``, ``skills`` (proficiency 0–5, 0 = lacks the
    skill; shape agents × skills), ``languages`` (bool, agents × languages), ``capacity``
    (sessions an agent may hold per channel, 0 = not on that channel; agents × channels).

    Live: ``load`` (sessions held per channel), ``idle_since`` (seconds; when the agent
    last became fully idle), ``busy_seconds`` and ``available_seconds`` (for occupancy),
    ``logged_in`` (bool: on shift and accepting work).

    The static arrays are read, never written, after construction (policies cache masks
    derived from them, see :meth:`static_mask`): to change an agent's skills, build a
    new pool.
    """

    agent_ids: np.ndarray
    skill_names: tuple[str, ...]
    language_names: tuple[str, ...]
    channel_names: tuple[str, ...]
    skills: np.ndarray
    languages: np.ndarray
    capacity: np.ndarray
    load: np.ndarray = field(default=None)  # type: ignore[arg-type]
    idle_since: np.ndarray = field(default=None)  # type: ignore[arg-type]
    busy_seconds: np.ndarray = field(default=None)  # type: ignore[arg-type]
    available_seconds: np.ndarray = field(default=None)  # type: ignore[arg-type]
    logged_in: np.ndarray = field(default=None)  # type: ignore[arg-type]
    # name -> column lookups, built in __post_init__ (declared so the slots class holds them)
    _skill_index: dict = field(default=None, init=False, repr=False, compare=False)  # type: ignore[arg-type]
    _language_index: dict = field(default=None, init=False, repr=False, compare=False)  # type: ignore[arg-type]
    _channel_index: dict = field(default=None, init=False, repr=False, compare=False)  # type: ignore[arg-type]
    _agent_index: dict = field(default=None, init=False, repr=False, compare=False)  # type: ignore[arg-type]
    _static: dict = field(default=None, init=False, repr=False, compare=False)  # type: ignore[arg-type]
    #: per skill: does any agent have it (static)
    staffed_skills: np.ndarray = field(default=None, init=False, repr=False, compare=False)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        n, c = len(self.agent_ids), len(self.channel_names)
        if self.load is None:
            self.load = np.zeros((n, c), dtype=np.int16)
        if self.idle_since is None:
            self.idle_since = np.zeros(n)
        if self.busy_seconds is None:
            self.busy_seconds = np.zeros(n)
        if self.available_seconds is None:
            self.available_seconds = np.zeros(n)
        if self.logged_in is None:
            self.logged_in = np.ones(n, dtype=bool)
        self._skill_index = {s: i for i, s in enumerate(self.skill_names)}
        self._language_index = {s: i for i, s in enumerate(self.language_names)}
        self._channel_index = {s: i for i, s in enumerate(self.channel_names)}
        self._agent_index = {str(a): i for i, a in enumerate(self.agent_ids)}
        self._static = {}
        self.staffed_skills = np.count_nonzero(self.skills, axis=0) > 0

    # -- lookups -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.agent_ids)

    def skill_index(self, skill: str | None) -> int:
        """Column of ``skill`` in ``skills``; -1 if unknown or None."""
        return -1 if skill is None else self._skill_index.get(skill, -1)

    def language_index(self, language: str | None) -> int:
        """Column of ``language`` (a code such as ``"es"``) in ``languages``; -1 if unknown
        or None."""
        return -1 if language is None else self._language_index.get(language, -1)

    def channel_index(self, channel: str) -> int:
        """Column of ``channel`` in ``capacity`` / ``load``; -1 if unknown."""
        return self._channel_index.get(channel, -1)

    def agent_index(self, agent_id: str | None) -> int:
        """Row of ``agent_id`` (text, or a number as :func:`label_text` writes it); -1 if
        unknown or None."""
        if agent_id is None:
            return -1
        found = self._agent_index.get(agent_id, -1) if isinstance(agent_id, str) else -1
        return found if found >= 0 else self._agent_index.get(label_text(agent_id), -1)

    def static_mask(self, channel: int, skill: int = -1, min_proficiency: int = 1,
                    language: int = -1) -> np.ndarray:
        """Read-only bool mask of the agents on ``channel`` (capacity > 0) with ``skill``
        at proficiency ``max(min_proficiency, 1)`` or more (any skill when ``skill < 0``)
        who speak ``language`` (any when ``language < 0``).

        Static attributes only (ignores ``logged_in`` and ``load``); computed once per
        argument tuple and cached, so a routing decision pays one ``&`` for it.
        """
        key = (channel, skill, min_proficiency, language)
        mask = self._static.get(key)
        if mask is None:
            mask = self.capacity[:, channel] > 0
            if skill >= 0:
                mask &= self.skills[:, skill] >= max(min_proficiency, 1)
            if language >= 0:
                mask &= self.languages[:, language]
            mask.flags.writeable = False
            self._static[key] = mask
        return mask

    def proficiency_tiers(self, channel: int, skill: int, min_proficiency: int = 1,
                          language: int = -1) -> tuple[np.ndarray, ...]:
        """:meth:`static_mask` split by proficiency in ``skill``, most proficient first
        (read-only masks, non-empty levels only; one tier when ``skill < 0``). Cached."""
        key = ("tiers", channel, skill, min_proficiency, language)
        tiers = self._static.get(key)
        if tiers is None:
            mask = self.static_mask(channel, skill, min_proficiency, language)
            if skill < 0:
                tiers = (mask,) if mask.any() else ()
            else:
                levels = np.unique(self.skills[mask, skill])[::-1]
                tiers = tuple(mask & (self.skills[:, skill] == level) for level in levels)
                for t in tiers:
                    t.flags.writeable = False
            self._static[key] = tiers
        return tiers

    # -- state ---------------------------------------------------------------------------
    def has_capacity(self, channel: int) -> np.ndarray:
        """Bool mask: logged-in agents with a free session on ``channel``.

        An agent busy on a voice call (capacity 1) takes nothing else; an agent holding
        chats may take another chat up to capacity but no call.
        """
        on_channel = self.load[:, channel]
        free = on_channel < self.capacity[:, channel]
        only_this = np.add.reduce(self.load, axis=1) == on_channel
        return self.logged_in & free & only_this

    def assign(self, agent: int, channel: int, now: float) -> None:
        """Record that ``agent`` starts a session on ``channel`` at ``now`` (seconds).

        A session past the agent's capacity, or on a second channel, is recorded as
        reported (the contact is with the agent) with a warning: the caller's state and
        the pool's disagree.
        """
        on_channel = self.load[agent, channel]
        if not (self.logged_in[agent] and on_channel < self.capacity[agent, channel]
                and self.load[agent].sum() == on_channel):  # has_capacity, one agent
            logger.warning(
                "AgentPool.assign: agent %r takes a session on %r with load %s (capacity "
                "%s, logged in %s): recorded, but no policy would have chosen it; check the "
                "events sent to the pool.", str(self.agent_ids[agent]),
                self.channel_names[channel], self.load[agent].tolist(),
                self.capacity[agent].tolist(), bool(self.logged_in[agent]))
        self.load[agent, channel] += 1

    def release(self, agent: int, channel: int, now: float) -> None:
        """Record the end of a session at ``now`` (seconds); an agent with no session left
        becomes idle. Releasing a session the agent does not hold (a duplicate "finished"
        event, or the wrong channel) changes nothing and logs a warning."""
        if self.load[agent, channel] <= 0:
            logger.warning(
                "AgentPool.release: agent %r holds no session on %r (load %s): ignored "
                "(a duplicate 'finished' event, or the wrong channel?).",
                str(self.agent_ids[agent]), self.channel_names[channel],
                self.load[agent].tolist())
            return
        self.load[agent, channel] -= 1
        if self.load[agent].sum() == 0:
            self.idle_since[agent] = now

    def occupancy(self) -> np.ndarray:
        """Busy / available seconds per agent (NaN before any available time)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.available_seconds > 0,
                            self.busy_seconds / self.available_seconds, np.nan)

    @classmethod
    def from_agents(
        cls,
        agents: Sequence[Mapping] | object,
        *,
        skill_names: Sequence[str] | None = None,
        language_names: Sequence[str] | None = None,
        channel_names: Sequence[str] = CHANNELS,
    ) -> AgentPool:
        """Build a pool from an agents frame or a list of dicts.

        Each agent has ``agent_id``, ``skills`` (mapping skill → proficiency, a whole
        number 0–5, 0 = lacks the skill), ``languages`` (iterable of codes, e.g.
        ``("es", "en")``, or text ``"es,en"``; default none), ``channels`` (iterable or
        comma-separated text; default every channel) and ``max_concurrency`` (chat
        sessions at once, a whole number >= 1; missing or None = 1; other channels
        hold one).

        Raises
        ------
        ValueError
            An empty roster, a row without ``agent_id`` / ``skills``, a duplicated
            ``agent_id``, an unknown channel, or a bad value (a proficiency that is not a whole number 0–5, such as NaN or
            ``"expert"``; ``languages`` / ``channels`` that are NaN, None or a number; a
            ``max_concurrency`` that is not a whole number >= 1), naming the agent, the
            column and the value.
        """
        import pandas as pd

        rows = agents.to_dict("records") if isinstance(agents, pd.DataFrame) else list(agents)  # type: ignore[call-overload]
        if not rows:
            raise ValueError("agents is empty: a pool needs at least one agent.")
        check_roster_rows(rows)
        ids = [str(label_text(r["agent_id"])) for r in rows]
        for r in rows:
            for key in ("languages", "channels"):
                _check_codes(r["agent_id"], key, r.get(key, ()))
        # a roster read from CSV holds "es,en" / "voice" text: one code per comma part;
        # codes are read as a contact's ("EN" is "en": the Router lower-cases contacts')
        rows = [{**r, **{k: agent_codes(r[k]) for k in ("languages", "channels") if k in r}}
                for r in rows]
        if language_names is not None:
            language_names = tuple(dict.fromkeys(agent_codes(tuple(language_names))))
        channel_names = tuple(dict.fromkeys(agent_codes(tuple(channel_names))))
        if skill_names is None:
            skill_names = sorted({s for r in rows for s in dict(r["skills"])})
        if language_names is None:
            language_names = sorted({lang for r in rows for lang in r.get("languages", ())})
        sk = {s: i for i, s in enumerate(skill_names)}
        lg = {s: i for i, s in enumerate(language_names)}
        ch = {s: i for i, s in enumerate(channel_names)}
        n = len(rows)
        skills = np.zeros((n, len(sk)), dtype=np.int8)
        langs = np.zeros((n, len(lg)), dtype=bool)
        cap = np.zeros((n, len(ch)), dtype=np.int16)
        for i, r in enumerate(rows):
            for s, level in dict(r["skills"]).items():
                prof = _proficiency(r["agent_id"], s, level)
                if s in sk:
                    skills[i, sk[s]] = prof
            for lang in r.get("languages", ()):
                if lang in lg:
                    langs[i, lg[lang]] = True
            conc = _max_concurrency(r["agent_id"], r.get("max_concurrency"))
            for c in r.get("channels", channel_names):
                if c not in ch:
                    raise ValueError(
                        f"agent {r['agent_id']!r}: unknown channel {c!r}; "
                        f"expected one of {list(channel_names)}."
                    )
                cap[i, ch[c]] = conc if c in ("chat", "messaging") else 1
        return cls(
            agent_ids=np.array(ids, dtype=object),
            skill_names=tuple(skill_names),
            language_names=tuple(language_names),
            channel_names=tuple(channel_names),
            skills=skills,
            languages=langs,
            capacity=cap,
        )


def check_roster_rows(rows: Sequence[Mapping], *, require_skills: bool = True) -> None:
    """ValueError naming the rows or agents: a row without ``agent_id`` (or ``skills``
    when required), an agent on two rows (one agent would hold twice its sessions, or
    the last row would silently win), ``skills`` that is not a mapping."""
    for key in ("agent_id", "skills") if require_skills else ("agent_id",):
        missing = [i for i, r in enumerate(rows) if key not in r]
        if missing:
            raise ValueError(f"agents: rows {missing[:5]} have no '{key}'.")
    ids = [str(label_text(r["agent_id"])) for r in rows]
    if len(set(ids)) != len(ids):
        dup = sorted(a for a, k in Counter(ids).items() if k > 1)
        raise ValueError(f"agents: duplicated agent_id {dup[:5]}; each agent must appear "
                         "once (drop the repeated rows, e.g. df.drop_duplicates('agent_id')).")
    for r in rows:
        if require_skills or r.get("skills") is not None:
            check_skills_mapping(r["agent_id"], r["skills"])


def check_skills_mapping(agent_id: object, skills: object) -> None:
    """ValueError naming the agent unless ``skills`` is a mapping skill -> proficiency."""
    if not isinstance(skills, Mapping):
        raise ValueError(
            f"agent {agent_id!r}: column 'skills' is {skills!r}; give a mapping "
            "skill -> proficiency 0–5, e.g. {'tributos': 3}.")


def _whole_number(value: object) -> int | None:
    """``value`` as an int when it is a whole number (int, integral float or numeric
    text such as ``"3"``), else None (NaN, ``"expert"``, 2.5, True)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if np.isfinite(value) and float(value).is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _proficiency(agent_id: object, skill: object, level: object) -> int:
    prof = _whole_number(level)
    if prof is None or not 0 <= prof <= 5:
        raise ValueError(
            f"agent {agent_id!r}: column 'skills' gives skill {skill!r} the proficiency "
            f"{level!r}; a proficiency is a whole number 0–5 (0 = lacks the skill). Fix: "
            f"e.g. {{{skill!r}: 3}}, or drop the skill from that agent."
        )
    return prof


def _max_concurrency(agent_id: object, value: object) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 1  # not given (an empty DataFrame cell reads as NaN)
    conc = _whole_number(value)
    if conc is None or conc < 1:
        raise ValueError(
            f"agent {agent_id!r}: column 'max_concurrency' is {value!r}; it is the number of "
            "chat/messaging sessions the agent holds at once, a whole number >= 1. Fix: "
            "give e.g. 1 or 3 (leave it out for 1); to keep an agent off chat, leave "
            "'chat' out of its channels."
        )
    return conc


def code_text(value: Any) -> Any:
    """A channel or language code as the Router reads a contact's: text stripped and
    lower-cased (``"EN "`` is ``"en"``; empty text is None), anything else as it is."""
    if isinstance(value, str):
        return value.strip().lower() or None
    return value


def agent_codes(value: object) -> tuple[Any, ...]:
    """The codes of an agent's ``languages`` / ``channels`` cell, as :func:`code_text`
    reads them: text ``"es,en"`` split at its commas, an iterable code by code; () for
    anything else (:func:`_check_codes` names that error when a pool is built)."""
    if isinstance(value, str):
        return tuple(c for c in (code_text(p) for p in value.split(",")) if c)
    if isinstance(value, bytes | Mapping) or not hasattr(value, "__iter__"):
        return ()
    return tuple(c for c in map(code_text, value) if c is not None)  # type: ignore[call-overload]


def _check_codes(agent_id: object, column: str, value: object) -> None:
    """``languages`` / ``channels`` must be text ``"es,en"`` or an iterable of codes."""
    ok = isinstance(value, str) or (
        not isinstance(value, bytes | Mapping) and hasattr(value, "__iter__"))
    if not ok:
        if column == "languages":
            example, fill = "('es', 'en') or 'es,en' (() for none)", "''"
        else:
            example, fill = "('voice', 'chat') or 'voice,chat'", "'voice'"
        raise ValueError(
            f"agent {agent_id!r}: column {column!r} is {value!r}; give an iterable of codes "
            f"such as {example}. A missing cell of a DataFrame reads as NaN: fill it, "
            f"e.g. df[{column!r}] = df[{column!r}].fillna({fill})."
        )


@runtime_checkable
class RoutingPolicy(Protocol):
    """What the Router and the simulator call at each decision point.

    ``choose`` must not mutate the pool (the caller applies the decision with
    ``pool.assign``) and must not raise on ordinary situations (nobody eligible, unknown
    skill): it returns ``Decision(-1, REASON_NO_ELIGIBLE)`` or asks for a retry instead.
    """

    name: str

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        """The agent (row of ``pool``) for ``contact``, or ``Decision(-1, ...)``.

        ``now`` is in seconds on the clock of ``contact.arrival_seconds`` (the contact has
        waited ``now - arrival_seconds`` seconds); ``pool`` holds the agents' live state
        (``has_capacity``, ``load``, ``idle_since`` in seconds on the same clock)."""
        ...


def fewest_sessions(pool: AgentPool, idx: np.ndarray) -> np.ndarray:
    """The agents of ``idx`` holding the fewest sessions (on any channel): an idle agent
    before one already holding chats (``idle_since`` is when an agent was last fully idle,
    so a busy one can look the longest idle)."""
    if idx.size < 2:
        return idx
    held = pool.load[idx].sum(axis=1)
    return idx[held == held.min()]


class LongestIdleAgent:
    """FIFO contacts, longest-idle agent with a free session on the contact's channel.

    The usual default of ACDs. Among the agents with a free session, those holding the
    fewest sessions come first (an idle agent before one already holding chats: its
    ``idle_since`` is when it was last fully idle), then the longest idle. Ignores skills
    and language unless ``require_skill`` (then a skill nobody in the pool has finds no
    agent: ``no_eligible_agent:skill_not_staffed``).
    """

    name = "longest_idle"

    def __init__(self, *, require_skill: bool = True) -> None:
        self.require_skill = require_skill

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        """The longest-idle agent with a free session (see :class:`RoutingPolicy`)."""
        ch = pool.channel_index(contact.channel)
        if ch < 0:
            return Decision(-1, REASON_NO_ELIGIBLE + ":unknown_channel")
        mask = pool.has_capacity(ch)
        if self.require_skill and contact.skill is not None:
            s = pool.skill_index(contact.skill)
            if s < 0:  # a skill nobody in the pool has: nobody qualifies (not anybody)
                return Decision(-1, REASON_NO_ELIGIBLE + ":skill_not_staffed")
            mask &= pool.static_mask(ch, s)
        idx = mask.nonzero()[0]
        if idx.size == 0:
            return Decision(-1, REASON_NO_ELIGIBLE)
        idx = fewest_sessions(pool, idx)
        # the longest idle; the first in pool order on ties
        agent = int(idx[pool.idle_since[idx].argmin()]) if idx.size > 1 else int(idx[0])
        return Decision(agent, REASON_LONGEST_IDLE, agent_id=str(pool.agent_ids[agent]))

    def choose_contact(self, agent: object, waiting: object, pool: AgentPool,
                       now: float) -> int:
        """The waiting contact a freed agent takes, in :func:`waiting_order`: real-time
        before e-mail / web, then highest priority, then earliest arrival (due time for
        e-mail / web), as the simulator's built-in longest-idle rule.

        Only contacts on a channel where the agent has a free session (and, with
        ``require_skill``, whose skill the agent has) are considered; ``-1`` if none.
        """
        a, contacts = split_choose_contact_args(agent, waiting)
        best, best_key = -1, None
        for i, c in enumerate(contacts):
            ch = pool.channel_index(c.channel)
            if ch < 0 or not pool.has_capacity(ch)[a]:
                continue
            if self.require_skill and c.skill is not None:
                s = pool.skill_index(c.skill)
                if s < 0 or pool.skills[a, s] <= 0:
                    continue
            key = waiting_order(c)
            if best_key is None or key < best_key:
                best, best_key = i, key
        return best


@runtime_checkable
class ContactChoosingPolicy(Protocol):
    """A policy that also picks which waiting contact a freed agent takes."""

    def choose_contact(self, agent: int, waiting: Sequence[Contact], pool: AgentPool,
                       now: float) -> int: ...


@runtime_checkable
class BatchRoutingPolicy(Protocol):
    """A policy that assigns several waiting contacts to several free agents at once."""

    def assign_batch(self, contacts: Sequence[Contact], pool: AgentPool,
                     now: float) -> list[Decision]: ...


def split_choose_contact_args(agent: object, waiting: object) -> tuple[int, Sequence[Contact]]:
    """Accept ``(agent, waiting)`` or ``(waiting, agent)``; return ``(agent, waiting)``."""
    if isinstance(agent, int | np.integer):
        return int(agent), waiting  # type: ignore[return-value]
    if isinstance(waiting, int | np.integer):
        return int(waiting), agent  # type: ignore[return-value]
    raise TypeError(
        f"choose_contact expects an agent index (int) and a sequence of Contact, got "
        f"{type(agent).__name__} and {type(waiting).__name__}."
    )


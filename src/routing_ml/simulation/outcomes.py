"""Where handle times and resolutions come from, with common random numbers.

Each contact carries its own pre-drawn random numbers (a standard normal ``z`` for the
handle time and a uniform ``u`` for resolution), drawn from the replication seed and
independent of the policy. An outcome model turns (contact, agent, z, u) into
``(handle_seconds, resolved)`` by inverse CDF, so the same contact served by the same
agent gets the same outcome under every policy, and a better agent gets a shorter time
from the same draw.

Models:

- :class:`ExponentialService` — exponential handle time with a mean per queue (the
  Erlang world); every contact resolved unless ``resolution_probability`` < 1.
- :class:`GroundTruthOutcomes` — the synthetic center's true lognormal agent × intent ×
  channel × language model and its resolution probabilities.
- :class:`LoggedOutcomes` — handle times and resolutions from a replayed log; with
  ``agent_effects`` (log-scale agent × key effects) a contact served by another agent
  than in the log gets ``logged × exp(effect[new] − effect[logged])``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError
from routing_ml.frames import _show
from routing_ml.routing.base import AgentPool
from routing_ml.simulation._inputs import check_queue_keys


class BoundOutcomes(Protocol):
    """An outcome model bound to one pool and one set of contacts (engine-internal)."""

    def __call__(self, contact: int, agent: int, z: float, u: float) -> tuple[float, bool]:
        ...


class OutcomeModel(Protocol):
    """Builds the fast per-service function for a pool and the prepared contacts."""

    repeat_probability: float
    repeat_delay_hours: float

    def bind(self, prepared: Any, pool: AgentPool) -> BoundOutcomes: ...


def _as_float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def check_outcome_parameters(model: Any) -> None:
    """ValueError naming the parameter when ``model``'s ``repeat_probability`` or
    ``resolution_probability`` is not in [0, 1] or its ``repeat_delay_hours`` is not a
    finite number >= 0 (a negative delay sent repeats back before their first contact)."""
    who = type(model).__name__
    for name in ("resolution_probability", "repeat_probability"):
        p = getattr(model, name, None)
        if p is not None and not 0.0 <= _as_float(p) <= 1.0:  # NaN fails too
            raise ValueError(f"{who}: {name} must be a probability in [0, 1], got {p!r}.")
    delay = getattr(model, "repeat_delay_hours", 0.0)
    f = _as_float(delay)
    if not (math.isfinite(f) and f >= 0):
        raise ValueError(f"{who}: repeat_delay_hours must be a finite number of hours >= 0 "
                         f"(the mean delay before an unresolved contact returns), got {delay!r}.")


class ExponentialService:
    """Exponential handle times: mean ``aht_seconds`` (a number, or a mapping from queue
    ``"channel:skill"`` or channel to seconds).

    Parameters
    ----------
    aht_seconds : mean handle time in seconds.
    resolution_probability : P(resolved) for every contact.
    repeat_probability : P(an unresolved contact returns).
    repeat_delay_hours : mean of the exponential delay before it returns.
    """

    def __init__(self, aht_seconds: float | Mapping[str, float] = 300.0, *,
                 resolution_probability: float = 1.0, repeat_probability: float = 0.0,
                 repeat_delay_hours: float = 24.0) -> None:
        self.aht_seconds = aht_seconds
        self.resolution_probability = resolution_probability
        self.repeat_probability = repeat_probability
        self.repeat_delay_hours = repeat_delay_hours
        check_outcome_parameters(self)

    def bind(self, prepared: Any, pool: AgentPool) -> BoundOutcomes:
        aht = self.aht_seconds
        if isinstance(aht, Mapping):
            # a typo would silently give that queue its channel's handle time
            check_queue_keys(aht, "aht_seconds", "the mean handle seconds", prepared.queue_names,
                             pool.channel_names, pool.skill_names)
            qmeans = []
            for q in prepared.queue_names:
                ch = q.split(":", 1)[0]
                if q in aht:
                    qmeans.append(float(aht[q]))
                elif ch in aht:
                    qmeans.append(float(aht[ch]))
                else:
                    raise ValueError(
                        f"aht_seconds has no entry for queue {q!r} (nor its channel {ch!r}); "
                        f"keys are {list(aht)[:8]}. Fix: add it or pass one number."
                    )
        else:
            qmeans = [float(aht)] * len(prepared.queue_names)
        bad = [(q, m) for q, m in zip(prepared.queue_names, qmeans, strict=True)
               if not (m > 0 and math.isfinite(m))]
        if bad:
            raise ValueError(
                f"aht_seconds must be a finite mean handle time > 0 seconds; queue {bad[0][0]!r} "
                f"gets {bad[0][1]:g}. Fix: give the AHT in seconds, e.g. aht_seconds=300 "
                f"for 5 minutes.")
        means = [qmeans[q] for q in prepared.queue.tolist()]
        p = float(self.resolution_probability)
        phi = _normal_cdf

        def f(contact: int, agent: int, z: float, u: float) -> tuple[float, bool]:
            # exponential by inverse CDF of the same normal draw: U = Phi(z)
            return -means[contact] * math.log1p(-phi(z)), u < p

        return f


def _normal_cdf(z: float) -> float:
    v = 0.5 * math.erfc(-z / math.sqrt(2.0))
    return min(max(v, 1e-300), 1.0 - 1e-16)


class GroundTruthOutcomes:
    """Handle time and resolution from the synthetic center's ground truth.

    ``handle = exp(log_handle_mean(agent, intent, channel, language_match) + sigma·z)``
    and ``resolved = u < resolution_probability(...)``, with tables precomputed for all
    agents × intents × channels × {language mismatch, match}. A contact without a
    language is served as a language mismatch.
    """

    def __init__(self, ground_truth: Any) -> None:
        self.ground_truth = ground_truth
        self.repeat_probability = float(getattr(ground_truth, "repeat_probability", 0.0))
        self.repeat_delay_hours = float(getattr(ground_truth, "repeat_delay_hours", 24.0))
        self._cache: tuple[Any, tuple] | None = None

    def tables(self, pool: AgentPool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mu, p, gt_agent): tables pool-agent × intent × channel × match, and the
        ground-truth index of each pool agent."""
        if self._cache is not None and self._cache[0] is pool.agent_ids:
            return self._cache[1][:3]
        gt = self.ground_truth
        ga = np.asarray(gt.agent_index(list(pool.agent_ids)), dtype=int)
        if (ga < 0).any():
            missing = [pool.agent_ids[i] for i in np.flatnonzero(ga < 0)[:5]]
            raise ValueError(f"agents {missing} are not in the ground truth; simulate the "
                             f"generator's own agents.")
        ni, nc = len(gt.intents), len(gt.channels)
        a = ga[:, None, None, None]
        i = np.arange(ni)[None, :, None, None]
        c = np.arange(nc)[None, None, :, None]
        m = np.array([False, True])[None, None, None, :]
        mu = np.broadcast_to(np.asarray(gt.log_handle_mean(a, i, c, m), float),
                             (len(ga), ni, nc, 2))
        p = np.broadcast_to(np.asarray(gt.resolution_probability(a, i, c, m), float),
                            (len(ga), ni, nc, 2))
        out = (np.ascontiguousarray(mu), np.ascontiguousarray(p), ga)
        self._cache = (pool.agent_ids, (*out, mu.tolist(), p.tolist()))
        return out

    def bind(self, prepared: Any, pool: AgentPool) -> BoundOutcomes:
        gt = self.ground_truth
        mu, p, ga = self.tables(pool)
        assert self._cache is not None  # noqa: S101 - filled by tables()
        mu_l, p_l = self._cache[1][3], self._cache[1][4]
        sigma = float(gt.handle_sigma)
        intents = prepared.intent
        if any(x is None for x in intents):
            raise ValueError("GroundTruthOutcomes needs an 'intent' for every contact; "
                             "simulate the generator's contacts frame.")
        ii = np.asarray(gt.intent_index(list(intents)), dtype=int)
        ci = np.asarray(gt.channel_index([pool.channel_names[c] for c in prepared.channel]),
                        dtype=int)
        # a contact without a language (None, NaN, "") is served as a language mismatch
        langs = prepared.language
        li = np.full(len(langs), -1, dtype=int)
        known = [k for k, x in enumerate(langs) if isinstance(x, str) and x]
        if known:
            li[known] = np.asarray(gt.language_index([langs[k] for k in known]), dtype=int)
        al = np.asarray(gt.agent_languages, dtype=bool)[ga]  # pool agent x gt language
        ii_l, ci_l, li_l = ii.tolist(), ci.tolist(), li.tolist()
        al_l = al.tolist()
        exp = math.exp

        def f(contact: int, agent: int, z: float, u: float) -> tuple[float, bool]:
            lang = li_l[contact]
            m = 1 if (lang >= 0 and al_l[agent][lang]) else 0
            i, c = ii_l[contact], ci_l[contact]
            return exp(mu_l[agent][i][c][m] + sigma * z), u < p_l[agent][i][c][m]

        return f


def _logged_handle_fill(handle_obs: np.ndarray) -> float:
    """The handle time :class:`LoggedOutcomes` gives a contact without a usable logged
    one: the median of the logged times (300 s when none is logged)."""
    h = np.asarray(handle_obs, dtype=float)
    return float(np.nanmedian(h)) if np.isfinite(h).any() else 300.0


def _check_agent_effects(eff: Any) -> None:
    """FrameError unless ``eff`` is a frame with ``agent_id``, ``key`` and a finite numeric
    ``log_effect`` (log-seconds) on every row."""
    if not isinstance(eff, pd.DataFrame):
        raise FrameError(f"agent_effects must be a pandas DataFrame with columns agent_id, key, "
                         f"log_effect; got {type(eff).__name__}.")
    missing = [c for c in ("agent_id", "key", "log_effect") if c not in eff.columns]
    if missing:
        raise FrameError(f"agent_effects is missing columns {missing} (has {list(eff.columns)}). "
                         f"Fix: one row per agent and key (skill or intent) with its log_effect "
                         f"in log-seconds, e.g. columns agent_id, key, log_effect.")
    effect = pd.to_numeric(eff["log_effect"], errors="coerce")
    bad = ~np.isfinite(effect.to_numpy(dtype=float))
    if bad.any():
        raise FrameError(
            f"agent_effects: column 'log_effect' must hold finite numbers (log-seconds); "
            f"bad values:\n{_show(eff.loc[bad, ['agent_id', 'key', 'log_effect']])}\n"
            f"Fix: drop those rows (a missing pair counts as 0) or fill them.")


class LoggedOutcomes:
    """Handle times and resolutions replayed from the log (``handle_seconds``,
    ``resolved`` columns of the contacts frame; resolved defaults to True).

    A contact without a usable logged handle time (abandoned in the log, missing, not a
    number, negative) is served in the median logged time; ``simulate`` counts them in
    ``issues['handle_seconds_imputed']``.

    Parameters
    ----------
    agent_effects : optional frame ``agent_id``, ``key`` (e.g. the call type / skill),
        ``log_effect`` (log-seconds). When a contact is served by another agent than the
        one in the log, its handle time is scaled by ``exp(effect[new] − effect[logged])``
        (missing pairs count as 0). Without it the logged time is used whoever serves.
    key : contact attribute the effects are keyed by: ``"skill"`` (default) or
        ``"intent"``.
    """

    def __init__(self, agent_effects: pd.DataFrame | None = None, *, key: str = "skill",
                 repeat_probability: float = 0.0, repeat_delay_hours: float = 24.0) -> None:
        if key not in ("skill", "intent"):
            raise ValueError(f"LoggedOutcomes key must be 'skill' or 'intent' (the contact "
                             f"attribute agent_effects are keyed by), got {key!r}.")
        if agent_effects is not None:
            _check_agent_effects(agent_effects)
        self.agent_effects = agent_effects
        self.key = key
        self.repeat_probability = repeat_probability
        self.repeat_delay_hours = repeat_delay_hours
        check_outcome_parameters(self)

    def bind(self, prepared: Any, pool: AgentPool) -> BoundOutcomes:
        h = prepared.handle_obs
        if np.isnan(h).any():
            # contacts never served in the log (abandoned) or with a bad value: no logged
            # time (counted by simulate)
            h = np.where(np.isnan(h), _logged_handle_fill(h), h)
        h_l = h.tolist()
        r = prepared.resolved_obs
        r_l = np.where(np.isnan(r), 1.0, r).astype(bool).tolist()
        if self.agent_effects is None:
            def f(contact: int, agent: int, z: float, u: float) -> tuple[float, bool]:
                return h_l[contact], r_l[contact]
            return f
        eff = self.agent_effects
        keys = sorted({str(k) for k in eff["key"]} | {str(k) for k in
                                                      getattr(prepared, self.key) if k})
        kidx = {k: i for i, k in enumerate(keys)}
        table = np.zeros((len(pool), len(keys)))
        for a, k, v in zip(eff["agent_id"].astype(str), eff["key"].astype(str),
                           eff["log_effect"].astype(float), strict=True):
            ai = pool.agent_index(a)
            if ai >= 0:
                table[ai, kidx[k]] = v
        t_l = table.tolist()
        ck = [kidx.get(str(k), -1) if k is not None else -1
              for k in getattr(prepared, self.key)]
        oa = prepared.orig_agent.tolist()
        exp = math.exp

        def g(contact: int, agent: int, z: float, u: float) -> tuple[float, bool]:
            k, o = ck[contact], oa[contact]
            if k < 0 or o < 0 or o == agent:
                return h_l[contact], r_l[contact]
            return h_l[contact] * exp(t_l[agent][k] - t_l[o][k]), r_l[contact]

        return g


def as_outcome_model(outcomes: Any, *, has_logged_handle: bool,
                     aht_seconds: float | Mapping[str, float]) -> Any:
    """Normalise the ``outcomes=`` argument of ``simulate``."""
    if outcomes is None:
        return LoggedOutcomes() if has_logged_handle else ExponentialService(aht_seconds)
    if hasattr(outcomes, "bind"):
        return outcomes
    if hasattr(outcomes, "log_handle_mean") and hasattr(outcomes, "resolution_probability"):
        return GroundTruthOutcomes(outcomes)
    raise TypeError(
        f"outcomes must be None, a GroundTruth or an outcome model with .bind(), got "
        f"{type(outcomes).__name__}."
    )

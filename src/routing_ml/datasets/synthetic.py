r"""Synthetic omnichannel citizen-service contact center of a Spanish public administration.

:func:`make_contact_center` draws a complete, reproducible center: first contacts with
text, the agents, their shifts, the interaction log of a plain skill-qualified
longest-idle-agent routing (with abandonment and repeat contacts), interval volumes, and
the :class:`GroundTruth` that generated the outcomes, so that any routing policy can be
scored exactly. Everything derives from ``seed`` through independent streams (arrivals,
texts, agents, shifts, simulation): changing ``n_agents`` leaves the arrivals and the
first contacts' texts unchanged (repeat contacts' texts come from a stream of their own).

Generative model
----------------
Indices: day :math:`d`, 5-minute slot :math:`k` of the opening hours, channel :math:`c`
(voice, chat, email, web, messaging), intent :math:`i` (19 intents of 11 department
skills, table ``INTENTS``), language :math:`l` (es, en, ca, gl, eu), agent :math:`a`.

**Calendar.** Open Monday–Friday 08:00–20:00 and Saturday 09:00–14:00; closed on Sundays
and on the national + regional holidays of ``holidays.Spain(subdiv=region)``. No contact
arrives while the center is closed; a repeat contact that would fall in a closed period is
moved to the next opening plus an exponential delay (mean 45 min).

**Arrivals** (first contacts) are Poisson in each cell:

.. math::

    N_{dkci} \sim \mathrm{Poisson}\big(D \, w_{\mathrm{dow}(d)} \, h_d \, \varepsilon_d \,
    \varepsilon_{di} \, g_{di} \, s_i \, m_{ic} \, \pi_c(k \mid d)\big)

with ``D = daily_contacts`` (mean first contacts of an ordinary weekday), weekly factors
:math:`w` = (1.15, 1.05, 1.00, 0.97, 0.83, 0.25) for Monday … Saturday (weekday mean 1),
:math:`h_d = 1.2` on the first open day after a weekday holiday (else 1), day noise
:math:`\log\varepsilon_d \sim N(0, 0.08^2)` and day × intent noise
:math:`\log\varepsilon_{di} \sim N(0, 0.10^2)`, campaign multipliers :math:`g_{di}`
(``CAMPAIGNS``: income-tax season 3 Apr–30 Jun renta × 5, digital certificate × 1.6, ...;
vehicle tax Apr–May × 2.5; IBI Oct–Nov × 2.5; back-to-school September; January
unemployment), intent shares :math:`s_i` and channel mixes :math:`m_{ic}` of ``INTENTS``
(overall about 46 % voice, 14 % chat, 14 % email, 18 % web, 9 % messaging), and the
intraday profile :math:`\pi_c(k\mid d)` normalised over the day's open slots (voice: two
humps at 10:30 and 16:30; chat/messaging: later and flatter; email/web: flattest). Times
are uniform within a slot.

**Contact attributes.** Language :math:`l \sim` ``language_mix`` (default by region, e.g.
Madrid es 0.87, en 0.07, ca/gl/eu 0.02 each; Catalonia ca 0.36), with the English share
× 4 for the foreigners' office intent; priority 1 (elderly / vulnerable) and 2 (urgent)
with intent-specific probabilities; patience (voice, chat, messaging) lognormal with
log-SD 0.8 and mean 240 s / 420 s / 1800 s (× 1.5 for priority 1); email/web answer
deadline 48 h / 72 h. Text: opener + intent phrase with slots + closer from
:mod:`routing_ml.datasets._texts` (several phrases per intent and language; about 7 % of
texts are vague and carry no intent information, ``vague_share``; 12 % add a clause
about a related intent, "... y ademas ...", ``mixed_share``; e-mails often hold two
phrases of their intent), then noise: accents stripped
(p = 0.45), lower-cased (0.35) or upper-cased (0.03), 1–3 typos (0.35); voice texts (a
speech recogniser's output) are always lower case without accents.

**Agents.** ``n_agents`` agents with a channel profile (voice 35 %: voice ± email; digital
25 %: chat, messaging, email, web; blended 40 %: all), chat/messaging concurrency 2–4,
tenure :math:`\sim` lognormal (median 24 months), languages (es always; en p = 0.3, 0.7 for
foreigners' office agents; the regional language p = 0.8 in its region, else small),
the ``informacion`` skill plus 2–6 other skills drawn in proportion to demand.

**Ground truth** (:class:`GroundTruth`). Log handle time of agent :math:`a` on a contact
of intent :math:`i` on channel :math:`c`:

.. math::

    \log H = \beta_{ic} + \alpha_a + \gamma_{a,\mathrm{skill}(i)} + \delta_{ai}
    + \lambda\,(1 - \mathrm{match}) + \sigma Z, \qquad Z \sim N(0, 1)

with :math:`\beta_{ic} = \log(\text{median}_i) + \log(\kappa_c)` (voice medians 65–295 s,
channel factors :math:`\kappa` = 1, 1.5, 1.1, 0.9, 1.3), agent effect :math:`\alpha_a
\sim N(0, 0.35^2)` (longer tenure is faster: correlation −0.4 with log tenure),
agent × intent effect :math:`\gamma + \delta` with SD :math:`\sqrt{0.20^2 + 0.15^2} = 0.25`
(the skill part :math:`\gamma` is shared by the intents of a skill), language-mismatch
penalty :math:`\lambda = 0.30` (match = the agent speaks the contact's language) and
residual :math:`\sigma = 1.0`. In each generated center the sampled :math:`\alpha`,
:math:`\gamma + \delta` and :math:`\rho` are centred and scaled to exactly these SDs, so
the calibration holds for any ``n_agents``. Resolution:

.. math::

    \mathrm{logit}\,P(\text{resolved}) = \theta_{ic} + \rho_a + \eta_{ai} - 0.8\,(1 - \mathrm{match})

with :math:`\theta_{ic} = \mathrm{logit}(p_i) + \tau_c` (:math:`p_i` 0.55–0.92; channel
offsets :math:`\tau` = 0, −0.1, −0.35, −0.5, −0.2), agent effect :math:`\rho_a` of SD 0.45
(correlated −0.3 with :math:`\alpha_a`: faster agents resolve a little more), giving an
agent spread of about ±10 points (10th–90th percentile half-width), and
:math:`\eta_{ai} = -0.4(\gamma + \delta) + N(0, 0.15^2)`. The listed proficiency (1–5) is
:math:`\mathrm{level}(0.6\, z_{as} + 0.8\, \xi)` with :math:`z_{as} = -(\alpha_a +
\gamma_{as}) / \mathrm{SD}` and :math:`\xi \sim N(0,1)`, cut at the normal 10/30/70/90 %
quantiles: a noisy signal (correlation about −0.55 with the true agent × skill log
handle time) of the agent's speed on that skill.

**Repeats.** An answered but unresolved contact comes back with probability 0.7 after an
exponential delay (mean 24 h); an abandoned one with probability 0.5 after 1 h. The repeat
has the same customer, intent and language, and a channel that stays the same with
probability 0.4 (0.7 after an abandonment), else is drawn from (voice 0.55, chat 0.15,
email 0.10, web 0.10, messaging 0.10) without the previous channel. An e-mail or web
form still unanswered after an exponential time (mean 24 h, ``chase_delay_hours``) is
chased with probability 0.5 (``chase_probability``) by a new contact on another channel
from the same mix, while the original stays in its queue: the classic "I wrote an
email, nobody answered, now I call" (duplicate work under a backlog). The chase is
decided when its time comes; one that falls in closed hours is moved to the next opening
plus a delay, by when the original may have been answered first (about one chaser in
six in a three-week log: the citizen called about an e-mail answered that morning).

**Routing of the log.** A small event loop: on arrival, the contact goes to the eligible
agent (on shift, has the skill and the channel, a free session) with the lowest load and
then the longest idle time; otherwise it waits in its queue (``channel:skill``), ordered
by priority then arrival. A freed agent takes the best head among its real-time queues
(voice, chat, messaging), and only if there is none, email/web (deferred work). A waiting
voice/chat/messaging contact abandons when its patience runs out. Chat and messaging
sessions are concurrent up to ``max_concurrency``; an agent holding chats takes no call.
Shifts are built per day by a greedy cover of the expected workload (expected arrivals ×
mean handle time, chat/messaging divided by 0.8 × mean concurrency, × 1.3 for repeats,
email/web spread over the day) at ``occupancy_target`` plus one agent, with 7-hour shifts
starting 08:00–13:00 (Saturday 09:00–14:00); each agent works at most 5 days per ISO week
(a week that needs more agent-days is scaled down), least-worked agents first. With the
defaults (2000 contacts, 60 agents) about 5 % of calls abandon; a pool too small for the
demand gives a congested log (``make_contact_center(days=1, daily_contacts=20000,
n_agents=150)``: about half the calls abandon and most e-mail stays in the backlog).
"""

from __future__ import annotations

import bisect
import heapq
import logging
import math
import random
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.datasets import _texts
from routing_ml.errors import FrameError, RoutingMLError

logger = logging.getLogger(__name__)

__all__ = ["ContactCenter", "GroundTruth", "GeneratorParameterError", "make_contact_center",
           "estimate_agent_effects",
           "INTENTS", "SKILLS", "CAMPAIGNS"]


class GeneratorParameterError(RoutingMLError, ValueError):
    """An argument of :func:`make_contact_center` is out of range."""


CHANNELS = ("voice", "chat", "email", "web", "messaging")
LANGUAGES = _texts.LANGUAGES
REALTIME = (0, 1, 4)  # voice, chat, messaging
DEFERRED = (2, 3)  # email, web
CONCURRENT = (1, 4)  # chat, messaging

SKILLS = (
    "citas", "padron", "tributos", "servicios_sociales", "licencias",
    "administracion_electronica", "empleo", "sanidad", "extranjeria", "renta", "informacion",
)

# intent, skill, share, voice median handle (s), P(resolved) base,
# channel mix (voice, chat, email, web, messaging), P(priority 1), P(priority 2), description
INTENTS: tuple[tuple[str, str, float, float, float, tuple[float, ...], float, float, str], ...] = (
    ("cita_previa", "citas", 0.12, 75, 0.88, (.42, .16, .05, .27, .10), .06, .01,
     "Solicitud de cita previa"),
    ("cita_cancelar", "citas", 0.05, 65, 0.90, (.40, .15, .10, .25, .10), .05, .01,
     "Anulación o cambio de cita previa"),
    ("padron_alta", "padron", 0.06, 170, 0.75, (.45, .12, .15, .20, .08), .04, .01,
     "Alta o cambio de domicilio en el padrón municipal"),
    ("padron_certificado", "padron", 0.07, 105, 0.85, (.35, .15, .15, .25, .10), .05, .01,
     "Certificado o volante de empadronamiento"),
    ("ibi", "tributos", 0.05, 180, 0.72, (.50, .10, .20, .12, .08), .08, .01,
     "Impuesto sobre Bienes Inmuebles (IBI)"),
    ("ivtm", "tributos", 0.04, 140, 0.78, (.50, .12, .15, .15, .08), .06, .01,
     "Impuesto sobre Vehículos de Tracción Mecánica (IVTM)"),
    ("plusvalia", "tributos", 0.03, 230, 0.62, (.50, .08, .25, .12, .05), .08, .01,
     "Plusvalía municipal (IIVTNU)"),
    ("multa", "tributos", 0.06, 145, 0.70, (.45, .12, .18, .17, .08), .03, .02,
     "Multas y sanciones de tráfico"),
    ("ayuda_social", "servicios_sociales", 0.05, 295, 0.55, (.55, .10, .12, .15, .08), .20, .12,
     "Ayudas sociales: ingreso mínimo vital, emergencia, alquiler"),
    ("dependencia", "servicios_sociales", 0.03, 280, 0.58, (.65, .05, .12, .12, .06), .45, .06,
     "Dependencia, teleasistencia y ayuda a domicilio"),
    ("licencia_obras", "licencias", 0.03, 210, 0.65, (.40, .08, .30, .17, .05), .03, .01,
     "Licencias de obra y declaraciones responsables"),
    ("licencia_actividad", "licencias", 0.02, 230, 0.62, (.40, .08, .30, .17, .05), .03, .01,
     "Licencias de actividad, apertura y terrazas"),
    ("certificado_digital", "administracion_electronica", 0.05, 250, 0.70,
     (.40, .25, .15, .12, .08), .06, .02, "Certificado digital (FNMT) y firma electrónica"),
    ("registro_electronico", "administracion_electronica", 0.05, 210, 0.72,
     (.35, .25, .18, .12, .10), .04, .03, "Sede y registro electrónico, Cl@ve"),
    ("desempleo", "empleo", 0.07, 195, 0.68, (.55, .12, .10, .13, .10), .06, .04,
     "Prestación y subsidio por desempleo, demanda de empleo"),
    ("tarjeta_sanitaria", "sanidad", 0.05, 105, 0.85, (.45, .15, .10, .20, .10), .15, .02,
     "Tarjeta sanitaria y médico de cabecera"),
    ("extranjeria", "extranjeria", 0.06, 225, 0.60, (.40, .15, .20, .15, .10), .03, .03,
     "Extranjería: NIE, TIE, residencia y arraigo"),
    ("renta", "renta", 0.04, 230, 0.75, (.55, .12, .08, .15, .10), .10, .01,
     "Campaña de la renta (IRPF)"),
    ("informacion_general", "informacion", 0.06, 70, 0.92, (.50, .15, .10, .15, .10), .06, 0.0,
     "Información general, quejas y sugerencias"),
)

# name, (month, day) start, (month, day) end (inclusive), intent multipliers
CAMPAIGNS: tuple[tuple[str, tuple[int, int], tuple[int, int], dict[str, float]], ...] = (
    ("renta", (4, 3), (6, 30), {"renta": 5.0, "certificado_digital": 1.6,
                                "registro_electronico": 1.3, "cita_previa": 1.15}),
    ("ivtm", (4, 1), (5, 31), {"ivtm": 2.5}),
    ("ibi", (10, 1), (11, 30), {"ibi": 2.5}),
    ("vuelta_al_cole", (9, 1), (9, 30), {"padron_certificado": 1.8, "ayuda_social": 1.4,
                                         "padron_alta": 1.3}),
    ("fin_de_contratos_navidad", (1, 8), (1, 31), {"desempleo": 1.4}),
)

WEEKLY = (1.15, 1.05, 1.00, 0.97, 0.83, 0.25, 0.0)
OPEN_HOURS = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (9, 14)}
SLOT_MINUTES = 5

CHANNEL_LOG_HANDLE = np.log([1.0, 1.5, 1.1, 0.9, 1.3])
CHANNEL_LOGIT = np.array([0.0, -0.1, -0.35, -0.5, -0.2])
PATIENCE_MEAN_SECONDS = np.array([240.0, 420.0, np.inf, np.inf, 1800.0])
PATIENCE_LOG_SD = 0.8
DEADLINE_SECONDS = np.array([np.nan, np.nan, 48 * 3600.0, 72 * 3600.0, np.nan])
REPEAT_CHANNEL_MIX = np.array([0.55, 0.15, 0.10, 0.10, 0.10])

_REGIONAL = {"CT": "ca", "IB": "ca", "VC": "ca", "GA": "gl", "PV": "eu", "NC": "eu"}
_REGION_MIX = {
    "CT": {"es": .55, "en": .07, "ca": .36, "gl": .01, "eu": .01},
    "IB": {"es": .58, "en": .10, "ca": .30, "gl": .01, "eu": .01},
    "VC": {"es": .70, "en": .07, "ca": .21, "gl": .01, "eu": .01},
    "GA": {"es": .66, "en": .06, "ca": .01, "gl": .26, "eu": .01},
    "PV": {"es": .72, "en": .06, "ca": .01, "gl": .01, "eu": .20},
    "NC": {"es": .82, "en": .06, "ca": .01, "gl": .01, "eu": .10},
}
_DEFAULT_MIX = {"es": .87, "en": .07, "ca": .02, "gl": .02, "eu": .02}


def default_language_mix(region: str) -> dict[str, float]:
    """Share of contacts per language code for a Spanish ``region`` (subdivision code)."""
    return dict(_REGION_MIX.get(region, _DEFAULT_MIX))


# ---------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """The outcome model that generated the log; vectorised over integer index arrays.

    Every method broadcasts its integer index arguments (``agent``, ``intent``,
    ``channel``) and the boolean ``language_match`` like numpy does. Indices follow the
    order of ``agent_ids``, ``intents``, ``channels``, ``languages``; translate names with
    :meth:`agent_index`, :meth:`intent_index`, :meth:`channel_index`,
    :meth:`language_index`, and compute ``language_match`` with :meth:`language_match`.
    See the module docstring for the equations.
    """

    intents: tuple[str, ...]
    agent_ids: tuple[str, ...]
    channels: tuple[str, ...]
    languages: tuple[str, ...]
    skills: tuple[str, ...]
    intent_skill: np.ndarray  # (intents,) skill index of each intent
    base_log_handle: np.ndarray  # beta (intents x channels)
    agent_effect: np.ndarray  # alpha (agents,)
    agent_intent_effect: np.ndarray  # gamma + delta (agents x intents)
    language_mismatch_log_handle: float
    handle_sigma: float
    base_logit: np.ndarray  # theta (intents x channels)
    agent_logit: np.ndarray  # rho (agents,)
    agent_intent_logit: np.ndarray  # eta (agents x intents)
    language_mismatch_logit: float
    agent_languages: np.ndarray  # bool (agents x languages)
    repeat_probability: float = 0.7
    repeat_delay_hours: float = 24.0
    abandon_retry_probability: float = 0.5
    abandon_retry_delay_hours: float = 1.0
    repeat_same_channel_probability: float = 0.4
    retry_same_channel_probability: float = 0.7
    chase_probability: float = 0.5
    chase_delay_hours: float = 24.0
    repeat_channel_mix: np.ndarray = field(default_factory=lambda: REPEAT_CHANNEL_MIX.copy())
    patience_mean_seconds: np.ndarray = field(
        default_factory=lambda: PATIENCE_MEAN_SECONDS.copy())
    patience_log_sd: float = PATIENCE_LOG_SD

    # -- name lookups -----------------------------------------------------------------
    @staticmethod
    def _lookup(names: Any, order: tuple[str, ...], what: str) -> np.ndarray:
        pos = {n: i for i, n in enumerate(order)}
        arr = np.atleast_1d(np.asarray(names, dtype=object))
        try:
            out = np.array([pos[str(n)] for n in arr.ravel()], dtype=np.int64)
        except KeyError as exc:
            raise GeneratorParameterError(
                f"unknown {what} {exc.args[0]!r}; expected one of {list(order)[:20]}."
            ) from None
        out = out.reshape(arr.shape)
        return out if np.ndim(names) else out[0]

    def intent_index(self, names: Any) -> np.ndarray:
        """Positions of intent names in ``intents``."""
        return self._lookup(names, self.intents, "intent")

    def agent_index(self, ids: Any) -> np.ndarray:
        """Positions of agent ids in ``agent_ids``."""
        return self._lookup(ids, self.agent_ids, "agent_id")

    def channel_index(self, names: Any) -> np.ndarray:
        """Positions of channel names in ``channels``."""
        return self._lookup(names, self.channels, "channel")

    def language_index(self, names: Any) -> np.ndarray:
        """Positions of language codes in ``languages``."""
        return self._lookup(names, self.languages, "language")

    def language_match(self, agent: Any, language: Any) -> np.ndarray:
        """True where the agent speaks the language (integer indices)."""
        return self.agent_languages[np.asarray(agent), np.asarray(language)]

    # -- outcome model ----------------------------------------------------------------
    def log_handle_mean(self, agent: Any, intent: Any, channel: Any,
                        language_match: Any = True) -> np.ndarray:
        """Mean of log handle seconds (mu) per (agent, intent, channel, language match)."""
        agent, intent, channel = np.asarray(agent), np.asarray(intent), np.asarray(channel)
        miss = 1.0 - np.asarray(language_match, dtype=float)
        return (self.base_log_handle[intent, channel] + self.agent_effect[agent]
                + self.agent_intent_effect[agent, intent]
                + self.language_mismatch_log_handle * miss)

    def expected_handle_seconds(self, agent: Any, intent: Any, channel: Any,
                                language_match: Any = True) -> np.ndarray:
        """Mean handle seconds, exp(mu + sigma^2 / 2)."""
        mu = self.log_handle_mean(agent, intent, channel, language_match)
        return np.exp(mu + 0.5 * self.handle_sigma ** 2)

    def resolution_probability(self, agent: Any, intent: Any, channel: Any,
                               language_match: Any = True) -> np.ndarray:
        """P(resolved at first contact) in (0, 1)."""
        agent, intent, channel = np.asarray(agent), np.asarray(intent), np.asarray(channel)
        miss = 1.0 - np.asarray(language_match, dtype=float)
        return _sigmoid(self.base_logit[intent, channel] + self.agent_logit[agent]
                        + self.agent_intent_logit[agent, intent]
                        + self.language_mismatch_logit * miss)

    def sample(self, rng: np.random.Generator, agent: Any, intent: Any, channel: Any,
               language_match: Any = True) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``(handle_seconds, resolved)`` for the given pairs."""
        mu = self.log_handle_mean(agent, intent, channel, language_match)
        p = self.resolution_probability(agent, intent, channel, language_match)
        mu, p = np.broadcast_arrays(mu, p)
        handle = np.exp(mu + self.handle_sigma * rng.standard_normal(mu.shape))
        resolved = rng.random(p.shape) < p
        return handle, resolved

    def sample_repeat(self, rng: np.random.Generator, channel: Any, *,
                      abandoned: Any = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Whether an unresolved (or abandoned) contact comes back, after how long, where.

        Returns ``(comes_back, delay_seconds, new_channel)`` arrays shaped like ``channel``
        (broadcast with ``abandoned``). The caller moves a delay that lands in closed
        hours to the next opening.
        """
        channel = np.asarray(channel)
        abandoned = np.asarray(abandoned, dtype=bool)
        channel, abandoned = np.broadcast_arrays(channel, abandoned)
        prob = np.where(abandoned, self.abandon_retry_probability, self.repeat_probability)
        comes_back = rng.random(channel.shape) < prob
        mean_h = np.where(abandoned, self.abandon_retry_delay_hours, self.repeat_delay_hours)
        delay = rng.exponential(1.0, channel.shape) * mean_h * 3600.0
        same = np.where(abandoned, self.retry_same_channel_probability,
                        self.repeat_same_channel_probability)
        keep = rng.random(channel.shape) < same
        # draw among the other channels: cumulative mix without the current channel
        mix = np.broadcast_to(self.repeat_channel_mix, (*channel.shape, len(self.channels)))
        mix = mix.copy()
        np.put_along_axis(mix, channel[..., None], 0.0, axis=-1)
        cum = np.cumsum(mix, axis=-1)
        u = rng.random(channel.shape) * cum[..., -1]
        other = (cum < u[..., None]).sum(axis=-1)
        return comes_back, delay, np.where(keep, channel, other)

    def sample_patience(self, rng: np.random.Generator, channel: Any,
                        priority: Any = 0) -> np.ndarray:
        """Patience seconds (lognormal; +inf on email/web; x1.5 for priority 1)."""
        channel, priority = np.broadcast_arrays(np.asarray(channel), np.asarray(priority))
        mean = self.patience_mean_seconds[channel] * np.where(priority == 1, 1.5, 1.0)
        s = self.patience_log_sd
        z = rng.standard_normal(channel.shape)
        with np.errstate(invalid="ignore"):
            out = mean * np.exp(s * z - 0.5 * s * s)
        return np.where(np.isinf(mean), np.inf, out)


@dataclass(frozen=True, eq=False)
class ContactCenter:
    """A generated contact center (see :func:`make_contact_center` for the columns)."""

    contacts: pd.DataFrame
    agents: pd.DataFrame
    shifts: pd.DataFrame
    interactions: pd.DataFrame
    volumes: pd.DataFrame
    intents: pd.DataFrame
    ground_truth: GroundTruth
    calendar: pd.DataFrame
    params: dict[str, Any]


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def _check_real(name: str, val: Any) -> None:
    """A finite real number (not bool), else a GeneratorParameterError naming ``name``."""
    if isinstance(val, bool) or not isinstance(val, (int, float, np.integer, np.floating)) \
            or not np.isfinite(val):
        raise GeneratorParameterError(f"{name} must be a finite number, got {val!r}.")


def _is_int(val: Any) -> bool:
    """An integer that is not a bool (``True`` would silently mean 1)."""
    return isinstance(val, (int, np.integer)) and not isinstance(val, (bool, np.bool_))


def _check_args(seed: Any, days: Any, start: Any, region: str, daily_contacts: Any,
                n_agents: Any, interval_minutes: Any, occupancy_target: Any,
                language_mix: dict[str, float] | None) -> pd.Timestamp:
    if not _is_int(seed) or seed < 0:
        raise GeneratorParameterError(f"seed must be a non-negative int, got {seed!r}.")
    if not _is_int(days) or days < 1:
        raise GeneratorParameterError(f"days must be an int >= 1, got {days!r}.")
    if isinstance(start, int | float | np.number) and not isinstance(start, bool):
        # pd.Timestamp(20240108) is 1970-01-01 00:00:00.020240108, not 8 January 2024
        raise GeneratorParameterError(
            f"start must be a date like '2024-01-08' (text or pd.Timestamp), got the number "
            f"{start!r}.")
    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise GeneratorParameterError(
            f"start must be a date like '2024-01-08', got {start!r}.") from exc
    if pd.isna(ts):
        raise GeneratorParameterError(
            f"start must be a date like '2024-01-08', got {start!r}.")
    if ts.tz is not None:
        raise GeneratorParameterError(
            f"start must be a naive local date (opening hours are local wall-clock time), "
            f"got the time-zone-aware {start!r}; pass start.tz_localize(None) or a date "
            f"string like '2024-01-08'.")
    ts = ts.normalize()
    import holidays

    # the autonomous communities (two-letter codes): holidays also knows provinces and
    # cities ('Barcelona'), which have no language mix here
    regions = [r for r in holidays.Spain.subdivisions if len(r) == 2 and r.isupper()]
    if region not in regions:
        raise GeneratorParameterError(
            f"region {region!r} is not a Spanish autonomous community code; use one of "
            f"{regions} (e.g. 'MD' for Madrid, 'CT' for Catalonia).")
    _check_real("daily_contacts", daily_contacts)
    _check_real("occupancy_target", occupancy_target)
    if not daily_contacts > 0:
        raise GeneratorParameterError(f"daily_contacts must be > 0, got {daily_contacts!r}.")
    if not _is_int(n_agents) or n_agents < 1:
        raise GeneratorParameterError(f"n_agents must be an int >= 1, got {n_agents!r}.")
    if interval_minutes not in (5, 10, 15, 20, 30, 60):
        raise GeneratorParameterError(
            f"interval_minutes must divide an hour and be a multiple of 5 "
            f"(5, 10, 15, 20, 30, 60), got {interval_minutes!r}.")
    if not 0 < occupancy_target <= 1:
        raise GeneratorParameterError(
            f"occupancy_target must be in (0, 1], got {occupancy_target!r}.")
    if language_mix is not None:
        if not isinstance(language_mix, dict):
            raise GeneratorParameterError(
                f"language_mix must be a dict of language code -> share, got {language_mix!r}.")
        for code, share in language_mix.items():
            if isinstance(share, bool) or not isinstance(
                    share, (int, float, np.integer, np.floating)) or not np.isfinite(share):
                raise GeneratorParameterError(
                    f"language_mix[{code!r}] must be a finite share >= 0, got {share!r} "
                    f"in {language_mix!r}.")
        bad = [k for k in language_mix if k not in LANGUAGES]
        if bad or abs(sum(language_mix.values()) - 1) > 1e-6 or min(language_mix.values()) < 0:
            raise GeneratorParameterError(
                f"language_mix must map codes among {list(LANGUAGES)} to shares >= 0 "
                f"summing to 1, got {language_mix!r}.")
    return ts


def _calendar(start: pd.Timestamp, days: int, region: str, campaigns: bool = True
              ) -> pd.DataFrame:
    import holidays

    dates = pd.date_range(start, periods=days, freq="D")
    hol = holidays.Spain(subdiv=region, years=sorted({d.year for d in dates}))
    dow = dates.dayofweek.to_numpy()
    names = [hol.get(d.date(), "") for d in dates]
    is_hol = np.array([n != "" for n in names])
    is_open = (dow < 6) & ~is_hol
    opening = np.array([OPEN_HOURS.get(int(w), (0, 0))[0] for w in dow], dtype=float)
    closing = np.array([OPEN_HOURS.get(int(w), (0, 0))[1] for w in dow], dtype=float)
    # first open day after a closed weekday holiday
    after = np.zeros(days, dtype=bool)
    prev_hol = False
    for j in range(days):
        if is_open[j]:
            after[j] = prev_hol
            prev_hol = False
        elif is_hol[j] and dow[j] < 5:
            prev_hol = True
    camp = []
    for d in dates:
        md = (d.month, d.day)
        camp.append(",".join(n for n, a, b, _ in CAMPAIGNS if a <= md <= b) if campaigns
                    else "")
    return pd.DataFrame({
        "date": dates, "weekday": dow.astype(np.int8), "is_holiday": is_hol,
        "holiday_name": names, "is_open": is_open,
        "open_hour": np.where(is_open, opening, np.nan),
        "close_hour": np.where(is_open, closing, np.nan),
        "after_holiday": after, "campaigns": camp,
    })


def _profile(hours: np.ndarray) -> np.ndarray:
    """Unnormalised intraday shape per channel, shape (len(hours), 5)."""

    def g(mu: float, sd: float) -> np.ndarray:
        return np.exp(-0.5 * ((hours - mu) / sd) ** 2)

    voice = 0.25 + g(10.5, 1.3) + 0.65 * g(16.5, 1.2)
    chat = 0.35 + 0.8 * g(11.5, 1.8) + 0.8 * g(17.5, 1.8)
    mail = 0.6 + g(10.5, 2.0) + 0.5 * g(16.0, 2.0)
    return np.stack([voice, chat, mail, mail, chat], axis=1)


AGENT_SD, AGENT_INTENT_SD, AGENT_LOGIT_SD, RESIDUAL_SD = 0.35, 0.25, 0.45, 1.0


def _standardise(x: np.ndarray, sd: float) -> np.ndarray:
    """Centre ``x`` and scale it to standard deviation ``sd`` (no-op for one value)."""
    x = x - x.mean()
    s = x.std()
    return x * (sd / s) if x.size > 1 and s > 0 else x


def _level(z: np.ndarray) -> np.ndarray:
    """Proficiency 1..5 from a standard-normal score (10/20/40/20/10 %)."""
    return (1 + np.searchsorted(np.array([-1.2816, -0.5244, 0.5244, 1.2816]), z)).astype(
        np.int8)


# ---------------------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------------------
def make_contact_center(
    seed: int = 0,
    days: int = 14,
    start: str | pd.Timestamp = "2024-01-08",
    region: str = "MD",
    daily_contacts: float = 2000,
    n_agents: int = 60,
    interval_minutes: int = 30,
    campaigns: bool = True,
    occupancy_target: float = 0.85,
    *,
    language_mix: dict[str, float] | None = None,
    vague_share: float = 0.07,
    mixed_share: float = 0.12,
    simulate: bool = True,
) -> ContactCenter:
    """Generate a synthetic citizen-service contact center with its ground truth.

    The generative model (equations and parameter values) is documented in the module
    docstring of :mod:`routing_ml.datasets.synthetic`.

    Parameters
    ----------
    seed : int
        Seed of every random draw; same arguments and seed give identical frames.
    days : int
        Number of calendar days from ``start`` (closed days included, with no arrivals).
    start : str or Timestamp
        First day (naive local date; a time-zone-aware Timestamp, None or NaT is
        rejected).
    region : str
        Spanish subdivision code for the regional holidays and the default language mix
        (``'MD'`` Madrid, ``'CT'`` Catalonia, ``'GA'`` Galicia, ``'PV'`` Basque Country ...).
    daily_contacts : float
        Mean number of first contacts (all channels) on an ordinary weekday.
    n_agents : int
        Size of the agent pool (each agent works at most 5 days a week).
    interval_minutes : int
        Interval of the ``volumes`` frame (5, 10, 15, 20, 30 or 60).
    campaigns : bool
        Apply the seasonal campaign peaks of ``CAMPAIGNS`` (income-tax season, ...).
    occupancy_target : float
        Planned occupancy used to size the daily shifts from the expected workload.
    language_mix : dict, optional
        Share per language code (es, en, ca, gl, eu); default depends on ``region``.
    vague_share : float
        Share of texts that carry no intent information (default 0.07).
    mixed_share : float
        Share of texts that also mention a related intent (default 0.12); the label stays
        the main intent.
    simulate : bool
        Run the routing event loop (interactions, abandonment, repeats). With False,
        ``interactions`` is empty and ``contacts`` holds the first contacts only.

    Returns
    -------
    ContactCenter
        ``contacts``: contact_id, ts, channel, text, language, intent, skill, queue,
        priority, customer_id, is_repeat, parent_contact_id, patience_seconds,
        deadline_seconds, abandoned, answered (bool; neither = still waiting at the end).
        ``agents``: agent_id, skills (dict skill -> 1–5), languages, channels,
        max_concurrency, tenure_months, profile. ``shifts``: agent_id, start, end.
        ``interactions``: contact_id, agent_id, ts, start, wait_seconds, handle_seconds,
        resolved, channel, intent, skill, queue, language, priority, customer_id,
        is_repeat, text, language_match. ``volumes``: unique_id (queue ``channel:skill``), ds, y
        (all arrivals, repeats included, zeros kept on open intervals). ``intents``:
        intent, skill, description_es, share, channel_mix, voice_median_handle_seconds,
        base_resolution. ``calendar``: one row per day (open, holiday, campaigns).
        ``ground_truth``: :class:`GroundTruth`. ``params``: the arguments and mixes.

    Raises
    ------
    GeneratorParameterError
        (a ``ValueError``) naming the argument, the value received and the valid range.

    Examples
    --------
    >>> cc = make_contact_center(seed=1, days=2, daily_contacts=300, n_agents=12)
    >>> sorted(cc.contacts["channel"].unique())[:2]
    ['chat', 'email']
    """
    start_ts = _check_args(seed, days, start, region, daily_contacts, n_agents,
                           interval_minutes, occupancy_target, language_mix)
    for name, flag in (("campaigns", campaigns), ("simulate", simulate)):
        if not isinstance(flag, (bool, np.bool_)):
            raise GeneratorParameterError(f"{name} must be True or False, got {flag!r}.")
    for name, val in (("vague_share", vague_share), ("mixed_share", mixed_share)):
        _check_real(name, val)
        if not 0 <= val < 1:
            raise GeneratorParameterError(f"{name} must be in [0, 1), got {val!r}.")
    mix = language_mix if language_mix is not None else default_language_mix(region)
    lang_p = np.array([mix.get(lg, 0.0) for lg in LANGUAGES])

    ss = np.random.SeedSequence(seed)
    r_arr, r_txt, r_agt, r_shift, r_sim, r_rep = (np.random.default_rng(s) for s in ss.spawn(6))

    cal = _calendar(start_ts, days, region, campaigns)
    n_int, n_ch, n_sk = len(INTENTS), len(CHANNELS), len(SKILLS)
    intent_names = tuple(r[0] for r in INTENTS)
    intent_skill = np.array([SKILLS.index(r[1]) for r in INTENTS])
    share = np.array([r[2] for r in INTENTS])
    share = share / share.sum()
    ch_mix = np.array([r[5] for r in INTENTS])
    ch_mix = ch_mix / ch_mix.sum(axis=1, keepdims=True)

    # -- arrivals (first contacts) -------------------------------------------------------
    day0 = start_ts
    slot_starts: list[np.ndarray] = []  # seconds from day0
    slot_rates: list[np.ndarray] = []  # expected arrivals per (slot, channel, intent)
    eps_day = np.exp(0.08 * r_arr.standard_normal(days))
    eps_di = np.exp(0.10 * r_arr.standard_normal((days, n_int)))
    for j, row in enumerate(cal.itertuples(index=False)):
        if not row.is_open:
            continue
        o, c = int(row.open_hour), int(row.close_hour)
        n_slots = (c - o) * 60 // SLOT_MINUTES
        hours = o + (np.arange(n_slots) + 0.5) * SLOT_MINUTES / 60
        prof = _profile(hours)
        prof = prof / prof.sum(axis=0, keepdims=True)
        g = np.ones(n_int)
        if campaigns and row.campaigns:
            for name, _, _, mult in CAMPAIGNS:
                if name in row.campaigns.split(","):
                    for it, m in mult.items():
                        g[intent_names.index(it)] *= m
        day_total = (daily_contacts * WEEKLY[row.weekday] * (1.2 if row.after_holiday else 1.0)
                     * eps_day[j])
        per_ci = day_total * (eps_di[j] * g * share)[:, None] * ch_mix  # (intents, channels)
        rate = prof[:, :, None] * per_ci.T[None, :, :]  # (slots, channels, intents)
        slot_starts.append(j * 86400.0 + o * 3600.0 + np.arange(n_slots) * SLOT_MINUTES * 60.0)
        slot_rates.append(rate)
    if slot_starts:
        s_start = np.concatenate(slot_starts)
        rates = np.concatenate(slot_rates)
    else:
        s_start = np.zeros(0)
        rates = np.zeros((0, n_ch, n_int))
    counts = r_arr.poisson(rates)
    flat = counts.ravel()
    cell = np.repeat(np.arange(flat.size), flat)
    slot_i, rem = np.divmod(cell, n_ch * n_int)
    ch_i, it_i = np.divmod(rem, n_int)
    t = s_start[slot_i] + r_arr.random(cell.size) * SLOT_MINUTES * 60.0
    order = np.argsort(t, kind="stable")
    t, ch_i, it_i = t[order], ch_i[order], it_i[order]
    n1 = t.size
    # language (English x4 for the foreigners' office), priority, patience, customer
    lp = np.tile(lang_p, (n_int, 1))
    lp[intent_names.index("extranjeria"), 1] *= 4.0
    lp = lp / lp.sum(axis=1, keepdims=True)
    cum = np.cumsum(lp, axis=1)
    lg_i = (cum[it_i] < r_arr.random(n1)[:, None]).sum(axis=1)
    lg_i = np.minimum(lg_i, len(LANGUAGES) - 1)
    p1 = np.array([r[6] for r in INTENTS])[it_i]
    p2 = np.array([r[7] for r in INTENTS])[it_i]
    u = r_arr.random(n1)
    prio = np.where(u < p2, 2, np.where(u < p2 + p1, 1, 0)).astype(np.int8)
    cust = 10_000_000 + r_arr.choice(89_999_999, size=n1, replace=False)

    # -- agents and ground truth ---------------------------------------------------------
    gt, agents_df = _make_agents(r_agt, n_agents, region, intent_skill, share, intent_names)
    pat = gt.sample_patience(r_arr, ch_i, prio)

    # -- shifts ---------------------------------------------------------------------------
    shifts = _make_shifts(r_shift, cal, s_start, rates, gt, agents_df, occupancy_target)

    # -- event loop -----------------------------------------------------------------------
    horizon = days * 86400.0
    windows = [(j * 86400.0 + row.open_hour * 3600.0, j * 86400.0 + row.close_hour * 3600.0)
               for j, row in enumerate(cal.itertuples(index=False)) if row.is_open]
    if simulate:
        log = _simulate(r_sim, t, ch_i, it_i, lg_i, prio, pat, cust, intent_skill, gt,
                        agents_df, shifts, windows, horizon)
    else:
        log = _empty_log(t, ch_i, it_i, lg_i, prio, pat, cust)

    # -- assemble contacts ----------------------------------------------------------------
    n_all = len(log["t"])
    t_all = np.asarray(log["t"])
    order = np.argsort(t_all, kind="stable")
    new_id = np.empty(n_all, dtype=np.int64)
    new_id[order] = np.arange(n_all, dtype=np.int64)
    ch_all = np.asarray(log["ch"], dtype=np.int64)
    it_all = np.asarray(log["it"], dtype=np.int64)
    lg_all = np.asarray(log["lg"], dtype=np.int64)
    parent = np.asarray(log["parent"], dtype=np.int64)
    is_rep = parent >= 0
    # first contacts (the log's prefix) first, from the text stream alone; repeats after,
    # from a stream drawn from it: the first contacts' texts do not depend on how many
    # repeats the staffing (n_agents, simulate) produced
    n1 = len(t)
    texts = np.empty(n_all, dtype=object)
    texts[:n1] = _make_texts(r_txt, it_all[:n1], lg_all[:n1], ch_all[:n1], is_rep[:n1],
                             intent_names, vague_share, mixed_share)
    if n_all > n1:
        r_rep = np.random.default_rng(int(r_txt.integers(2**63)))
        texts[n1:] = _make_texts(r_rep, it_all[n1:], lg_all[n1:], ch_all[n1:], is_rep[n1:],
                                 intent_names, vague_share, mixed_share)
    sk_all = intent_skill[it_all]
    ch_names = np.array(CHANNELS, dtype=object)
    sk_names = np.array(SKILLS, dtype=object)
    queue_names = np.array([f"{c}:{s}" for c in CHANNELS for s in SKILLS], dtype=object)
    ts = day0 + pd.to_timedelta(t_all, unit="s")
    state = np.asarray(log["state"], dtype=np.int8)
    contacts = pd.DataFrame({
        "contact_id": new_id,
        "ts": ts.as_unit("ns") if hasattr(ts, "as_unit") else ts,
        "channel": ch_names[ch_all],
        "text": texts,
        "language": np.array(LANGUAGES, dtype=object)[lg_all],
        "intent": np.array(intent_names, dtype=object)[it_all],
        "skill": sk_names[sk_all],
        "queue": queue_names[ch_all * n_sk + sk_all],
        "priority": np.asarray(log["prio"], dtype=np.int8),
        "customer_id": np.asarray(log["cust"], dtype=np.int64),
        "is_repeat": is_rep,
        "parent_contact_id": pd.array(np.where(is_rep, new_id[np.maximum(parent, 0)], 0),
                                      dtype="Int64"),
        "patience_seconds": np.asarray(log["pat"], dtype=float),
        "deadline_seconds": DEADLINE_SECONDS[ch_all],
        "abandoned": state == _ABANDONED,
        "answered": state == _SERVED,
    })
    contacts.loc[~is_rep, "parent_contact_id"] = pd.NA
    contacts = contacts.iloc[order].reset_index(drop=True)

    # -- interactions ----------------------------------------------------------------------
    inter = log["inter"]
    if inter["j"]:
        j_arr = np.asarray(inter["j"], dtype=np.int64)
        a_arr = np.asarray(inter["a"], dtype=np.int64)
        st = np.asarray(inter["start"])
        inter_df = pd.DataFrame({
            "contact_id": new_id[j_arr],
            "agent_id": np.array(gt.agent_ids, dtype=object)[a_arr],
            "ts": (day0 + pd.to_timedelta(t_all[j_arr], unit="s")),
            "start": (day0 + pd.to_timedelta(st, unit="s")),
            "wait_seconds": st - t_all[j_arr],
            "handle_seconds": np.asarray(inter["h"]),
            "resolved": np.asarray(inter["res"], dtype=bool),
            "channel": ch_names[ch_all[j_arr]],
            "intent": np.array(intent_names, dtype=object)[it_all[j_arr]],
            "skill": sk_names[sk_all[j_arr]],
            "queue": queue_names[ch_all[j_arr] * n_sk + sk_all[j_arr]],
            "language": np.array(LANGUAGES, dtype=object)[lg_all[j_arr]],
            "priority": np.asarray(log["prio"], dtype=np.int8)[j_arr],
            "customer_id": np.asarray(log["cust"], dtype=np.int64)[j_arr],
            "is_repeat": is_rep[j_arr],
            "text": texts[j_arr],
            "language_match": gt.agent_languages[a_arr, lg_all[j_arr]],
        })
        inter_df = inter_df.sort_values(["ts", "contact_id"], kind="stable").reset_index(
            drop=True)
    else:
        inter_df = pd.DataFrame({c: pd.Series(dtype=d) for c, d in (
            ("contact_id", "int64"), ("agent_id", object), ("ts", "datetime64[ns]"),
            ("start", "datetime64[ns]"), ("wait_seconds", float), ("handle_seconds", float),
            ("resolved", bool), ("channel", object), ("intent", object), ("skill", object),
            ("queue", object), ("language", object), ("priority", "int8"), ("customer_id", "int64"),
            ("is_repeat", bool), ("text", object), ("language_match", bool))})

    volumes = _volumes(t_all, ch_all * n_sk + sk_all, queue_names, windows, day0,
                       interval_minutes)
    intents_df = pd.DataFrame({
        "intent": intent_names,
        "skill": [r[1] for r in INTENTS],
        "description_es": [r[8] for r in INTENTS],
        "share": share,
        "channel_mix": [dict(zip(CHANNELS, m.round(4).tolist(), strict=True)) for m in ch_mix],
        "voice_median_handle_seconds": [float(r[3]) for r in INTENTS],
        "base_resolution": [r[4] for r in INTENTS],
    })
    exp_lang = (share[:, None] * lp).sum(axis=0)
    params = {
        "seed": seed, "days": days, "start": start_ts, "region": region,
        "daily_contacts": daily_contacts, "n_agents": n_agents,
        "interval_minutes": interval_minutes, "campaigns": campaigns,
        "occupancy_target": occupancy_target, "vague_share": vague_share,
        "mixed_share": mixed_share,
        "language_mix": dict(zip(LANGUAGES, lang_p.tolist(), strict=True)),
        "expected_language_mix": dict(zip(LANGUAGES, exp_lang.tolist(), strict=True)),
        "expected_channel_mix": dict(zip(CHANNELS, (share @ ch_mix).tolist(), strict=True)),
        "horizon_end": day0 + pd.Timedelta(days=days),
    }
    shifts_df = pd.DataFrame({
        "agent_id": np.array(gt.agent_ids, dtype=object)[shifts[0]] if len(shifts[0])
        else np.array([], dtype=object),
        "start": day0 + pd.to_timedelta(shifts[1], unit="s"),
        "end": day0 + pd.to_timedelta(shifts[2], unit="s"),
    })
    logger.debug("generated %d contacts (%d repeats), %d interactions", n_all,
                 int(is_rep.sum()), len(inter_df))
    if n_all == 0:
        warnings.warn(
            f"make_contact_center: no contact in the {days} day(s) from {day0.date()}: the "
            f"centre is closed then (weekends and the {region} holidays). Fix: a later "
            f"start= or more days=.", UserWarning, stacklevel=2)
    return ContactCenter(contacts=contacts, agents=agents_df, shifts=shifts_df,
                         interactions=inter_df, volumes=volumes, intents=intents_df,
                         ground_truth=gt, calendar=cal, params=params)


# ---------------------------------------------------------------------------------------
def _make_agents(rng: np.random.Generator, n: int, region: str, intent_skill: np.ndarray,
                 share: np.ndarray, intent_names: tuple[str, ...]
                 ) -> tuple[GroundTruth, pd.DataFrame]:
    n_int, n_sk, n_ch = len(intent_names), len(SKILLS), len(CHANNELS)
    width = max(3, len(str(n - 1)))
    ids = tuple(f"A{i:0{width}d}" for i in range(n))
    # channels
    prof_u = rng.random(n)
    profile = np.where(prof_u < 0.35, "voice", np.where(prof_u < 0.60, "digital", "blended"))
    chan = np.zeros((n, n_ch), dtype=bool)
    chan[profile == "voice", 0] = True
    chan[profile == "voice", 2] = rng.random(int((profile == "voice").sum())) < 0.3
    chan[profile == "digital", 1:] = True
    chan[profile == "blended", :] = True
    conc = np.where(chan[:, 1] | chan[:, 4], rng.choice([2, 3, 4], size=n, p=[.3, .5, .2]), 1)
    tenure = np.round(np.exp(np.log(24.0) + 0.9 * rng.standard_normal(n)), 1)
    # skills: informacion + 2..6 others in proportion to demand^0.7
    sk_share = np.bincount(intent_skill, weights=share, minlength=n_sk)
    info = SKILLS.index("informacion")
    w = sk_share ** 0.7
    w[info] = 0.0
    has = np.zeros((n, n_sk), dtype=bool)
    has[:, info] = True
    k = 2 + rng.binomial(4, 0.4, size=n)
    for a in range(n):
        pick = rng.choice(n_sk, size=min(k[a], n_sk - 1), replace=False, p=w / w.sum())
        has[a, pick] = True
    min_cover = max(1, int(round(0.12 * n)))
    for s in range(n_sk):
        lack = min_cover - int(has[:, s].sum())
        if lack > 0:
            cand = np.flatnonzero(~has[:, s])
            has[rng.choice(cand, size=min(lack, cand.size), replace=False), s] = True
    # languages
    lang = np.zeros((n, len(LANGUAGES)), dtype=bool)
    lang[:, 0] = True
    p_en = np.where(has[:, SKILLS.index("extranjeria")], 0.7, 0.3)
    lang[:, 1] = rng.random(n) < p_en
    regional = _REGIONAL.get(region)
    for li, code in enumerate(LANGUAGES[2:], start=2):
        p = 0.8 if regional == code else 0.04
        lang[:, li] = rng.random(n) < p
    # true effects
    zt = (np.log(tenure) - np.log(24.0)) / 0.9
    alpha = 0.35 * (-0.4 * zt + math.sqrt(1 - 0.16) * rng.standard_normal(n))
    gamma = 0.20 * rng.standard_normal((n, n_sk))
    delta = 0.15 * rng.standard_normal((n, n_int))
    ai = gamma[:, intent_skill] + delta
    rho = 0.45 * (-0.3 * alpha / 0.35 + math.sqrt(1 - 0.09) * rng.standard_normal(n))
    eta = -0.4 * ai + 0.15 * rng.standard_normal((n, n_int))
    # standardise the realised sample so that the calibration holds for any n_agents
    alpha = _standardise(alpha, AGENT_SD)
    ai = _standardise(ai, AGENT_INTENT_SD)
    rho = _standardise(rho, AGENT_LOGIT_SD)
    sd = math.sqrt(0.35 ** 2 + 0.20 ** 2)
    score = 0.6 * (-(alpha[:, None] + gamma) / sd) + 0.8 * rng.standard_normal((n, n_sk))
    level = _level(score)
    skills_col = [{SKILLS[s]: int(level[a, s]) for s in range(n_sk) if has[a, s]}
                  for a in range(n)]
    median = np.array([r[3] for r in INTENTS], dtype=float)
    p_base = np.array([r[4] for r in INTENTS], dtype=float)
    beta = np.log(median)[:, None] + CHANNEL_LOG_HANDLE[None, :]
    theta = np.log(p_base / (1 - p_base))[:, None] + CHANNEL_LOGIT[None, :]
    gt = GroundTruth(
        intents=intent_names, agent_ids=ids, channels=CHANNELS, languages=LANGUAGES,
        skills=SKILLS, intent_skill=intent_skill, base_log_handle=beta, agent_effect=alpha,
        agent_intent_effect=ai, language_mismatch_log_handle=0.30, handle_sigma=RESIDUAL_SD,
        base_logit=theta, agent_logit=rho, agent_intent_logit=eta,
        language_mismatch_logit=-0.8, agent_languages=lang,
    )
    ch_names = np.array(CHANNELS)
    lg_names = np.array(LANGUAGES)
    agents_df = pd.DataFrame({
        "agent_id": list(ids),
        "skills": skills_col,
        "languages": [tuple(lg_names[lang[a]].tolist()) for a in range(n)],
        "channels": [tuple(ch_names[chan[a]].tolist()) for a in range(n)],
        "max_concurrency": conc.astype(np.int64),
        "tenure_months": tenure.astype(float),
        "profile": profile.astype(object),
    })
    return gt, agents_df


def _make_shifts(rng: np.random.Generator, cal: pd.DataFrame, s_start: np.ndarray,
                 rates: np.ndarray, gt: GroundTruth, agents_df: pd.DataFrame,
                 occupancy_target: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy daily cover of the expected workload; returns (agent, start_s, end_s)."""
    n = len(agents_df)
    # mean handle per (intent, channel) for an average agent, /concurrency on chat
    mean_h = np.exp(gt.base_log_handle + 0.5 * (gt.handle_sigma ** 2 + 0.35 ** 2 + 0.25 ** 2))
    mean_conc = float(agents_df["max_concurrency"].mean())
    eff = mean_h.copy()
    eff[:, list(CONCURRENT)] /= max(1.0, 0.8 * mean_conc)
    work = (rates * eff.T[None, :, :]).sum(axis=2) * 1.3  # repeats add about 30 %
    slot_seconds = SLOT_MINUTES * 60.0
    plans: list[tuple[int, float, float, list[float]]] = []  # (week, close, length, starts)
    for j, row in enumerate(cal.itertuples(index=False)):
        if not row.is_open:
            continue
        d0 = j * 86400.0
        o, c = d0 + row.open_hour * 3600.0, d0 + row.close_hour * 3600.0
        m = (s_start >= o) & (s_start < c)
        wk = work[m]  # (slots, channels) seconds of work per slot
        rt = wk[:, list(REALTIME)].sum(axis=1) / slot_seconds
        deferred = wk[:, list(DEFERRED)].sum() / (c - o)
        need = np.ceil((rt + deferred) / occupancy_target + 1.0)
        # aggregate to 30-minute blocks
        per = 30 * 60 // int(slot_seconds)
        nb = len(need) // per
        need = need[: nb * per].reshape(nb, per).max(axis=1)
        length = 7 * 3600.0 if row.weekday < 5 else c - o
        starts = [o + h * 3600.0 for h in range(7) if o + h * 3600.0 + length <= c + 1]
        cover = np.zeros(nb)
        chosen: list[float] = []
        for b in range(nb):
            deficit = int(need[b] - cover[b])
            if deficit <= 0:
                continue
            tb = o + b * 1800.0
            st = max(s for s in starts if s <= tb) if any(s <= tb for s in starts) else o
            if st + length <= tb:  # cannot cover with a shift: start the last template
                st = starts[-1]
            chosen.extend([st] * deficit)
            lo = int((st - o) // 1800)
            hi = int(min(nb, (st + length - o) // 1800))
            cover[lo:hi] += deficit
        week = int(row.date.isocalendar()[0] * 100 + row.date.isocalendar()[1])
        plans.append((week, c, length, chosen))
    # at most n agents a day and 5 days per agent and week: scale a week down if needed
    weeks = sorted({p[0] for p in plans})
    out_a: list[int] = []
    out_s: list[float] = []
    out_e: list[float] = []
    for week in weeks:
        days_w = [p for p in plans if p[0] == week]
        total = sum(len(p[3]) for p in days_w)
        scale = min(1.0, 5 * n / total) if total else 1.0
        if scale < 1.0:
            logger.info("week %d: %d shifts needed, %d agent-days available; scaled by %.2f",
                        week, total, 5 * n, scale)
        worked = np.zeros(n, dtype=np.int64)
        for _, c, length, chosen in days_w:
            k = min(n, int(round(len(chosen) * scale)))
            if k < len(chosen):
                keep = np.sort(rng.choice(len(chosen), size=k, replace=False))
                chosen = [chosen[i] for i in keep]
            pri = worked + rng.random(n)
            who = np.argsort(pri, kind="stable")[:k]
            for a, st in zip(who.tolist(), rng.permutation(np.array(chosen)).tolist(),
                             strict=True):
                out_a.append(a)
                out_s.append(st)
                out_e.append(min(c, st + length))
                worked[a] += 1
    return (np.asarray(out_a, dtype=np.int64), np.asarray(out_s, dtype=float),
            np.asarray(out_e, dtype=float))


_WAITING, _SERVED, _ABANDONED = 0, 1, 2


def _empty_log(t: np.ndarray, ch: np.ndarray, it: np.ndarray, lg: np.ndarray,
               prio: np.ndarray, pat: np.ndarray, cust: np.ndarray) -> dict[str, Any]:
    n = t.size
    return {"t": t, "ch": ch, "it": it, "lg": lg, "prio": prio, "pat": pat, "cust": cust,
            "parent": np.full(n, -1), "state": np.zeros(n, dtype=np.int8),
            "inter": {"j": [], "a": [], "start": [], "h": [], "res": []}}


def _simulate(rng: np.random.Generator, t0: np.ndarray, ch0: np.ndarray, it0: np.ndarray,
              lg0: np.ndarray, prio0: np.ndarray, pat0: np.ndarray, cust0: np.ndarray,
              intent_skill: np.ndarray, gt: GroundTruth, agents_df: pd.DataFrame,
              shifts: tuple[np.ndarray, np.ndarray, np.ndarray],
              windows: list[tuple[float, float]], horizon: float) -> dict[str, Any]:
    """Skill-qualified longest-idle routing with abandonment and repeats (event loop)."""
    rnd = random.Random(int(rng.integers(2**63)))
    n_ch, n_sk = len(CHANNELS), len(SKILLS)
    n_a = len(agents_df)
    # contact arrays as python lists (grow with repeats)
    T = t0.tolist()
    CH = ch0.tolist()
    IT = it0.tolist()
    LG = lg0.tolist()
    PR = prio0.tolist()
    PAT = pat0.tolist()
    CU = cust0.tolist()
    PARENT = [-1] * len(T)
    STATE = [_WAITING] * len(T)
    sk_of = intent_skill.tolist()
    # agent static data
    skill_pos = {s: i for i, s in enumerate(SKILLS)}
    has_skill = np.zeros((n_a, n_sk), dtype=bool)
    for a, sk in enumerate(agents_df["skills"]):
        for s in sk:
            has_skill[a, skill_pos[s]] = True
    has_ch = np.zeros((n_a, n_ch), dtype=bool)
    for a, chs in enumerate(agents_df["channels"]):
        for c in chs:
            has_ch[a, CHANNELS.index(c)] = True
    conc = agents_df["max_concurrency"].to_numpy().tolist()
    qual = [np.flatnonzero(has_ch[:, q // n_sk] & has_skill[:, q % n_sk]).tolist()
            for q in range(n_ch * n_sk)]
    rt_queues = [[c * n_sk + s for c in REALTIME if has_ch[a, c]
                  for s in range(n_sk) if has_skill[a, s]] for a in range(n_a)]
    df_queues = [[c * n_sk + s for c in DEFERRED if has_ch[a, c]
                  for s in range(n_sk) if has_skill[a, s]] for a in range(n_a)]
    ch_queues = [[[c * n_sk + s for s in range(n_sk) if has_skill[a, s]] for c in range(n_ch)]
                 for a in range(n_a)]
    beta = gt.base_log_handle.tolist()
    alpha = gt.agent_effect.tolist()
    ai = gt.agent_intent_effect.tolist()
    theta = gt.base_logit.tolist()
    rho = gt.agent_logit.tolist()
    eta = gt.agent_intent_logit.tolist()
    speaks = gt.agent_languages.tolist()
    lam, lam_l, sig = gt.language_mismatch_log_handle, gt.language_mismatch_logit, gt.handle_sigma
    rep_mix = gt.repeat_channel_mix.tolist()
    pat_mean = gt.patience_mean_seconds.tolist()
    pat_sd = gt.patience_log_sd
    # live state (numpy for vectorised eligibility, mirrored lists for scalar access)
    # live state as plain lists (scalar access in the loop is faster than numpy)
    on_shift = [False] * n_a
    load = [0] * n_a
    cur = [-1] * n_a
    idle = [0.0] * n_a
    queues: list[list[tuple[int, float, int]]] = [[] for _ in range(n_ch * n_sk)]
    w_start = [w[0] for w in windows]
    w_end = [w[1] for w in windows]

    inter_j: list[int] = []
    inter_a: list[int] = []
    inter_s: list[float] = []
    inter_h: list[float] = []
    inter_r: list[bool] = []

    # events: (time, kind, seq, payload); kinds ordered for ties
    COMPLETE, SHIFT_END, SHIFT_START, ARRIVE, ABANDON, CHASE = 0, 1, 2, 3, 4, 5
    chase_mean = gt.chase_delay_hours * 3600.0
    ev: list[tuple[float, int, int, int, int]] = []
    seq = 0
    for a, s, e in zip(*(x.tolist() for x in shifts), strict=True):
        ev.append((s, SHIFT_START, seq, a, 0))
        ev.append((e, SHIFT_END, seq + 1, a, 0))
        seq += 2
    heapq.heapify(ev)
    next_first = 0
    n_first = len(T)

    def open_time(x: float) -> float | None:
        i = bisect.bisect_right(w_end, x)
        if i >= len(w_end):
            return None
        if x < w_start[i]:
            dur = w_end[i] - w_start[i]
            x = w_start[i] + min(rnd.expovariate(1.0 / 2700.0), dur * 0.999)
        return x

    def new_contact(j: int, when: float, mode: int) -> None:
        """A repeat of contact j: mode 0 unresolved, 1 abandoned, 2 chaser."""
        nonlocal seq
        if mode == 1:
            p_back, mean_h, p_same = (gt.abandon_retry_probability,
                                      gt.abandon_retry_delay_hours,
                                      gt.retry_same_channel_probability)
        elif mode == 0:
            p_back, mean_h, p_same = (gt.repeat_probability, gt.repeat_delay_hours,
                                      gt.repeat_same_channel_probability)
        else:  # the chaser arrives at ``when`` on another channel
            p_back, mean_h, p_same = gt.chase_probability, 0.0, 0.0
        if rnd.random() >= p_back:
            return
        x = open_time(when + rnd.expovariate(1.0) * mean_h * 3600.0)
        if x is None or x >= horizon:
            return
        c = CH[j]
        if rnd.random() >= p_same:
            w = rep_mix[:]
            w[c] = 0.0
            u = rnd.random() * sum(w)
            acc = 0.0
            for k, wk in enumerate(w):
                acc += wk
                if u < acc:
                    c = k
                    break
        m = pat_mean[c]
        if math.isinf(m):
            p = math.inf
        else:
            if PR[j] == 1:
                m *= 1.5
            p = m * math.exp(pat_sd * rnd.gauss(0.0, 1.0) - 0.5 * pat_sd * pat_sd)
        T.append(x)
        CH.append(c)
        IT.append(IT[j])
        LG.append(LG[j])
        PR.append(PR[j])
        PAT.append(p)
        CU.append(CU[j])
        PARENT.append(j)
        STATE.append(_WAITING)
        heapq.heappush(ev, (x, ARRIVE, seq, len(T) - 1, 0))
        seq += 1

    def start_service(j: int, a: int, now: float) -> None:
        nonlocal seq
        c, i, lg = CH[j], IT[j], LG[j]
        match = speaks[a][lg]
        mu = beta[i][c] + alpha[a] + ai[a][i] + (0.0 if match else lam)
        h = math.exp(mu + sig * rnd.gauss(0.0, 1.0))
        z = theta[i][c] + rho[a] + eta[a][i] + (0.0 if match else lam_l)
        res = rnd.random() < 1.0 / (1.0 + math.exp(-z))
        STATE[j] = _SERVED
        load[a] += 1
        cur[a] = c
        inter_j.append(j)
        inter_a.append(a)
        inter_s.append(now)
        inter_h.append(h)
        inter_r.append(res)
        heapq.heappush(ev, (now + h, COMPLETE, seq, a, j))
        seq += 1
        if not res:
            new_contact(j, now + h, 0)

    def best_head(qs: list[int]) -> int:
        best_q, best_key = -1, None
        for q in qs:
            hq = queues[q]
            while hq and STATE[hq[0][2]] != _WAITING:
                heapq.heappop(hq)
            if hq and (best_key is None or hq[0] < best_key):
                best_key, best_q = hq[0], q
        return best_q

    def pull(a: int, now: float) -> None:
        while on_shift[a]:
            if load[a] == 0:
                q = best_head(rt_queues[a])
                if q < 0:
                    q = best_head(df_queues[a])
            elif cur[a] in CONCURRENT and load[a] < conc[a]:
                q = best_head(ch_queues[a][cur[a]])
            else:
                return
            if q < 0:
                return
            _, _, j = heapq.heappop(queues[q])
            start_service(j, a, now)

    while True:
        nxt_arr = T[next_first] if next_first < n_first else math.inf
        if ev and ev[0][0] <= nxt_arr:
            now, kind, _, x, _ = heapq.heappop(ev)
        elif next_first < n_first:
            now, kind, x = nxt_arr, ARRIVE, next_first
            next_first += 1
        else:
            break
        if now > horizon:
            break
        if kind == ARRIVE:
            j = x
            c = CH[j]
            q = c * n_sk + sk_of[IT[j]]
            multi = c in CONCURRENT
            best_a, best_l, best_i = -1, 1 << 30, math.inf
            for a in qual[q]:
                if not on_shift[a]:
                    continue
                la = load[a]
                if la == 0 or (multi and cur[a] == c and la < conc[a]):
                    if la < best_l or (la == best_l and idle[a] < best_i):
                        best_a, best_l, best_i = a, la, idle[a]
            if best_a >= 0:
                start_service(j, best_a, now)
                continue
            heapq.heappush(queues[q], (-PR[j], T[j], j))
            if not math.isinf(PAT[j]):
                heapq.heappush(ev, (now + PAT[j], ABANDON, seq, j, 0))
                seq += 1
            elif chase_mean > 0:
                heapq.heappush(ev, (now + rnd.expovariate(1.0) * chase_mean, CHASE, seq, j, 0))
                seq += 1
        elif kind == COMPLETE:
            a = x
            load[a] -= 1
            if load[a] == 0:
                cur[a] = -1
                idle[a] = now
            pull(a, now)
        elif kind == ABANDON:
            j = x
            if STATE[j] == _WAITING:
                STATE[j] = _ABANDONED
                new_contact(j, now, 1)
        elif kind == SHIFT_START:
            a = x
            on_shift[a] = True
            if load[a] == 0:
                idle[a] = now
            pull(a, now)
        elif kind == SHIFT_END:
            on_shift[x] = False
        elif kind == CHASE:
            if STATE[x] == _WAITING:
                new_contact(x, now, 2)
    return {"t": np.asarray(T), "ch": CH, "it": IT, "lg": LG, "prio": PR, "pat": PAT,
            "cust": CU, "parent": PARENT, "state": STATE,
            "inter": {"j": inter_j, "a": inter_a, "start": inter_s, "h": inter_h,
                      "res": inter_r}}


# ---------------------------------------------------------------------------------------
_ACCENTS = str.maketrans("áéíóúàèìòùäëïöüÁÉÍÓÚÀÈÌÒÙñÑçÇ·", "aeiouaeiouaeiouAEIOUAEIOUnNcC.")
_KEYS = "qwertyuiopasdfghjklzxcvbnm"
_NEAR = {ch: _KEYS[max(0, i - 1)] + _KEYS[min(len(_KEYS) - 1, i + 1)]
         for i, ch in enumerate(_KEYS)}


def _pool_codes(rng: np.random.Generator, size: int = 400) -> dict[str, list[str]]:
    digits = rng.integers(0, 10, size=(size, 8))
    letters = np.array(list("BCDFGHJKLMNPRSTVWXYZ"))
    lt = letters[rng.integers(0, len(letters), size=(size, 3))]
    refs = [f"{rng.integers(2019, 2026)}/{''.join(map(str, d[:6]))}" for d in digits]
    plates = ["".join(map(str, d[:4])) + " " + "".join(x) for d, x in zip(digits, lt,
                                                                              strict=True)]
    nies = [f"{'XYZ'[d[7] % 3]}{''.join(map(str, d[:7]))}{x[0]}" for d, x in zip(digits, lt,
                                                                                  strict=True)]
    return {"ref": refs, "plate": plates, "nie": nies}


def _typos(s: str, rnd: random.Random, k: int) -> str:
    for _ in range(k):
        if len(s) < 4:
            return s
        p = rnd.randrange(1, len(s) - 1)
        op = rnd.random()
        if op < 0.3:
            s = s[:p] + s[p + 1:]
        elif op < 0.6:
            s = s[:p] + s[p + 1] + s[p] + s[p + 2:]
        elif op < 0.8:
            s = s[:p] + s[p] + s[p:]
        else:
            near = _NEAR.get(s[p].lower())
            if near:
                s = s[:p] + near[rnd.randrange(2)] + s[p + 1:]
    return s


def _make_texts(rng: np.random.Generator, it: np.ndarray, lg: np.ndarray, ch: np.ndarray,
                is_rep: np.ndarray, intent_names: tuple[str, ...],
                vague_share: float, mixed_share: float = 0.12) -> np.ndarray:
    """Texts from templates with slots and noise (see the module docstring)."""
    n = it.size
    rnd = random.Random(int(rng.integers(2**63)))
    codes = _pool_codes(rng)
    group = np.array(["voice", "short", "email", "short", "short"])[ch] if n else np.array([])
    vague = rng.random(n) < vague_share
    u_core, u_open, u_close, u_extra = (rng.random(n) for _ in range(4))
    noise_acc = rng.random(n) < 0.45
    case_u = rng.random(n)
    n_typo = np.where(rng.random(n) < 0.35, 1 + rng.binomial(2, 0.3, n), 0)
    two = (ch == 2) & (rng.random(n) < 0.4)
    u_rep = rng.random(n)
    mixed = rng.random(n) < mixed_share
    u_rel, u_sec, u_conn = (rng.random(n) for _ in range(3))
    related = [_texts.RELATED[name] for name in intent_names]
    slot_u = rng.random((n, 7))
    streets, years, amounts = (_texts.SLOTS["street"], _texts.SLOTS["year"],
                               _texts.SLOTS["amount"])
    refs, plates, nies = codes["ref"], codes["plate"], codes["nie"]
    out = np.empty(n, dtype=object)
    for r in range(n):
        lang = LANGUAGES[lg[r]]
        g = group[r]
        phr = (_texts.VAGUE[lang] if vague[r]
               else _texts.PHRASES[intent_names[it[r]]][lang])
        core = phr[int(u_core[r] * len(phr))]
        if two[r] and not vague[r]:
            other = phr[int(u_extra[r] * len(phr))]
            if other != core:
                core = core + ". " + other
        if mixed[r] and not vague[r]:
            rel = related[it[r]]
            sec = _texts.PHRASES[rel[int(u_rel[r] * len(rel))]][lang]
            conn = _texts.CONNECTORS[lang]
            clause = sec[int(u_sec[r] * len(sec))]
            # one draw for the order and the connector, each uniform on its own: a
            # connector must not tell which clause carries the label
            uc = u_conn[r]
            if uc < 0.25:
                core = clause + conn[int(uc / 0.25 * len(conn))] + core
            else:
                core = core + conn[int((uc - 0.25) / 0.75 * len(conn))] + clause
        if "{" in core:
            su = slot_u[r]
            dates = _texts.DATES[lang]
            core = core.format(
                ref=refs[int(su[0] * len(refs))], plate=plates[int(su[1] * len(plates))],
                nie=nies[int(su[2] * len(nies))], street=streets[int(su[3] * len(streets))],
                amount=amounts[int(su[4] * len(amounts))], year=years[int(su[5] * len(years))],
                date=dates[int(su[6] * len(dates))])
        op = _texts.OPENERS[g][lang]
        cl = _texts.CLOSERS[g][lang]
        s = op[int(u_open[r] * len(op))] + core + cl[int(u_close[r] * len(cl))]
        if is_rep[r] and u_rep[r] < 0.6:
            pre = _texts.REPEAT_PREFIX[lang]
            s = pre[int(u_rep[r] / 0.6 * len(pre))] + s
        if noise_acc[r] or g == "voice":
            s = s.translate(_ACCENTS)
        cu = case_u[r]
        if cu < 0.35 or g == "voice":
            s = s.lower()
        elif cu < 0.38:
            s = s.upper()
        else:
            s = s[:1].upper() + s[1:]
        if n_typo[r]:
            s = _typos(s, rnd, int(n_typo[r]))
        out[r] = s
    return out


def _volumes(t: np.ndarray, qcode: np.ndarray, queue_names: np.ndarray,
             windows: list[tuple[float, float]], day0: pd.Timestamp,
             interval_minutes: int) -> pd.DataFrame:
    step = interval_minutes * 60.0
    starts = np.concatenate([np.arange(o, c, step) for o, c in windows]) if windows else \
        np.zeros(0)
    nq = len(queue_names)
    if starts.size == 0:
        return pd.DataFrame({"unique_id": pd.Series(dtype=object),
                             "ds": pd.Series(dtype="datetime64[ns]"),
                             "y": pd.Series(dtype=float)})
    pos = np.searchsorted(starts, t, side="right") - 1
    ok = (pos >= 0) & (t < starts[np.maximum(pos, 0)] + step)
    counts = np.bincount(qcode[ok] * starts.size + pos[ok], minlength=nq * starts.size)
    return pd.DataFrame({
        "unique_id": np.repeat(queue_names, starts.size),
        "ds": np.tile(day0 + pd.to_timedelta(starts, unit="s"), nq),
        "y": counts.astype(float),
    })


# ---------------------------------------------------------------------------------------
def estimate_agent_effects(
    interactions: pd.DataFrame,
    *,
    agent_col: str = "agent_id",
    intent_col: str = "intent",
    handle_col: str = "handle_seconds",
    fixed_cols: tuple[str, ...] = ("intent", "channel", "language_match"),
    resolved_col: str | None = "resolved",
    min_agent_contacts: int = 30,
) -> dict[str, float]:
    """Moment (ANOVA) estimates of the agent variance components of an interaction log.

    Model: ``log(handle) = fixed(fixed_cols) + agent + agent x intent + residual``. The
    fixed part is removed by cell means; the residual variance is the pooled variance
    within (agent, intent) cells; the agent x intent variance comes from the spread of
    cell means around their agent mean, and the agent variance from the spread of agent
    means, each corrected for the sampling noise of the smaller components (unbiased
    under balanced assignment). Works on the synthetic log and on the real bank log.

    Parameters
    ----------
    interactions : DataFrame
        One row per answered contact with ``agent_col``, ``intent_col``, ``handle_col``
        (seconds > 0), the ``fixed_cols`` and, optionally, ``resolved_col`` (bool).
    min_agent_contacts : int
        Agents with fewer contacts are dropped.

    Returns
    -------
    dict
        ``agent_sd``, ``agent_intent_sd``, ``residual_sd`` (log handle seconds),
        ``n_agents``, ``n_contacts``; with ``resolved_col``: ``resolution_agent_sd``
        (probability points / 100) and ``resolution_spread`` (10th–90th percentile
        half-width of the agents' resolution rates, = 1.2816 x SD, probability units).

    Raises
    ------
    FrameError
        When a column is missing.
    """
    from routing_ml.frames import require_columns

    cols = [agent_col, intent_col, handle_col, *fixed_cols]
    if resolved_col is not None:
        cols.append(resolved_col)
    require_columns(interactions, list(dict.fromkeys(cols)), frame="interactions")
    df = interactions[list(dict.fromkeys(cols))].copy()
    df = df[df[handle_col] > 0]
    n_per = df.groupby(agent_col, observed=True)[handle_col].transform("size")
    df = df[n_per >= min_agent_contacts].reset_index(drop=True)
    if df.empty:
        raise FrameError(
            f"interactions: no agent has {min_agent_contacts} contacts or more with a handle "
            f"time > 0 (the most: {int(n_per.max()) if len(n_per) else 0}), so no agent "
            f"effect can be estimated. Fix: a longer log, or a smaller min_agent_contacts.")
    y = np.log(df[handle_col].to_numpy(dtype=float))
    fixed_mean = pd.Series(y).groupby([df[c] for c in fixed_cols], observed=True
                                      ).transform("mean").to_numpy()
    r = y - fixed_mean
    a_code = pd.factorize(df[agent_col])[0]
    ai_code = pd.factorize(pd.MultiIndex.from_arrays([df[agent_col], df[intent_col]]))[0]
    n_ai = np.bincount(ai_code)
    m_ai = np.bincount(ai_code, weights=r) / n_ai
    n_cells = n_ai.size
    big_n = r.size
    sigma2 = float(((r - m_ai[ai_code]) ** 2).sum() / max(1, big_n - n_cells))
    cell_agent = np.zeros(n_cells, dtype=np.int64)
    cell_agent[ai_code] = a_code
    n_a = np.bincount(a_code)
    m_a = np.bincount(a_code, weights=r) / n_a
    k_a = np.bincount(cell_agent)
    s_a = np.bincount(cell_agent, weights=(n_ai / n_a[cell_agent]) ** 2)
    d = m_ai - m_a[cell_agent]
    tau2 = ((n_ai * d ** 2).sum() - sigma2 * (k_a - 1).sum()) / (n_a * (1 - s_a)).sum()
    tau2 = max(0.0, float(tau2))
    n_agents = n_a.size
    var_m = float(np.var(m_a, ddof=1)) if n_agents > 1 else 0.0
    omega2 = max(0.0, var_m - float(np.mean(tau2 * s_a + sigma2 / n_a)))
    out = {"agent_sd": math.sqrt(omega2), "agent_intent_sd": math.sqrt(tau2),
           "residual_sd": math.sqrt(sigma2), "n_agents": float(n_agents),
           "n_contacts": float(big_n)}
    if resolved_col is not None:
        res = df[resolved_col].to_numpy(dtype=float)
        p_fixed = pd.Series(res).groupby([df[c] for c in fixed_cols], observed=True
                                         ).transform("mean").to_numpy()
        dev = np.bincount(a_code, weights=res - p_fixed) / n_a
        noise = np.bincount(a_code, weights=p_fixed * (1 - p_fixed)) / n_a ** 2
        v = max(0.0, float(np.var(dev, ddof=1) - noise.mean())) if n_agents > 1 else 0.0
        out["resolution_agent_sd"] = math.sqrt(v)
        out["resolution_spread"] = 1.2816 * math.sqrt(v)
    return out

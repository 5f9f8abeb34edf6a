"""`PairOutcomeModel`: what happens if this agent takes this contact.

Two LightGBM boosters, fit on an interaction log (one row per answered contact):

- P(resolved) — binary objective, when the log has a ``resolved`` column;
- log handle seconds — L2 regression; ``expected_handle_seconds = exp(mu + sigma**2 / 2)``
  with ``sigma`` the residual standard deviation on the training log.

Features of a (contact, agent) pair (see ``FEATURES``):

- contact: intent, channel, language (categorical; ids and codes are read as text, a
  code 2 or 2.0 as ``"2"``), priority (0, 1, 2 as the Router reads it: higher counts as
  2), ``is_repeat``, ``open_case`` (the citizen's previous contact within
  ``case_window_hours`` was not resolved), ``prior_contacts`` (the citizen's contacts in
  that window on any channel, capped at 3), ``channel_switch`` (the previous contact came
  through another channel), a text-length bucket. Contacts are linked across channels by
  ``customer_id`` (numbers or text, as the Router's case book links them); in a training
  log an earlier contact counts only once it had ended (its outcome is then known, as the
  case book records it at the end of service).
- agent: proficiency on the intent's skill, whether the agent speaks the contact's
  language, tenure, and the agent's own history **computed without leakage**: only
  interactions that had *ended* before the predicted contact arrived count, and the
  agent × intent means are shrunk to the intent mean with ``shrinkage`` pseudo-contacts
  (``(sum + k * intent_mean) / (n + k)``); the same for the agent over all intents
  (residual against the intent means). The intent means are themselves shrunk to the
  global mean with ``_INTENT_PRIOR_ROWS`` (5) pseudo-rows, so a rare intent does not start
  at a resolution rate of 0 or 1; in training they are out of fold (five folds: a row's
  own outcome is never in its features). Predictions use the whole log's means.

The fast path used by the policies is :meth:`PairOutcomeModel.expected_outcomes`: the
model's prediction does not depend on anything but the contact's *context* (intent,
channel, language, priority, repeat / open-case flags, text bucket) and the agent, so the
first decision in a context predicts every known agent at once (one booster call) and
caches the two arrays; later decisions in that context are an array gather. Agents unseen
at fit time use pseudo-rows (no history, their proficiency and language match). The cache
is cleared when the history changes (:meth:`update_history`).

The agent's recent load is deliberately not a model feature: it changes at every
decision and would defeat the lookup; occupancy enters the policies' fairness term
instead.
"""

from __future__ import annotations

import logging
import math
import numbers
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from routing_ml.errors import FrameError, NotFittedError
from routing_ml.routing.base import (
    AgentPool,
    Contact,
    agent_codes,
    check_roster_rows,
    code_text,
    customer_key,
    flag_column,
    label_text,
)

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

FEATURES: tuple[str, ...] = (
    "intent", "channel", "language", "priority", "is_repeat", "open_case",
    "prior_contacts", "channel_switch", "text_bucket",
    "proficiency", "language_match", "tenure_months",
    "agent_intent_log_handle", "agent_intent_resolved",
    "agent_log_handle_residual", "agent_resolved_residual",
)
# Each booster starts from its shrunk agent x intent history (an offset, LightGBM's
# init_score) and learns corrections from the other features: the history column itself is
# not a split feature of its own booster, and history counts are not features at all (in a
# time-ordered log they grow with time and let the trees learn the calendar drift).
_OFFSET_HANDLE = FEATURES.index("agent_intent_log_handle")
_OFFSET_RESOLVED = FEATURES.index("agent_intent_resolved")
_COLS_HANDLE = [i for i in range(len(FEATURES)) if i != _OFFSET_HANDLE]
_COLS_RESOLVED = [i for i in range(len(FEATURES)) if i != _OFFSET_RESOLVED]
_CATEGORICAL = (0, 1, 2)
_N_CONTEXT = 9  # the first 9 features describe the contact only
_PSEUDO_LEVELS = 6  # proficiency 0..5 for agents unseen at fit
#: Pseudo-rows at the global mean added to each intent's mean resolution rate and log
#: handle time (``(sum + k * global_mean) / (n + k)``). An intent with one training row
#: gets 1/(1 + k) of its own value instead of a resolution rate of exactly 0 or 1; one
#: with a few hundred rows moves by about k / n of its distance to the global mean.
_INTENT_PRIOR_ROWS = 5.0
#: folds of the out-of-fold intent means of the training features
_INTENT_FOLDS = 5

REQUIRED_COLUMNS = ("agent_id", "intent", "handle_seconds")
#: more than this share of a log's rows starting service before they arrive is an error (two
#: clocks); fewer are clock noise, their start taken as their arrival
EARLY_START_MAX_SHARE = 0.01
#: Contact features besides intent and channel that the model may use by default.
#: ``"language"`` (the contact's language as a category; the agent's language *match* is
#: always a feature) and ``"text_bucket"`` (text length) are opt-in: each multiplies the
#: number of distinct contexts of the decision lookup, and neither improved the fit on
#: the synthetic center or the bank log.
DEFAULT_CONTEXT_FEATURES: tuple[str, ...] = (
    "priority", "is_repeat", "open_case", "prior_contacts", "channel_switch",
)
_OPTIONAL_CONTEXT = ("language", "priority", "is_repeat", "open_case", "prior_contacts",
                     "channel_switch", "text_bucket")


def _text_bucket(n_chars: int) -> int:
    """0 no text, 1 short (< 60 chars), 2 medium (< 200), 3 long."""
    if n_chars <= 0:
        return 0
    return 1 if n_chars < 60 else (2 if n_chars < 200 else 3)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(q / (1 - q))


def _prior_sums(
    hist_group: np.ndarray, hist_time: np.ndarray, hist_values: np.ndarray,
    query_group: np.ndarray, query_time: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Count and column sums of history rows of the same group with time < query time.

    Vectorised: sort the history by (group, time), cumulative sums, two searchsorted.
    Times are seconds (float); groups are non-negative ints (rows with group < 0 are
    ignored in the history and get zero counts as queries).
    """
    keep = hist_group >= 0
    hg, ht, hv = hist_group[keep], hist_time[keep], hist_values[keep]
    t0 = min(ht.min(initial=0.0), query_time.min(initial=0.0))
    span = max(ht.max(initial=0.0), query_time.max(initial=0.0)) - t0 + 2.0
    hkey = hg.astype(np.float64) * span + (ht - t0 + 1.0)
    order = np.argsort(hkey, kind="stable")
    hkey = hkey[order]
    cs = np.vstack([np.zeros((1, hv.shape[1])), np.cumsum(hv[order], axis=0)])
    qg = np.where(query_group >= 0, query_group, -1).astype(np.float64)
    lo = np.searchsorted(hkey, qg * span, side="left")
    hi = np.searchsorted(hkey, qg * span + (query_time - t0 + 1.0), side="left")
    hi = np.maximum(hi, lo)
    counts = (hi - lo).astype(np.float64)
    sums = cs[hi] - cs[lo]
    counts[query_group < 0] = 0.0
    sums[query_group < 0] = 0.0
    return counts, sums


class PairOutcomeModel:
    """LightGBM models of P(resolved) and log handle time for a (contact, agent) pair.

    Parameters
    ----------
    n_estimators : int
        Boosting rounds of each booster.
    learning_rate : float
    num_leaves : int
    min_child_samples : int
        Minimum interactions in a leaf (the per-call noise is large: keep it high).
    shrinkage : float
        Pseudo-contacts with which an agent's history is shrunk to the intent mean.
    case_window_hours : float
        A citizen's previous contact within this window makes an open case / repeat.
    random_state : int
        Seed of LightGBM (with ``deterministic=True`` and ``force_row_wise=True``).
    n_jobs : int
        LightGBM threads (1 gives bit-for-bit reproducible results on any machine).

    Attributes (after fit)
    ----------------------
    intents_, channels_, languages_, agent_ids_ : tuple of str
    handle_sigma_ : float
        Residual SD of log handle seconds on the training log.
    has_resolution_ : bool
        False when the log had no ``resolved`` column (P(resolved) is then NaN).
    feature_names_ : tuple of str
    """

    def __init__(
        self,
        *,
        n_estimators: int = 200,
        learning_rate: float = 0.02,
        num_leaves: int = 15,
        min_child_samples: int = 100,
        shrinkage: float = 10.0,
        case_window_hours: float = 72.0,
        random_state: int = 0,
        n_jobs: int = 1,
        context_features: Sequence[str] = DEFAULT_CONTEXT_FEATURES,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.shrinkage = shrinkage
        self.case_window_hours = case_window_hours
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.context_features = context_features

    # -- sklearn-style parameter access (no sklearn import: routing stays light) --------
    _PARAMS = ("n_estimators", "learning_rate", "num_leaves", "min_child_samples",
               "shrinkage", "case_window_hours", "random_state", "n_jobs",
               "context_features")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {p: getattr(self, p) for p in self._PARAMS}

    def set_params(self, **params: Any) -> PairOutcomeModel:
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"PairOutcomeModel has no parameter {k!r}; "
                                 f"valid: {list(self._PARAMS)}.")
            setattr(self, k, v)
        return self

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for k in ("_lock", "_cache", "_rows_cache"):
            state.pop(k, None)
        for k in ("booster_handle_", "booster_resolved_"):
            if state.get(k) is not None:
                state[k] = state[k].model_to_string()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        import lightgbm as lgb

        for k in ("booster_handle_", "booster_resolved_"):
            if isinstance(state.get(k), str):
                state[k] = lgb.Booster(model_str=state[k])
        self.__dict__.update(state)
        self._reset_cache()
        if "agent_ids_" in state:
            self._build_lookups()

    def _reset_cache(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._rows_cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    # -- validation and feature building ------------------------------------------------
    def _validate_params(self) -> None:
        for name in ("n_estimators", "num_leaves", "min_child_samples"):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}.")
        for name in ("learning_rate", "case_window_hours"):
            v = getattr(self, name)
            if not np.isfinite(v) or v <= 0:
                raise ValueError(f"{name} must be a positive number, got {v!r}.")
        if not np.isfinite(self.shrinkage) or self.shrinkage < 0:
            raise ValueError(f"shrinkage must be >= 0, got {self.shrinkage!r}.")
        bad = [f for f in self.context_features if f not in _OPTIONAL_CONTEXT]
        if isinstance(self.context_features, str) or bad:
            raise ValueError(f"context_features: unknown {bad or self.context_features!r}; "
                             f"choose among {list(_OPTIONAL_CONTEXT)}.")

    def _mask_context(self, Xc: np.ndarray) -> np.ndarray:
        """Blank (NaN) the optional contact features not in ``context_features``."""
        for name in _OPTIONAL_CONTEXT:
            if name not in self.context_features:
                Xc[:, FEATURES.index(name)] = np.nan
        return Xc

    @staticmethod
    def _clean_log(interactions: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        from routing_ml.frames import require_columns

        require_columns(
            interactions, REQUIRED_COLUMNS, frame="interactions",
            hint="An interaction log has one row per answered contact: agent_id, intent, "
                 "handle_seconds (+ optional ts, start, channel, language, priority, "
                 "customer_id, is_repeat, resolved, text, skill).",
        )
        df = interactions.reset_index(drop=True)
        h = pd.to_numeric(df["handle_seconds"], errors="coerce")
        bad = ~(np.isfinite(h) & (h > 0))
        if bad.any():
            raise FrameError(
                f"interactions: {int(bad.sum())} rows have handle_seconds that is not a "
                f"positive finite number (e.g. {h[bad].head(3).tolist()}); drop them first, "
                "e.g. log = log[log.handle_seconds > 0]."
            )
        if df["agent_id"].isna().any() or df["intent"].isna().any():
            raise FrameError(
                "interactions: agent_id and intent must not be missing "
                f"({int(df['agent_id'].isna().sum())} / {int(df['intent'].isna().sum())} "
                "rows); drop unanswered contacts before fitting."
            )
        if "resolved" in df.columns and df["resolved"].isna().any():
            raise FrameError("interactions: column 'resolved' has missing values; fill or "
                             "drop them (it must be bool).")
        # "0" / "1" text read as numbers, not by truthiness
        if "resolved" in df.columns:  # (missing values refused above)
            df = df.assign(resolved=flag_column(df, "resolved", frame="interactions").astype(bool))
        if "is_repeat" in df.columns:
            df = df.assign(is_repeat=flag_column(df, "is_repeat", frame="interactions"))
        return df

    @staticmethod
    def _seconds(ts: pd.Series) -> np.ndarray:
        """Epoch seconds (float, NaN where missing or unreadable) of a time column:
        datetimes (zoned ones on the UTC clock, naive ones as they are), text (numbers
        of seconds if every value is one, else dates, e.g. ISO with ``Z`` or an offset)
        or numbers of seconds."""
        import pandas as pd

        if not pd.api.types.is_datetime64_any_dtype(ts) and not \
                pd.api.types.is_numeric_dtype(ts):
            # text, as pd.read_csv gives: seconds if every value is a number, else dates
            num = pd.to_numeric(ts, errors="coerce")
            if num.notna().sum() == ts.notna().sum():
                return num.to_numpy(dtype=float)
            # utc=True: text with an offset or "Z" (and zoned datetime objects) on the UTC
            # clock; naive text gives the same seconds as without it
            raw = ts
            ts = pd.to_datetime(raw, errors="coerce", utc=True)
            retry = raw.notna() & ts.isna()  # not in the format of the first value
            if retry.any():
                ts = ts.copy()
                ts[retry] = pd.to_datetime(raw[retry], errors="coerce", utc=True,
                                           format="mixed")
        if isinstance(ts.dtype, pd.DatetimeTZDtype):  # one clock: UTC
            ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(ts):
            sec = ts.astype("datetime64[ns]").astype("int64").to_numpy() / 1e9
            return np.where(ts.isna().to_numpy(), np.nan, sec)
        return pd.to_numeric(ts, errors="coerce").to_numpy(dtype=float)

    def _contact_features(self, df: pd.DataFrame, times: np.ndarray,
                          ends: np.ndarray | None = None) -> np.ndarray:
        """Contact columns 0..8 of FEATURES; links contacts by customer_id.

        With ``ends`` (a training log) an earlier contact of the citizen counts only when it
        had ended before this one arrived, as the Router's case book knows it (its outcome
        is recorded at the end of service): a contact still in service, or the same row
        exported twice, says nothing of the case yet."""
        import pandas as pd

        n = len(df)
        X = np.full((n, _N_CONTEXT), np.nan)
        X[:, 0] = self._codes(df["intent"], self.intents_)
        X[:, 1] = self._codes(df["channel"], self.channels_) if "channel" in df else \
            self._codes(pd.Series(["voice"] * n), self.channels_)
        X[:, 2] = self._codes(df["language"], self.languages_) if "language" in df else np.nan
        # the Router's scale: 0, 1, 2 (higher values count as 2, as Router.prepare reads them)
        if "priority" in df:
            import warnings

            prio = pd.to_numeric(df["priority"], errors="coerce")
            unread = prio.isna() & df["priority"].notna()
            if unread.any():
                warnings.warn(
                    f"priority: {int(unread.sum())} value(s) that are not numbers (e.g. "
                    f"{df['priority'][unread].iloc[0]!r}) are read as 0, the normal priority. "
                    f"Fix: map your priority levels onto 0, 1, 2 (2 the most urgent).",
                    UserWarning, stacklevel=3)
            X[:, 3] = np.clip(prio.fillna(0).to_numpy(), 0, 2)
        else:
            X[:, 3] = 0.0
        X[:, 8] = [_text_bucket(len(t)) if isinstance(t, str) else 0
                   for t in df["text"]] if "text" in df else 0.0
        # cross-channel linking by customer_id
        prior = np.zeros(n)
        open_case = np.zeros(n)
        switch = np.zeros(n)
        if "customer_id" in df:
            # the case book's keys: numbers and text ids alike (0 / missing: unidentified)
            keys = [customer_key(v) for v in df["customer_id"].astype(object)]
            ident = np.fromiter((k is not None for k in keys), dtype=bool, count=n)
            if ident.any():
                cust = np.asarray(pd.factorize(pd.Series(keys, dtype=object))[0],
                                  dtype=np.int64)
                idx = np.flatnonzero(ident)
                order = idx[np.lexsort((times[idx], cust[idx]))]
                c, t = cust[order], times[order]
                e = ends[order] if ends is not None else t
                ch = X[order, 1]
                res = (df["resolved"].to_numpy(dtype=bool)[order] if "resolved" in df
                       else np.zeros(len(order), dtype=bool))
                window = self.case_window_hours * 3600.0
                # the customer's earlier contacts within the window that had ended (capped
                # at 3), and the latest of them: its outcome and channel
                cnt = np.zeros(len(order))
                last = np.full(len(order), -1)
                for lag in (3, 2, 1):
                    ok = np.zeros(len(order), dtype=bool)
                    ok[lag:] = ((c[lag:] == c[:-lag]) & (t[lag:] - t[:-lag] <= window)
                                & (e[:-lag] <= t[lag:]))
                    cnt += ok
                    last = np.where(ok, np.arange(len(order)) - lag, last)
                has = last >= 0
                prev = np.maximum(last, 0)
                prior[order] = cnt
                open_case[order] = has & ~res[prev]
                switch[order] = has & (ch[prev] != ch)
        X[:, 5] = open_case
        X[:, 6] = prior
        X[:, 7] = switch
        if "is_repeat" in df:
            X[:, 4] = df["is_repeat"].fillna(False).to_numpy(dtype=float)
        else:
            X[:, 4] = prior > 0
        return X

    @staticmethod
    def _codes(values: pd.Series, names: Sequence[str]) -> np.ndarray:
        """Index of each value in ``names`` (NaN when missing or unknown); numbers are
        read as their :func:`label_text` (an intent 2 or 2.0 is ``"2"``)."""
        lookup: dict[str | None, float] = {v: float(i) for i, v in enumerate(names)}
        return np.array([lookup.get(v if isinstance(v, str) else label_text(v), np.nan)
                         for v in values.astype(object)], dtype=float)

    @staticmethod
    def _with_labels(df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with its ids and categories as text (:func:`label_text`): agent 101.0 (a
        column with gaps) is roster agent 101, an intent code 2 is "2" when routing."""
        # channel and language codes as the Router and the roster read them: "EN" is "en"
        def read(col: str) -> list[Any]:
            text = [label_text(v) for v in df[col].astype(object)]
            return [code_text(v) for v in text] if col in ("channel", "language") else text

        return df.assign(**{col: read(col) for col in ("agent_id", "intent", "channel", "language")
                            if col in df})

    @staticmethod
    def _warn_odd_rows(df: pd.DataFrame) -> None:
        """Rows repeated exactly (a log exported twice) and priorities beyond the Router's
        0..2 scale: warned, not dropped."""
        import warnings

        # without arrival times, equal rows are equal calls, not copies
        dup = int(df.astype(str).duplicated().sum()) if "ts" in df else 0
        if dup:
            warnings.warn(
                f"interactions: {dup} rows repeat another row exactly (a log exported twice "
                f"counts them twice). Fix: log = log.drop_duplicates().", UserWarning,
                stacklevel=3)
        if "priority" in df:
            import pandas as pd

            prio = pd.to_numeric(df["priority"], errors="coerce")
            if (prio > 2).any():
                warnings.warn(
                    f"interactions: priorities above 2 ({int((prio > 2).sum())} rows, e.g. "
                    f"{prio[prio > 2].iloc[0]:g}) are read as 2, the Router's highest "
                    f"(0, 1, 2). Fix: map your priority levels onto 0..2.", UserWarning,
                    stacklevel=3)

    def _agent_static(self, agents: Any) -> None:
        """Proficiency (agents × skills), languages and tenure of the known agents."""
        import pandas as pd

        n = len(self.agent_ids_)
        self._prof = np.full((n, len(self.skills_)), np.nan)
        self._speaks = np.ones((n, len(self.languages_)), dtype=bool)
        self._tenure = np.full(n, np.nan)
        self._has_roster = agents is not None
        if agents is None:
            return
        rows = agents.to_dict("records") if isinstance(agents, pd.DataFrame) else list(agents)
        by_id = {label_text(r["agent_id"]): r for r in rows}
        sk = {s: j for j, s in enumerate(self.skills_)}
        lg = {s: j for j, s in enumerate(self.languages_)}
        for i, a in enumerate(self.agent_ids_):
            r = by_id.get(a)
            if r is None:
                continue
            self._prof[i] = 0.0
            for s, level in dict(r.get("skills", {}) or {}).items():
                if s in sk:
                    try:
                        self._prof[i, sk[s]] = float(level)
                    except (TypeError, ValueError):
                        raise ValueError(
                            f"agents: agent {r['agent_id']!r} has proficiency {level!r} on "
                            f"skill {s!r}; proficiencies are numbers 0-5 (0: not skilled). "
                            f"Fix: e.g. {{{s!r}: 4}}.") from None
            if r.get("languages") is not None and len(self.languages_):
                self._speaks[i] = False
                for code in map(label_text, agent_codes(r["languages"])):
                    if code in lg:
                        self._speaks[i, lg[code]] = True
            ten = r.get("tenure_months")
            if ten is not None and np.isfinite(float(ten)):
                self._tenure[i] = float(ten)

    def _agent_features(
        self, agent_code: np.ndarray, intent_code: np.ndarray, lang_code: np.ndarray,
        hist: tuple[np.ndarray, ...],
        intent_means: tuple[np.ndarray, np.ndarray] | None = None,
        language_given: np.ndarray | None = None,
    ) -> np.ndarray:
        """Agent columns 9..15 given history counts/sums per row.

        ``hist`` = (n_ai, sum_log_ai, sum_res_ai, n_a, sum_resid_a, sum_resres_a);
        ``intent_means`` = each row's (log handle, resolved) intent means (default: the
        fitted ones, as for predictions); ``language_given`` marks rows whose contact names
        a language: one the model never saw is spoken by none of its agents (match 0), as
        in the fast path.
        """
        n_ai, slog_ai, sres_ai, n_a, sresid_a, sresres_a = hist
        k = max(float(self.shrinkage), 1e-9)
        n = len(agent_code)
        A = np.full((n, 7), np.nan)
        known = agent_code >= 0
        ic = np.where(np.isnan(intent_code), -1, intent_code).astype(int)
        ai = np.where(known, agent_code, 0).astype(int)
        skill_of = np.where(ic >= 0, self._intent_skill[np.maximum(ic, 0)], -1)
        prof = np.full(n, np.nan)
        ok = known & (skill_of >= 0)
        prof[ok] = self._prof[ai[ok], skill_of[ok]]
        A[:, 0] = prof
        lc = np.where(np.isnan(lang_code), -1, lang_code).astype(int)
        lm = np.ones(n)
        okl = known & (lc >= 0)
        lm[okl] = self._speaks[ai[okl], lc[okl]]
        if language_given is not None:
            lm[language_given & (lc < 0)] = 0.0
        A[:, 1] = lm
        A[:, 2] = np.where(known, self._tenure[ai], np.nan)
        if intent_means is None:
            mu_i = np.where(ic >= 0, self._intent_log_mean[np.maximum(ic, 0)],
                            self._global_log)
            r_i = np.where(ic >= 0, self._intent_res_mean[np.maximum(ic, 0)],
                           self._global_res)
        else:
            mu_i, r_i = intent_means
        A[:, 3] = (slog_ai + k * mu_i) / (n_ai + k)
        A[:, 4] = (sres_ai + k * r_i) / (n_ai + k)
        A[:, 5] = sresid_a / (n_a + k)
        A[:, 6] = sresres_a / (n_a + k)
        if not self.has_resolution_:
            A[:, 4] = np.nan
            A[:, 6] = np.nan
        return A

    # -- fit --------------------------------------------------------------------------
    def fit(
        self,
        interactions: pd.DataFrame,
        agents: pd.DataFrame | Sequence[Mapping] | None = None,
        *,
        intent_skills: Mapping[str, str] | None = None,
    ) -> PairOutcomeModel:
        """Fit both boosters on an interaction log.

        Parameters
        ----------
        interactions : DataFrame
            One row per answered contact: ``agent_id``, ``intent``, ``handle_seconds``
            (> 0); optional ``ts`` (arrival; datetime or seconds; default row order),
            ``start`` (service start), ``channel`` (default voice), ``language``,
            ``priority``, ``customer_id`` (0/NA = unidentified), ``is_repeat``,
            ``resolved`` (bool), ``text``, ``skill``.
        agents : DataFrame or list of dicts, optional
            Roster with ``agent_id``, ``skills`` (skill → proficiency 0–5), ``languages``,
            ``tenure_months``. Without it proficiency and tenure are missing features.
        intent_skills : mapping, optional
            intent → skill, when the log has no ``skill`` column (default: the intent is
            its own skill).

        Returns
        -------
        self

        Raises
        ------
        FrameError
            Missing columns, non-positive handle times, missing agent_id / intent.
        ValueError
            Bad hyper-parameters.
        """
        import lightgbm as lgb
        import pandas as pd

        self._validate_params()
        df = self._clean_log(interactions)
        n = len(df)
        if n < 20:
            raise FrameError(f"interactions has {n} rows; the pair model needs at least 20.")
        times, ends = self._times(df)
        # the log in time order (ties by intent, agent, handle time): the folds of the
        # fold-free intent means go by row, so a shuffled log gave another model
        ties = [df[c].astype(str).to_numpy() for c in ("agent_id", "intent") if c in df]
        order = np.lexsort((df["handle_seconds"].to_numpy(dtype=float), *ties,
                            np.nan_to_num(times, nan=np.inf)))
        df = df.iloc[order].reset_index(drop=True)
        times, ends = times[order], ends[order]

        df = self._with_labels(df)
        self._warn_odd_rows(df)
        self.intents_ = tuple(sorted(set(df["intent"])))
        self.channels_ = tuple(sorted({c for c in df["channel"] if c is not None})) \
            if "channel" in df else ("voice",)
        self.agent_ids_ = tuple(sorted(set(df["agent_id"])))
        # intent -> skill
        if "skill" in df:
            first = df.groupby(df["intent"].astype(str))["skill"].first()
            # an intent whose skill cells are all empty: as without a skill column (not the
            # skill "None", which nobody has: its contacts would never be routed)
            skill_map = {i: str(first[i]) if pd.notna(first.get(i)) and str(first[i]).strip()
                         else str((intent_skills or {}).get(i, i)) for i in self.intents_}
        else:
            skill_map = {i: str((intent_skills or {}).get(i, i)) for i in self.intents_}
        roster_skills: set[str] = set()
        # a language of the roster that nobody in the log used is still one its agents
        # speak or not
        languages = {v for v in df["language"] if v is not None} if "language" in df else set()
        if agents is not None:
            rows = agents.to_dict("records") if isinstance(agents, pd.DataFrame) else list(agents)
            check_roster_rows(rows, require_skills=False)  # one row per agent, skills a mapping
            for r in rows:
                roster_skills.update(dict(r.get("skills", {}) or {}))
                languages.update(t for t in map(label_text, agent_codes(r.get("languages")))
                                 if t)
        self.languages_ = tuple(sorted(languages))
        self.skills_ = tuple(sorted(set(skill_map.values()) | roster_skills))
        self.intent_skills_ = skill_map
        self._intent_skill = np.array([self.skills_.index(skill_map[i]) for i in self.intents_])
        self._agent_static(agents)

        y_log = np.log(df["handle_seconds"].to_numpy(dtype=float))
        self.has_resolution_ = "resolved" in df
        y_res = df["resolved"].to_numpy(dtype=float) if self.has_resolution_ else np.zeros(n)
        ic = self._codes(df["intent"], self.intents_).astype(int)
        ac = self._codes(df["agent_id"], self.agent_ids_).astype(int)
        n_i = np.bincount(ic, minlength=len(self.intents_))
        self._global_log = float(y_log.mean())
        self._global_res = float(y_res.mean())
        # intent means shrunk to the global mean with _INTENT_PRIOR_ROWS pseudo-rows: an
        # intent seen once would otherwise start its offset at P(resolved) 0 or 1
        k0 = _INTENT_PRIOR_ROWS
        self._intent_log_mean = (np.bincount(ic, y_log, len(self.intents_))
                                 + k0 * self._global_log) / (n_i + k0)
        self._intent_res_mean = (np.bincount(ic, y_res, len(self.intents_))
                                 + k0 * self._global_res) / (n_i + k0)
        resid = y_log - self._intent_log_mean[ic]
        resres = y_res - self._intent_res_mean[ic]

        n_int = len(self.intents_)
        X = self._history_X(df, times, ends, ac, ic, y_log, y_res)
        self.feature_names_ = FEATURES

        # frozen history for prediction: every interaction of the log
        self._hist_ai = np.zeros((len(self.agent_ids_), n_int, 3))  # n, sum log, sum res
        np.add.at(self._hist_ai, (ac, ic), np.c_[np.ones(n), y_log, y_res])
        self._hist_a = np.zeros((len(self.agent_ids_), 3))
        np.add.at(self._hist_a, ac, np.c_[np.ones(n), resid, resres])

        params = {
            "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples, "lambda_l2": 1.0,
            "seed": self.random_state, "deterministic": True, "force_row_wise": True,
            "num_threads": self.n_jobs, "verbosity": -1, "max_cat_to_onehot": 8,
            "cat_smooth": 20.0, "min_data_per_group": 50,
        }
        cat_h = [j for j, c in enumerate(_COLS_HANDLE) if c in _CATEGORICAL]
        ds = lgb.Dataset(np.ascontiguousarray(X[:, _COLS_HANDLE]), y_log, init_score=np.ascontiguousarray(X[:, _OFFSET_HANDLE]),
                         feature_name=[FEATURES[c] for c in _COLS_HANDLE],
                         categorical_feature=cat_h, free_raw_data=False)
        self.booster_handle_ = lgb.train({**params, "objective": "regression"}, ds,
                                         num_boost_round=self.n_estimators)
        fitted = self.booster_handle_.predict(np.ascontiguousarray(X[:, _COLS_HANDLE]), num_threads=self.n_jobs) \
            + X[:, _OFFSET_HANDLE]
        self.handle_sigma_ = float(np.std(y_log - fitted))
        self.booster_resolved_ = None
        if self.has_resolution_ and 0 < y_res.mean() < 1:
            cat_r = [j for j, c in enumerate(_COLS_RESOLVED) if c in _CATEGORICAL]
            dsr = lgb.Dataset(np.ascontiguousarray(X[:, _COLS_RESOLVED]), y_res,
                              init_score=_logit(X[:, _OFFSET_RESOLVED]),
                              feature_name=[FEATURES[c] for c in _COLS_RESOLVED],
                              categorical_feature=cat_r, free_raw_data=False)
            self.booster_resolved_ = lgb.train({**params, "objective": "binary"}, dsr,
                                               num_boost_round=self.n_estimators)
        self._median_tenure = float(np.nanmedian(self._tenure)) \
            if np.isfinite(self._tenure).any() else np.nan
        self.n_interactions_ = n
        self._build_lookups()
        self._reset_cache()
        self._common_contexts = self._frequent_contexts(X[:, :_N_CONTEXT])
        logger.info("PairOutcomeModel fit on %d interactions, %d agents, %d intents "
                    "(handle sigma %.3f)", n, len(self.agent_ids_), n_int, self.handle_sigma_)
        return self

    def _times(self, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Arrival and end seconds of each logged interaction."""
        n = len(df)
        times = self._seconds(df["ts"]) if "ts" in df else np.arange(n, dtype=float)
        if np.isnan(times).any():
            raise FrameError("interactions: column 'ts' has missing or unparseable values.")
        if "start" in df:
            if "ts" in df:
                self._check_one_clock(df["ts"], df["start"])
            start = self._seconds(df["start"])
            start = np.where(np.isnan(start), times, start)
            # service cannot start before the contact arrives: an end before the row's own
            # arrival would let the history features read its outcome (leakage)
            early = start < times - 1.0
            if early.mean() > EARLY_START_MAX_SHARE:
                i = int(np.flatnonzero(early)[0])
                raise FrameError(
                    f"interactions: 'start' is before 'ts' in {int(early.sum())} of {n} rows "
                    f"(e.g. row {i}: ts {df['ts'].iloc[i]}, start {df['start'].iloc[i]}): are they "
                    f"on two clocks (UTC and local time)? The history features would read each "
                    f"row's own outcome. Fix: put both columns on one clock.")
            start = np.maximum(start, times)
        else:
            start = times
        return times, start + df["handle_seconds"].to_numpy(dtype=float)

    @staticmethod
    def _check_one_clock(ts: pd.Series, start: pd.Series) -> None:
        """Naive and zoned datetimes in ``ts`` and ``start`` are two clocks."""
        import pandas as pd

        zoned = [isinstance(col.dtype, pd.DatetimeTZDtype) for col in (ts, start)]
        naive = [pd.api.types.is_datetime64_any_dtype(col) and not z
                 for col, z in zip((ts, start), zoned, strict=True)]
        if (zoned[0] and naive[1]) or (naive[0] and zoned[1]):
            which = "ts" if zoned[0] else "start"
            other = "start" if which == "ts" else "ts"
            raise FrameError(
                f"interactions: '{which}' has a time zone and '{other}' has none: two clocks "
                f"(a zone is read on the UTC clock, so the times would shift by the zone's "
                f"offset). Fix: give both a zone, e.g. log['{other}'] = "
                f"log['{other}'].dt.tz_localize('Europe/Madrid'), or neither.")

    def _history_X(self, df: pd.DataFrame, times: np.ndarray, ends: np.ndarray,
                   ac: np.ndarray, ic: np.ndarray, y_log: np.ndarray,
                   y_res: np.ndarray) -> np.ndarray:
        """Leak-free features: only interactions that *ended* before the row's arrival.

        The intent mean the agent's history is shrunk to is the one without the row's
        fold (the whole log's mean would carry the row's own outcome into its features: a
        rare intent's mean is its few rows' outcomes), and each history row's residual is
        taken from its own fold-free mean. The means are a prior of the intent over the
        whole log, later days included, not a history: means over only the earlier
        interactions cost the bank log's held-out R^2 a point (0.130 -> 0.120: the first
        days' means are noisy)."""
        n_int = len(self.intents_)
        ok = (ac >= 0) & (ic >= 0)
        g_ai = np.where(ok, ac * n_int + ic, -1)
        # each row's intent mean without its fold (row i is in fold i % K): its own prior,
        # and the reference of its residual when it is in a later row's agent history.
        # (Residuals against one fold-free mean per reading row, 5 tables, were cleaner by
        # a 1/n-of-the-intent share of the row's own outcome and cost the bank log's
        # held-out R^2 0.130 -> 0.126-0.129 with 3-20 folds: noisier residual sums.)
        mu_tab, rr_tab = self._fold_intent_tables(ic, y_log, y_res)
        fold = np.arange(len(ic)) % _INTENT_FOLDS
        grp = np.where(ic >= 0, ic, n_int)
        mu, rr = mu_tab[fold, grp], rr_tab[fold, grp]
        cnt_ai, s_ai = _prior_sums(g_ai, ends, np.c_[y_log, y_res], g_ai, times)
        cnt_a, s_a = _prior_sums(ac, ends, np.c_[y_log - mu, y_res - rr], ac, times)
        Xc = self._contact_features(df, times, ends)
        Xa = self._agent_features(
            ac.astype(float), Xc[:, 0], Xc[:, 2],
            (cnt_ai, s_ai[:, 0], s_ai[:, 1], cnt_a, s_a[:, 0], s_a[:, 1]),
            intent_means=(mu, rr),
        )
        return np.hstack([self._mask_context(Xc.copy()), Xa])

    def _fold_intent_tables(self, ic: np.ndarray, y_log: np.ndarray,
                            y_res: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Intent means without each fold: ``(K, n_intents + 1)`` tables of mean log handle
        and mean resolved over the rows of the other ``_INTENT_FOLDS`` - 1 folds (row ``i``
        is in fold ``i % K``; the last column: intents unknown to the model), shrunk with
        ``_INTENT_PRIOR_ROWS`` pseudo-rows to those folds' overall mean, as ``fit`` shrinks
        the whole log's means."""
        n = len(ic)
        k = _INTENT_FOLDS
        fold = np.arange(n) % k
        n_int = len(self.intents_)
        grp = np.where(ic >= 0, ic, n_int)
        vals = np.c_[y_log, y_res]
        total = np.zeros((n_int + 1, 2))
        count = np.zeros(n_int + 1)
        np.add.at(total, grp, vals)
        np.add.at(count, grp, 1.0)
        total_f = np.zeros((k, n_int + 1, 2))
        count_f = np.zeros((k, n_int + 1))
        np.add.at(total_f, (fold, grp), vals)
        np.add.at(count_f, (fold, grp), 1.0)
        other_rows = np.maximum(n - count_f.sum(axis=1), 1.0)
        glob = (vals.sum(axis=0)[None, :] - total_f.sum(axis=1)) / other_rows[:, None]
        k0 = _INTENT_PRIOR_ROWS
        means = ((total[None] - total_f) + k0 * glob[:, None, :]) \
            / ((count[None] - count_f) + k0)[:, :, None]
        return means[:, :, 0], means[:, :, 1]

    def training_features(self, interactions: pd.DataFrame) -> np.ndarray:
        """The leak-free feature matrix (rows × ``FEATURES``) of a log, as used by fit.

        Each row's agent history counts only interactions of the same log that had ended
        before the row's contact arrived (``ts``); the intent means its history is shrunk
        to are this log's without the row's fold (row ``i`` in fold ``i % 5``), as in fit.
        """
        self._check_fitted()
        df = self._with_labels(self._clean_log(interactions))
        times, ends = self._times(df)
        ic = self._codes(df["intent"], self.intents_)
        ac = self._codes(df["agent_id"], self.agent_ids_)
        ic = np.where(np.isnan(ic), -1, ic).astype(int)
        ac = np.where(np.isnan(ac), -1, ac).astype(int)
        y_log = np.log(df["handle_seconds"].to_numpy(dtype=float))
        y_res = df["resolved"].to_numpy(dtype=float) if "resolved" in df else \
            np.zeros(len(df))
        return self._history_X(df, times, ends, ac, ic, y_log, y_res)

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_handle_"):
            raise NotFittedError("PairOutcomeModel is not fitted; call fit(interactions) "
                                 "first.")

    # -- history --------------------------------------------------------------------------
    def update_history(self, interactions: pd.DataFrame) -> PairOutcomeModel:
        """Add newly finished interactions to the agents' history (no refit).

        Agents or intents unknown at fit time are ignored for history (new agents keep
        the pseudo-row of their proficiency). Clears the decision lookup cache.
        """
        self._check_fitted()
        df = self._clean_log(interactions)
        ic = self._codes(df["intent"], self.intents_)
        ac = self._codes(df["agent_id"], self.agent_ids_)
        ok = ~np.isnan(ic) & ~np.isnan(ac)
        ic, ac = ic[ok].astype(int), ac[ok].astype(int)
        y_log = np.log(df["handle_seconds"].to_numpy(dtype=float)[ok])
        y_res = (df["resolved"].to_numpy(dtype=float)[ok] if "resolved" in df
                 else self._intent_res_mean[ic])
        with self._lock:
            np.add.at(self._hist_ai, (ac, ic), np.c_[np.ones(len(ic)), y_log, y_res])
            np.add.at(self._hist_a, ac, np.c_[np.ones(len(ic)),
                                              y_log - self._intent_log_mean[ic],
                                              y_res - self._intent_res_mean[ic]])
            self._cache = {}
        return self

    # -- prediction ---------------------------------------------------------------------
    def _frozen_hist(self, agent_code: np.ndarray, intent_code: np.ndarray) -> tuple:
        n = len(agent_code)
        out = [np.zeros(n) for _ in range(6)]
        known = agent_code >= 0
        ic = np.where(np.isnan(intent_code), -1, intent_code).astype(int)
        ok = known & (ic >= 0)
        a = agent_code.astype(int)
        h = self._hist_ai[a[ok], ic[ok]]
        out[0][ok], out[1][ok], out[2][ok] = h[:, 0], h[:, 1], h[:, 2]
        ha = self._hist_a[a[known]]
        out[3][known], out[4][known], out[5][known] = ha[:, 0], ha[:, 1], ha[:, 2]
        return tuple(out)

    def _raw_predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(p_resolved, mean log handle seconds) of feature rows ``X``."""
        mu = self.booster_handle_.predict(np.ascontiguousarray(X[:, _COLS_HANDLE]), num_threads=self.n_jobs) \
            + X[:, _OFFSET_HANDLE]
        if self.booster_resolved_ is not None:
            z = self.booster_resolved_.predict(np.ascontiguousarray(X[:, _COLS_RESOLVED]), raw_score=True,
                                               num_threads=self.n_jobs)
            p = 1.0 / (1.0 + np.exp(-(z + _logit(X[:, _OFFSET_RESOLVED]))))
        elif self.has_resolution_:
            p = np.full(len(X), self._global_res)
        else:
            p = np.full(len(X), np.nan)
        return p, mu

    def features(self, pairs: pd.DataFrame, agents: Any = None) -> np.ndarray:
        """Feature matrix (rows × ``FEATURES``) of (contact, agent) rows, frozen history.

        ``pairs`` has the contact columns of an interaction log plus ``agent_id``; rows
        with the same ``contact_id`` (else the same contact columns) are one contact scored
        against several agents, never each other's repeats. The
        agent history is the whole fitted (and updated) history. Agents unseen at fit have
        no history and the median tenure; their proficiency (on the row's ``skill``, else
        the intent's) and language match come from ``agents`` (a roster as in :meth:`fit`,
        or an :class:`AgentPool`) exactly as the policies' fast path reads them from the
        pool (whole proficiency levels 0..5); without it, or for an agent it does not
        list, the proficiency is missing and the language match as for a known agent.
        """
        from routing_ml.frames import require_columns

        self._check_fitted()
        require_columns(
            pairs, ("agent_id", "intent"), frame="pairs",
            hint="pairs has one row per (contact, agent): the contact columns of an "
                 "interaction log (intent, + optional ts, channel, language, priority, "
                 "customer_id, is_repeat) plus agent_id; rename yours, e.g. "
                 "df.rename(columns={'agent': 'agent_id', 'motivo': 'intent'}).")
        df = self._with_labels(pairs.reset_index(drop=True))
        if "is_repeat" in df.columns:  # as fit reads it: a clear error for "no", 2, ...
            df = df.assign(is_repeat=flag_column(df, "is_repeat", frame="pairs"))
        times = self._seconds(df["ts"]) if "ts" in df else np.arange(len(df), dtype=float)
        times = np.nan_to_num(times)
        if "customer_id" in df.columns and len(df) > 1:
            import pandas as pd

            # rows of one contact scored against several agents are one contact, not its
            # repeats: the customer's history links distinct contacts only
            key = (df["contact_id"] if "contact_id" in df.columns else pd.util.hash_pandas_object(
                df.drop(columns=["agent_id"]).astype(str), index=False))
            codes, _ = pd.factorize(key)
            first = np.unique(codes, return_index=True)[1]
            Xc = self._contact_features(df.iloc[first].reset_index(drop=True), times[first])[codes]
        else:
            Xc = self._contact_features(df, times)
        ac = self._codes(df["agent_id"], self.agent_ids_)
        ac = np.where(np.isnan(ac), -1, ac)
        given = np.array([v is not None for v in df["language"]], dtype=bool) \
            if "language" in df else None
        Xa = self._agent_features(ac, Xc[:, 0], Xc[:, 2], self._frozen_hist(ac, Xc[:, 0]),
                                  language_given=given)
        unseen = np.flatnonzero(ac < 0)
        if len(unseen):
            Xa[unseen, 2] = self._median_tenure  # as the fast path's pseudo-agents
            if agents is not None:
                self._unseen_from_roster(Xa, df.iloc[unseen], unseen, agents)
        return np.hstack([self._mask_context(Xc), Xa])

    def _unseen_from_roster(self, Xa: np.ndarray, rows: pd.DataFrame, at: np.ndarray,
                            agents: Any) -> None:
        """Proficiency and language match of agents unseen at fit (rows ``at`` of
        ``Xa``) from the roster ``agents``, as :meth:`_pool_rows` reads them."""
        pool = agents if isinstance(agents, AgentPool) else AgentPool.from_agents(agents)
        skills = rows["skill"] if "skill" in rows else \
            rows["intent"].map(lambda i: self.intent_skills_.get(label_text(i)) if i is not None else None)
        languages = rows["language"] if "language" in rows else [None] * len(rows)
        for j, agent, skill, language in zip(at, rows["agent_id"], skills, languages, strict=True):
            a = pool.agent_index(agent)
            if a < 0:
                continue
            s = pool.skill_index(None if skill is None or skill != skill else label_text(skill))
            if self._has_roster:
                Xa[j, 0] = float(np.clip(int(pool.skills[a, s]) if s >= 0 else 0, 0, _PSEUDO_LEVELS - 1))
            language = None if language is None or language != language else label_text(language)
            li = pool.language_index(language)
            Xa[j, 1] = float(pool.languages[a, li]) if li >= 0 else (0.0 if language else 1.0)

    def predict(self, pairs: pd.DataFrame, agents: Any = None) -> pd.DataFrame:
        """Predict outcomes for (contact, agent) rows (the slow, general path).

        ``agents`` (optional roster or :class:`AgentPool`) gives agents unseen at fit
        their proficiency and language match (see :meth:`features`): with the pool the
        policies route over, the answers are those of :meth:`expected_outcomes`.

        Returns
        -------
        DataFrame with ``p_resolved`` (NaN without a resolution model),
        ``log_handle_seconds`` (predicted mean of log handle seconds) and
        ``expected_handle_seconds`` (``exp(mu + sigma**2/2)``), on ``pairs``' index.
        """
        import pandas as pd

        X = self.features(pairs, agents)
        p, mu = self._raw_predict(X)
        return pd.DataFrame({
            "p_resolved": p, "log_handle_seconds": mu,
            "expected_handle_seconds": np.exp(mu + 0.5 * self.handle_sigma_ ** 2),
        }, index=pairs.index)

    # -- fast path ----------------------------------------------------------------------
    def _used_context(self) -> np.ndarray:
        """Bool per contact feature (0..8): does any tree of either booster split on it?"""
        used = np.zeros(_N_CONTEXT, dtype=bool)
        for booster, cols in ((self.booster_handle_, _COLS_HANDLE),
                              (self.booster_resolved_, _COLS_RESOLVED)):
            if booster is None:
                continue
            splits = booster.feature_importance("split")
            for j, c in enumerate(cols):
                if c < _N_CONTEXT and splits[j] > 0:
                    used[c] = True
        return used

    def _context_key(self, contact: Contact) -> tuple:
        """The contact's context, reduced to the features the trees split on.

        Features no tree uses take a canonical value, so contexts that the model cannot
        tell apart share one cache entry (exact, not an approximation).
        """
        u = self._ctx_used
        intent, channel, language = contact.intent, contact.channel, contact.language
        if not isinstance(intent, str | None):  # an intent code 2 is "2", as in fit
            intent = label_text(intent)
        if not isinstance(channel, str):
            channel = label_text(channel)
        if not isinstance(language, str | None):
            language = label_text(language)
        ic = self._intent_index.get(intent, -1) if intent else -1
        ch = self._channel_index.get(channel, -1)
        lc = (self._language_index.get(language, -1) if language else -1) if u[2] else -1
        # the Router's scale 0..2, as fit reads the log (higher values count as 2)
        p = contact.priority
        prio: float = 0
        if u[3]:
            if type(p) is int and 0 <= p <= 2:
                prio = p
            elif isinstance(p, numbers.Real) and math.isfinite(p):
                q = min(max(float(p), 0.0), 2.0)
                prio = int(q) if q.is_integer() else q
        open_case = int(bool(contact.open_case) or contact.preferred_agent_id is not None) \
            if u[5] else 0
        prior = min(int(contact.prior_contacts or 0), 3)
        if contact.is_repeat and prior == 0:
            prior = 1
        prior = prior if u[6] else 0
        prev = contact.previous_channel
        switch = int(prev is not None and prev != contact.channel) if u[7] else 0
        tb = (_text_bucket(len(contact.text)) if isinstance(contact.text, str) else 0) \
            if u[8] else 0
        rep = int(bool(contact.is_repeat)) if u[4] else 0
        return (ic, ch, lc, prio, rep, open_case, prior, switch, tb)

    def _frequent_contexts(self, Xc: np.ndarray, limit: int = 5000) -> list[tuple]:
        """The contexts of the training log, most frequent first (for warm_up)."""
        K = np.where(np.isnan(Xc), -1, Xc).astype(np.int64)
        K[:, 6] = np.minimum(K[:, 6], 3)
        defaults = np.array([0, 0, -1, 0, 0, 0, 0, 0, 0])
        K = np.where(self._ctx_used[None, :], K, defaults[None, :])
        uniq, counts = np.unique(K, axis=0, return_counts=True)
        order = np.argsort(-counts, kind="stable")[:limit]
        return [tuple(int(v) for v in uniq[i]) for i in order]

    def context_key(self, contact: Contact) -> tuple:
        """Hashable key: contacts with equal keys get equal predictions for every agent
        (used by ``BatchAssignment`` to score each distinct context once)."""
        return self._context_key(contact)

    def _context_rows(self, key: tuple) -> np.ndarray:
        """Feature rows of one context: known agents × language match (0, 1), then
        pseudo-agents (proficiency 0..5 × language match 0, 1)."""
        n_known = len(self.agent_ids_)
        n = 2 * n_known + 2 * _PSEUDO_LEVELS
        ic, ch, lc = key[0], key[1], key[2]
        Xc = np.empty((n, _N_CONTEXT))
        Xc[:] = [np.nan if ic < 0 else ic, np.nan if ch < 0 else ch,
                 np.nan if lc < 0 else lc, *key[3:]]
        agent_code = np.r_[np.repeat(np.arange(n_known), 2),
                           -np.ones(2 * _PSEUDO_LEVELS)].astype(float)
        intent_code = np.full(n, np.nan if ic < 0 else float(ic))
        Xa = self._agent_features(agent_code, intent_code, np.full(n, np.nan),
                                  self._frozen_hist(agent_code, intent_code))
        Xa[:, 1] = np.tile([0.0, 1.0], n_known + _PSEUDO_LEVELS)  # language match
        pseudo = slice(2 * n_known, n)
        Xa[pseudo, 0] = np.repeat(np.arange(_PSEUDO_LEVELS, dtype=float), 2) \
            if self._has_roster else np.nan
        Xa[pseudo, 2] = self._median_tenure
        return np.hstack([Xc, Xa])

    def _compute_contexts(self, keys: Sequence[tuple]) -> None:
        """Predict the lookup arrays of ``keys`` in one booster call each and cache them."""
        keys = [k for k in dict.fromkeys(keys) if k not in self._cache]
        if not keys:
            return
        X = np.vstack([self._context_rows(k) for k in keys])
        p, mu = self._raw_predict(X)
        if np.isnan(p).all():
            p = np.ones(len(X))  # no resolution model: agents equal on resolution
        h = np.exp(mu + 0.5 * self.handle_sigma_ ** 2)
        m = len(X) // len(keys)
        with self._lock:
            if len(self._cache) + len(keys) > 200_000:
                self._cache.clear()
            for j, k in enumerate(keys):
                self._cache[k] = (p[j * m:(j + 1) * m], h[j * m:(j + 1) * m])

    def _context_arrays(self, key: tuple) -> tuple[np.ndarray, np.ndarray]:
        hit = self._cache.get(key)
        if hit is None:
            self._compute_contexts([key])
            hit = self._cache[key]
        return hit

    def _pool_rows(self, contact: Contact, pool: AgentPool) -> np.ndarray:
        """Row of each pool agent in the context arrays (cached per pool, skill, language).

        Known agents use their own history; agents unseen at fit use the pseudo-row of
        their proficiency on the contact's skill. The language match is the pool's.
        """
        # the languages array too: a pool rebuilt with dataclasses.replace shares the others
        ck = (id(pool.agent_ids), id(pool.skills), id(pool.languages), contact.skill, contact.language)
        hit = self._rows_cache.get(ck)
        if hit is not None and hit[0] is pool.agent_ids:
            return hit[1]
        idx = self._agent_index
        known = np.array([idx.get(a if isinstance(a, str) else label_text(a), -1)
                          for a in pool.agent_ids], dtype=np.int64)
        rows = 2 * known
        unknown = np.flatnonzero(known < 0)
        if len(unknown):
            s = pool.skill_index(contact.skill)
            prof = pool.skills[unknown, s].astype(int) if s >= 0 else np.zeros(len(unknown), int)
            rows[unknown] = 2 * len(self.agent_ids_) + 2 * np.clip(prof, 0, _PSEUDO_LEVELS - 1)
        language = contact.language if isinstance(contact.language, str | None) \
            else label_text(contact.language)
        li = pool.language_index(language)
        # a language the pool has no column for is one no pool agent speaks; no language
        # (None) matches everyone, as a log row without one
        match = (pool.languages[:, li].astype(np.int64) if li >= 0
                 else (0 if language else 1))
        rows = rows + match
        with self._lock:
            if len(self._rows_cache) > 10_000:
                self._rows_cache.clear()
            self._rows_cache[ck] = (pool.agent_ids, rows)
        return rows

    def expected_outcomes(self, contact: Contact, pool: AgentPool) -> tuple[np.ndarray, np.ndarray]:
        """P(resolved) and expected handle seconds of ``contact`` with every pool agent.

        The fast path of the policies: a dict lookup and a gather once the context is
        cached (:meth:`warm_up` fills the usual contexts; a new context costs one booster
        call over every agent, a few milliseconds). Agents unknown at fit time are scored
        as a new agent with their pool proficiency and language match and no history.

        Returns
        -------
        (p_resolved, expected_handle_seconds) : two float arrays of ``len(pool)``.

        Raises
        ------
        NotFittedError : the model is not fitted.
        """
        try:
            p, h = self._context_arrays(self._context_key(contact))
        except AttributeError:
            self._check_fitted()  # the lookups are missing: say so (free when fitted)
            raise
        rows = self._pool_rows(contact, pool)
        return p[rows], h[rows]

    def warm_up(self, contexts: Sequence[Contact] = (), *, max_contexts: int = 1500,
                max_rows: int = 300_000) -> PairOutcomeModel:
        """Precompute lookup arrays for every intent (and unknown intent) × channel as a
        first contact, a repeat and a repeat with an open case, at each priority, then the most frequent contexts of the training log, up to
        ``max_contexts`` contexts or ``max_rows`` predicted rows (each context predicts
        2 × agents + 12 rows), plus the contexts of ``contexts``; one booster call per
        chunk of 200 contexts. Other contexts are computed at their first decision."""
        self._check_fitted()
        # every intent x channel as a first contact, a repeat contact and a repeat with
        # an open case (the flags change the features; without these a service's first
        # repeat contacts each paid a booster call inside the decision)
        keys = list(dict.fromkeys(
            self._context_key(Contact(0, ch, intent=intent, priority=prio, is_repeat=rep,
                                      open_case=case))
            for intent in (None, *self.intents_) for ch in self.channels_
            for prio in (0, 1, 2) for rep, case in ((False, False), (True, False), (True, True))))
        per_context = 2 * len(self.agent_ids_) + 2 * _PSEUDO_LEVELS
        limit = min(max_contexts, max(len(keys), max_rows // per_context))
        common = getattr(self, "_common_contexts", [])
        keys += common[:max(0, limit - len(keys))]
        keys += [self._context_key(c) for c in contexts]
        for start in range(0, len(keys), 200):
            self._compute_contexts(keys[start:start + 200])
        return self

    def _build_lookups(self) -> None:
        self._ctx_used = self._used_context()
        self._intent_index = {s: i for i, s in enumerate(self.intents_)}
        self._channel_index = {s: i for i, s in enumerate(self.channels_)}
        self._language_index = {s: i for i, s in enumerate(self.languages_)}
        self._agent_index = {s: i for i, s in enumerate(self.agent_ids_)}

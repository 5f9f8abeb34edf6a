"""Statistics of one run: per contact, per queue × interval, per queue, per channel,
overall, and per agent (occupancy and its spread)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._engine import ABANDONED, DONE, SERVING, WAITING, RawRun
from ._inputs import DEFERRABLE_CHANNELS

DEFAULT_ANSWER_SECONDS = {"voice": 20.0, "chat": 60.0, "messaging": 300.0,
                          "email": 86400.0, "web": 86400.0}

METRICS = ("arrivals", "answered", "abandoned", "waiting", "service_level", "asa_seconds",
           "abandon_rate", "aht_seconds", "fcr", "repeats")


def answer_targets(answer_seconds: float | Mapping[str, float]) -> dict[str, float]:
    """Per-channel answer time: a number applies to real-time channels (voice, chat,
    messaging); email/web keep their defaults (24 h) unless a mapping names them."""
    out = dict(DEFAULT_ANSWER_SECONDS)
    if isinstance(answer_seconds, Mapping):
        for k, v in answer_seconds.items():
            if k not in out:
                raise ValueError(f"answer_seconds: unknown channel {k!r}; expected one of "
                                 f"{list(out)}.")
            if isinstance(v, bool) or not isinstance(v, int | float | np.number) or not v >= 0:
                raise ValueError(f"answer_seconds[{k!r}] must be seconds >= 0, got {v!r}.")
            out[k] = float(v)
    else:
        v = float(answer_seconds)
        if not v >= 0:
            raise ValueError(f"answer_seconds must be >= 0, got {answer_seconds!r}.")
        for k in ("voice", "chat", "messaging"):
            out[k] = v
    return out


def _timestamps(origin: pd.Timestamp, seconds: np.ndarray) -> np.ndarray:
    """``origin + pd.to_timedelta(seconds, unit="s")`` with pandas' rounding to whole
    nanoseconds (whole seconds, then the fraction rounded to 9 decimals), 50x faster."""
    whole = np.trunc(seconds)
    frac = np.round(seconds - whole, 9)
    ns = whole.astype(np.int64) * 1_000_000_000 + (frac * 1e9).astype(np.int64)
    return np.datetime64(origin.as_unit("ns").asm8) + ns.astype("timedelta64[ns]")


def contacts_frame(raw: RawRun, queue_names: tuple[str, ...], channel_names: tuple[str, ...],
                   agent_ids: np.ndarray, origin: pd.Timestamp,
                   targets: dict[str, float]) -> pd.DataFrame:
    """One row per simulated contact (first contacts and repeats)."""
    st = raw.state
    answered = (st == SERVING) | (st == DONE)
    abandoned = st == ABANDONED
    waiting = st == WAITING
    wait = np.where(answered, raw.start - raw.t,
                    np.where(abandoned, raw.abandon_t - raw.t, raw.end_time - raw.t))
    ch_names = np.asarray(channel_names, dtype=object)[raw.channel]
    target = np.array([targets[c] for c in channel_names])[raw.channel]
    is_def = np.isin(ch_names, DEFERRABLE_CHANNELS)
    target = np.where(is_def & np.isfinite(raw.deadline), raw.deadline, target)
    ids = np.asarray(agent_ids, dtype=object)
    return pd.DataFrame({
        "contact_id": raw.contact_id,
        "is_repeat": raw.is_repeat,
        "parent": raw.parent,
        "unique_id": np.asarray(queue_names, dtype=object)[raw.queue],
        "channel": ch_names,
        "priority": raw.priority,
        "ts": _timestamps(origin, raw.t),
        "arrival_seconds": raw.t,
        "answered": answered,
        "abandoned": abandoned,
        "waiting": waiting,
        # still waiting at the end and not yet past the answer time (or an email's
        # deadline): whether it will be answered in time is unknown. A real-time contact
        # waiting when the events ran out (no ``until``) has nobody left to answer it.
        "waiting_within_target": waiting & (wait <= target) & (is_def | raw.stopped_by_until),
        "completed": st == DONE,
        "wait_seconds": wait,
        "answered_within_target": answered & (wait <= target),
        "handle_seconds": np.where(answered, raw.handle, np.nan),
        "resolved": raw.resolved & (st == DONE),
        "agent_id": np.where(raw.agent >= 0, ids[np.maximum(raw.agent, 0)], None),
    })


_SUMS = (("answered", "answered"), ("abandoned", "abandoned"), ("waiting", "waiting"),
         ("waiting_within_target", "waiting_within_target"),
         ("completed", "completed"), ("answered_within", "answered_within_target"),
         ("resolved", "resolved"), ("repeats", "is_repeat"))


def _arrays(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """The per-contact numbers every aggregation sums (extracted once)."""
    answered = df["answered"].to_numpy(bool)
    out = {col: df[col].to_numpy(float) for _, col in _SUMS}
    out["_wait"] = np.where(answered, df["wait_seconds"].to_numpy(float), 0.0)
    done = answered | df["abandoned"].to_numpy(bool)
    out["_wait_done"] = np.where(done, df["wait_seconds"].to_numpy(float), 0.0)
    out["_handle"] = np.where(answered, df["handle_seconds"].to_numpy(float), 0.0)
    return out


def _agg_codes(df: pd.DataFrame | dict[str, np.ndarray], codes: np.ndarray, m: int,
               cols: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Counts and rates per group code 0..m-1 (numpy bincount)."""
    cols = {} if cols is None else cols
    a = df if isinstance(df, dict) else _arrays(df)
    cols["arrivals"] = np.bincount(codes, minlength=m)
    for name, col in _SUMS:
        cols[name] = np.bincount(codes, weights=a[col], minlength=m).astype(np.int64)
    wait_sum = np.bincount(codes, weights=a["_wait"], minlength=m)
    wait_done_sum = np.bincount(codes, weights=a["_wait_done"], minlength=m)
    handle_sum = np.bincount(codes, weights=a["_handle"], minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        arr = cols["arrivals"].astype(float)
        ans = cols["answered"].astype(float)
        comp = cols["completed"].astype(float)
        # contacts still waiting within their answer time are left out: their outcome
        # is unknown (counting them as failures marked down every email of the last day)
        known = arr - cols["waiting_within_target"]
        cols["service_level"] = cols["answered_within"] / np.where(known > 0, known, np.nan)
        cols["asa_seconds"] = wait_sum / np.where(ans > 0, ans, np.nan)
        # Erlang A's (and staffing's max_asa_seconds') ASA: every offered contact's time in
        # queue, the abandoned ones' too (those still waiting at the end are left out)
        done = ans + cols["abandoned"]
        cols["asa_offered_seconds"] = wait_done_sum / np.where(done > 0, done, np.nan)
        cols["abandon_rate"] = cols["abandoned"] / np.where(arr > 0, arr, np.nan)
        cols["aht_seconds"] = handle_sum / np.where(ans > 0, ans, np.nan)
        cols["fcr"] = cols["resolved"] / np.where(comp > 0, comp, np.nan)
    return pd.DataFrame(cols)


def _aggregate(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Counts and rates per group of ``keys`` (all rows together when empty)."""
    cols: dict[str, np.ndarray] = {}
    if keys and len(df) == 0:
        for k in keys:
            cols[k] = df[k].to_numpy()
        return _agg_codes(df, np.zeros(0, dtype=np.intp), 0, cols)
    if keys:
        if len(keys) == 1:
            codes, uniq = pd.factorize(df[keys[0]], sort=True)
            cols[keys[0]] = np.asarray(uniq)
            m = len(uniq)
        else:
            codes, uniques = pd.MultiIndex.from_frame(df[keys]).factorize(sort=True)
            m = len(uniques)
            for i, k in enumerate(keys):
                cols[k] = uniques.get_level_values(i).to_numpy()
    else:
        codes = np.zeros(len(df), dtype=np.intp)
        m = 1
    return _agg_codes(df, codes, m, cols)


def interval_stats(contacts: pd.DataFrame, interval_minutes: int, raw: RawRun,
                   queue_names: tuple[str, ...], queue_channel: np.ndarray,
                   channel_names: tuple[str, ...], origin: pd.Timestamp,
                   arrays: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Per queue x interval (by arrival), plus ``unique_id == "all"`` rows for the real-time
    channels together. Intervals are aligned on midnight."""
    step = int(interval_minutes) * 60
    base = pd.Timestamp(origin).normalize()
    off = (pd.Timestamp(origin) - base).total_seconds()
    k = np.floor((raw.t + off) / step).astype(np.int64)
    if len(k) == 0:
        return _aggregate(contacts.assign(ds=contacts["ts"]), ["unique_id", "channel", "ds"])
    kmin = int(k.min())
    kk = k - kmin
    width = int(kk.max()) + 1
    code = raw.queue.astype(np.int64) * width + kk
    uniq, inv = np.unique(code, return_inverse=True)
    qn = np.asarray(queue_names, dtype=object)
    chn = np.asarray(channel_names, dtype=object)[np.asarray(queue_channel)]
    start = base + pd.to_timedelta((uniq % width + kmin) * step, unit="s")
    arrs = _arrays(contacts) if arrays is None else arrays
    per_q = _agg_codes(arrs, inv, len(uniq), {
        "unique_id": qn[uniq // width], "channel": chn[uniq // width], "ds": start})
    deferrable = np.isin(np.asarray(channel_names), DEFERRABLE_CHANNELS)
    rt = ~deferrable[raw.channel]
    if rt.any():
        u2, inv2 = np.unique(kk[rt], return_inverse=True)
        allrows = _agg_codes({k: v[rt] for k, v in arrs.items()}, inv2, len(u2), {
            "unique_id": np.full(len(u2), "all", dtype=object),
            "channel": np.full(len(u2), "realtime", dtype=object),
            "ds": base + pd.to_timedelta((u2 + kmin) * step, unit="s")})
        per_q = pd.concat([per_q, allrows], ignore_index=True)
    return per_q


def agent_stats(raw: RawRun, agent_ids: np.ndarray) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        occ = np.where(raw.available_seconds > 0,
                       raw.busy_seconds / raw.available_seconds, np.nan)
    return pd.DataFrame({"agent_id": np.asarray(agent_ids, dtype=object),
                         "contacts_handled": raw.handled,
                         "busy_seconds": raw.busy_seconds,
                         "available_seconds": raw.available_seconds,
                         "occupancy": occ})


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = all equal)."""
    x = np.sort(np.asarray(x, float)[np.isfinite(x)])
    if len(x) == 0 or x.sum() == 0:
        return float("nan") if len(x) == 0 else 0.0
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1).dot(x) / (n * x.sum()))


def summary(contacts: pd.DataFrame, agents: pd.DataFrame, raw: RawRun,
            min_available_seconds: float = 1800.0,
            arrays: dict[str, np.ndarray] | None = None,
            channel_names: tuple[str, ...] | None = None) -> dict[str, float]:
    """Overall figures (real-time channels for SL/ASA; all channels for counts)."""
    arrs = _arrays(contacts) if arrays is None else arrays
    if channel_names is None:
        rt = ~contacts["channel"].isin(DEFERRABLE_CHANNELS).to_numpy()
    else:
        rt = ~np.isin(np.asarray(channel_names), DEFERRABLE_CHANNELS)[raw.channel]
    n = len(contacts)
    over = _agg_codes(arrs, np.zeros(n, np.intp), 1).iloc[0].to_dict()
    rto = (_agg_codes({k: v[rt] for k, v in arrs.items()}, np.zeros(int(rt.sum()), np.intp),
                      1).iloc[0].to_dict() if rt.any() else {})
    occ = agents.loc[agents["available_seconds"] >= min_available_seconds, "occupancy"]
    occ = occ.to_numpy(float)
    occ = occ[np.isfinite(occ)]
    out = {k: float(over[k]) for k in ("arrivals", "answered", "abandoned", "waiting",
                                        "waiting_within_target", "completed", "resolved",
                                        "repeats", "aht_seconds", "fcr", "abandon_rate")}
    out["first_contacts"] = float(n - arrs["is_repeat"].sum())
    out["service_level"] = float(rto.get("service_level", np.nan))
    out["asa_seconds"] = float(rto.get("asa_seconds", np.nan))
    out["asa_offered_seconds"] = float(rto.get("asa_offered_seconds", np.nan))
    out["abandon_rate_realtime"] = float(rto.get("abandon_rate", np.nan))
    out["service_level_all_channels"] = float(over["service_level"])
    out["repeats_generated"] = float(raw.repeats_generated)
    out["repeats_after_horizon"] = float(raw.repeats_after_horizon)
    out["repeats_moved_to_opening"] = float(raw.repeats_moved_to_opening)
    out["occupancy_mean"] = float(occ.mean()) if len(occ) else np.nan
    out["occupancy_max"] = float(occ.max()) if len(occ) else np.nan
    out["occupancy_min"] = float(occ.min()) if len(occ) else np.nan
    out["occupancy_max_min"] = (float(occ.max() / occ.min()) if len(occ) and occ.min() > 0
                                else float("inf") if len(occ) else np.nan)
    out["occupancy_gini"] = gini(occ)
    out["decisions"] = float(raw.decisions)
    out["holdouts"] = float(raw.holdouts)
    out["end_seconds"] = float(raw.end_time)
    return out


def all_stats(cf: pd.DataFrame, raw: RawRun, queue_names: tuple[str, ...],
              queue_channel: np.ndarray, channel_names: tuple[str, ...],
              agent_ids: np.ndarray, origin: pd.Timestamp, interval_minutes: int
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """(by_interval, by_queue, by_channel, agents, summary) of one run."""
    arrs = _arrays(cf)
    ag = agent_stats(raw, agent_ids)
    by_interval = interval_stats(cf, interval_minutes, raw, queue_names, queue_channel,
                                 channel_names, origin, arrays=arrs)
    qn = np.asarray(queue_names, dtype=object)
    chn = np.asarray(channel_names, dtype=object)
    if len(cf):
        uq, iq = np.unique(raw.queue, return_inverse=True)
        by_queue = _agg_codes(arrs, iq, len(uq), {
            "unique_id": qn[uq], "channel": chn[np.asarray(queue_channel)[uq]]})
        uc, ic = np.unique(raw.channel, return_inverse=True)
        by_channel = _agg_codes(arrs, ic, len(uc), {"channel": chn[uc]})
    else:
        by_queue = _aggregate(cf, ["unique_id", "channel"])
        by_channel = _aggregate(cf, ["channel"])
    summ = summary(cf, ag, raw, arrays=arrs, channel_names=channel_names)
    return by_interval, by_queue, by_channel, ag, summ

"""The main job behind `make demo` / `routing-ml demo`: the bundled data, end to end.

Each step is a small function that returns what it made, so the CLI can show it and a
notebook can reuse it. Nothing here prints: the caller passes ``echo``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

Echo = Callable[[str], None]


def profile_datasets(echo: Echo) -> dict[str, object]:
    """Load every bundled dataset and describe it in a few lines."""
    from routing_ml.datasets import (
        anonymous_bank_volumes,
        avisos_madrid_volumes,
        load_anonymous_bank,
        load_avisos_madrid,
        load_bank_calls,
        load_banking77,
    )

    bank = load_bank_calls()
    echo(f"bank_calls      {len(bank):>7,} five-minute intervals, "
         f"{bank['ds'].dt.normalize().nunique()} weekdays "
         f"{bank['ds'].min():%Y-%m-%d} – {bank['ds'].max():%Y-%m-%d}, "
         f"{bank['y'].sum():,.0f} calls")
    calls = load_anonymous_bank()
    c = calls.attrs["cleaning"]
    echo(f"anonymous_bank  {len(calls):>7,} calls in Feb 1999, "
         f"{calls['served'].mean():.0%} served, {calls['abandoned'].mean():.0%} abandoned, "
         f"{calls['agent_id'].nunique()} agents; {c['phantom']} phantom calls flagged, "
         f"{c['vru_time_negative']} negative VRU times set to missing")
    bank_vol = anonymous_bank_volumes(calls, freq="30min")
    b77 = load_banking77()
    echo(f"banking77       {len(b77):>7,} utterances, {b77['intent'].nunique()} intents")
    avisos = load_avisos_madrid()
    hourly = avisos_madrid_volumes(avisos, freq="1h")
    echo(f"avisos_madrid   {len(avisos):>7,} citizen reports, "
         f"{avisos['service'].nunique()} services, "
         f"{hourly['y'].isna().mean():.0%} of hours missing (collection gaps, not zeros)")
    return {"bank": bank, "calls": calls, "bank_volumes": bank_vol, "banking77": b77,
            "avisos": avisos, "avisos_hourly": hourly}


def plot_profiles(data: dict[str, object], out: Path) -> Path:
    """One figure: intraday profiles of the two arrival series and the Madrid weekly shape."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bank: pd.DataFrame = data["bank"]  # type: ignore[assignment]
    hourly: pd.DataFrame = data["avisos_hourly"]  # type: ignore[assignment]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    prof = bank.groupby([bank["ds"].dt.dayofweek, bank["ds"].dt.time])["y"].mean()
    for dow, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri"]):
        s = prof.loc[dow]
        axes[0].plot([t.hour + t.minute / 60 for t in s.index], s.to_numpy(), label=name)
    axes[0].set(title="Bank 2003: mean calls per 5 min", xlabel="hour of day",
                ylabel="calls")
    axes[0].legend(ncols=5, fontsize=8)
    h = hourly.dropna(subset=["y"])
    week = h.groupby([h["ds"].dt.dayofweek, h["ds"].dt.hour])["y"].mean()
    axes[1].plot(range(len(week)), week.to_numpy(), color="tab:red")
    axes[1].set_xticks(range(0, 168, 24), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    axes[1].set(title="Madrid citizen reports: mean per hour of the week",
                ylabel="reports per hour")
    fig.tight_layout()
    path = out / "arrival_profiles.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path



# ----------------------------------------------------------------------------- forecast
VOICE_QUEUE = "voice:bank"


def forecast_step(data: dict[str, object], out: Path, echo: Echo) -> dict[str, object]:
    """Forecast next week of the bank's voice queue (30 min) and of Madrid's web reports
    (hourly, Madrid holidays), with 80/95 % intervals and fan charts."""

    from routing_ml.forecasting import MADRID_CITY_HOLIDAYS, Forecaster, plot_forecast

    bank: pd.DataFrame = data["bank"]  # type: ignore[assignment]
    # the day's last five-minute slot (21:00-21:05) alone would be a partial half hour
    bank = bank.loc[bank["ds"].dt.hour < 21]
    voice = (bank.assign(ds=bank["ds"].dt.floor("30min"), unique_id=VOICE_QUEUE)
             .groupby(["unique_id", "ds"], as_index=False)["y"].sum())
    # the bank is American: no Spanish holiday calendar (as in experiments/forecast_protocol)
    fc_voice = Forecaster(freq="30min", holidays_country=None, random_state=0).fit(voice)
    voice_fc = fc_voice.predict(h="7D", level=(80, 95))
    plot_forecast(voice, voice_fc, out / "forecast_voice.png")
    echo(f"   voice: {fc_voice.model} model, next week "
         f"{voice_fc['ds'].min():%a %d %b %Y} – {voice_fc['ds'].max():%a %d %b}: "
         f"{voice_fc['yhat'].sum():,.0f} calls forecast "
         f"(the intervals' 80 % bounds add up to {voice_fc['yhat_lo_80'].sum():,.0f}–"
         f"{voice_fc['yhat_hi_80'].sum():,.0f}: wider than an 80 % band of the week's total)")

    hourly: pd.DataFrame = data["avisos_hourly"]  # type: ignore[assignment]
    web = hourly.assign(unique_id="web:avisos_madrid")
    fc_web = Forecaster(freq="1h", holidays_subdiv="MD",
                        extra_holidays=MADRID_CITY_HOLIDAYS, random_state=0).fit(web)
    web_fc = fc_web.predict(h="7D", level=(80, 95))
    plot_forecast(web, web_fc, out / "forecast_madrid.png")
    daily = web_fc.groupby(web_fc["ds"].dt.date)["yhat"].sum()
    echo("   Madrid web reports, first week of 2024 (6 January is a holiday): "
         + ", ".join(f"{d:%a %d} {v:,.0f}" for d, v in daily.items()))
    voice_fc.to_csv(out / "forecast_voice.csv", index=False)
    web_fc.to_csv(out / "forecast_madrid.csv", index=False)
    return {"voice_history": voice, "voice_forecast": voice_fc, "web_forecast": web_fc}


# ----------------------------------------------------------------------------- staff
VOICE_AHT_SECONDS = 240.0  # planning assumption: the 2003 series has no handle times
WEB_AHT_SECONDS = 360.0


def staffing_step(fc: dict[str, object], out: Path, echo: Echo) -> dict[str, object]:
    """Agents per interval: voice 80 % in 20 s with 30 % shrinkage (Erlang C); Madrid web
    reports answered within 24 h, worked 08:00–20:00 (deferrable work)."""
    import pandas as pd

    from routing_ml.queueing import StaffingTarget, plot_staffing, staffing_requirements

    voice_req = staffing_requirements(
        fc["voice_forecast"],  # type: ignore[arg-type]
        StaffingTarget(service_level=0.8, answer_seconds=20, shrinkage=0.3),
        aht_seconds=VOICE_AHT_SECONDS, interval_minutes=30)
    web_fc: pd.DataFrame = fc["web_forecast"]  # type: ignore[assignment]
    # reports arriving after the week's last working hour are planned with next week
    last_work = web_fc["ds"].max().normalize() + pd.Timedelta(hours=20)
    web_req = staffing_requirements(
        web_fc[web_fc["ds"] < last_work],
        StaffingTarget(channel="web", deadline_hours=24, working_hours=(8, 20)),
        aht_seconds=WEB_AHT_SECONDS, interval_minutes=60)
    echo(f"   voice: peak {voice_req['agents'].max():.0f} agents, "
         f"{voice_req['agents'].sum() / 2:,.0f} agent-hours in the week "
         f"(AHT {VOICE_AHT_SECONDS:.0f} s, 80/20, shrinkage 30 %)")
    echo(f"   web: {web_req['agents'].max():.0f} agents during working hours "
         f"(24 h deadline, AHT {WEB_AHT_SECONDS:.0f} s)")
    pd.concat([voice_req, web_req]).to_csv(out / "requirements.csv", index=False)
    plot_staffing(voice_req, out / "requirements.png")  # the bank's week (the web reports are 2024's)
    return {"voice_requirements": voice_req, "web_requirements": web_req}


# ----------------------------------------------------------------------------- schedule
def schedule_step(req: dict[str, object], out: Path, echo: Echo) -> dict[str, object]:
    """How many agents on each weekly tour (5 days on, 2 off; 8 h, 6 h and 4 h shifts on
    a 30-minute grid) to cover the voice requirement: CP-SAT with the LP bound and gap."""
    import numpy as np
    import pandas as pd

    from routing_ml.scheduling import (
        ShiftTemplate,
        SolverConfig,
        WeeklyPattern,
        shift_coverage_matrix,
        solve_shift_counts,
    )
    from routing_ml.scheduling.plots import plot_coverage

    voice_req: pd.DataFrame = req["voice_requirements"]  # type: ignore[assignment]
    week0 = voice_req["ds"].min().normalize()
    week0 -= pd.Timedelta(days=week0.dayofweek)  # the Monday of the planned week
    weekdays = (0, 1, 2, 3, 4)
    templates = [
        ShiftTemplate(name="day", start_minutes=7 * 60, latest_start_minutes=13 * 60 + 30,
                      start_step_minutes=30, lengths_minutes=(480,), weekdays=weekdays),
        ShiftTemplate(name="part", start_minutes=7 * 60, latest_start_minutes=15 * 60 + 30,
                      start_step_minutes=30, lengths_minutes=(360,), cost_per_hour=1.05,
                      weekdays=weekdays),
        ShiftTemplate(name="short", start_minutes=7 * 60, latest_start_minutes=17 * 60 + 30,
                      start_step_minutes=30, lengths_minutes=(240,), cost_per_hour=1.15,
                      weekdays=weekdays),
    ]
    coverage, cost = shift_coverage_matrix(templates, days=7, interval_minutes=30,
                                           pattern=WeeklyPattern(days_on=5, days_off=2),
                                           cyclic=False)
    period = ((voice_req["ds"] - week0) // pd.Timedelta(minutes=30)).to_numpy()
    required = np.zeros(len(coverage), dtype=int)
    required[period] = voice_req["agents"].to_numpy(dtype=int)
    result = solve_shift_counts(coverage, required, cost.to_numpy(), under_weight=50.0,
                                over_weight=1.0,
                                config=SolverConfig(time_limit_seconds=20, num_workers=2,
                                                    random_seed=0))
    cov = result.coverage.copy()
    cov["unique_id"] = VOICE_QUEUE
    cov["ds"] = week0 + pd.to_timedelta(cov["period"] * 30, unit="min")
    # the whole week, closed weekend included: staff placed on a closed day must show
    plot_coverage(cov, out / "schedule_coverage.png", title="Voice: scheduled vs required",
                  interval_minutes=30)
    used = result.counts[result.counts > 0]
    echo(f"   {int(used.sum())} agents on {len(used)} weekly tours (Mon-Fri, one start "
         f"time all week); status {result.status.name}, objective {result.objective:,.0f} "
         f"(cost units: paid hours x cost per hour, + 50 per under-staffed and 1 per "
         f"over-staffed agent-interval), bound {result.best_bound:,.0f}, gap "
         f"{result.gap:.2%}, {result.wall_time_seconds:.1f} s")
    under = abs(cov.loc[cov["gap"] < 0, "gap"].sum()) / 2
    echo(f"   under-staffed agent-hours: {under:,.1f}; over-staffed: "
         f"{cov.loc[cov['gap'] > 0, 'gap'].sum() / 2:,.1f} (the optimum for tours that keep "
         f"one start time all week: they cannot follow the midweek dip)")
    # tour names: <template>@<start>/<length>+<first day of the 5 worked>
    used.rename("agents").rename_axis("tour").to_csv(out / "shift_counts.csv")
    cov.to_csv(out / "schedule_coverage.csv", index=False)
    return {"counts": result, "week0": week0, "coverage": cov, "coverage_matrix": coverage}


# ----------------------------------------------------------------------------- simulate
def simulation_step(fc: dict[str, object], sched: dict[str, object], out: Path,
                    echo: Echo) -> dict[str, object]:
    """Simulate Monday of the planned week with the scheduled agents (Poisson arrivals
    from the forecast, exponential handle times, 5 replications): the service level the
    plan really gives, interval by interval, with its band."""
    import numpy as np
    import pandas as pd

    from routing_ml.routing.base import LongestIdleAgent
    from routing_ml.simulation import compare_policies

    result = sched["counts"]
    coverage: pd.DataFrame = sched["coverage_matrix"]  # type: ignore[assignment]
    week0: pd.Timestamp = sched["week0"]  # type: ignore[assignment]
    step = pd.Timedelta(minutes=30)
    rows = []
    for label, n in result.counts.items():  # type: ignore[attr-defined]
        if n <= 0:
            continue
        periods = np.flatnonzero(coverage[label].to_numpy())
        runs = np.split(periods, np.flatnonzero(np.diff(periods) > 1) + 1)
        for k in range(int(n)):
            for run in runs:  # one shift per day of the tour
                rows.append({"agent_id": f"{label}#{k}", "start": week0 + run[0] * step,
                             "end": week0 + (run[-1] + 1) * step})
    shifts = pd.DataFrame(rows)
    shifts = shifts[shifts["start"] < week0 + pd.Timedelta(days=1)]  # Monday's shifts
    ids = shifts["agent_id"].drop_duplicates()
    agents = pd.DataFrame({"agent_id": ids.to_numpy(),
                           "skills": [{VOICE_QUEUE.split(":")[1]: 3}] * len(ids),
                           "channels": [("voice",)] * len(ids)})
    day = fc["voice_forecast"]  # type: ignore[index]
    day = day[day["ds"].dt.normalize() == week0]  # type: ignore[index]
    # time off the phones (the 30 % shrinkage of the staffing step, no breaks modelled
    # here): each agent logged out for a random 30 % of its half hours
    cmp = compare_policies({"longest_idle": LongestIdleAgent()}, day, agents, shifts,
                           n_replications=5, seed=0, aht_seconds=VOICE_AHT_SECONDS,
                           answer_seconds=20, interval_minutes=30, repeats=False,
                           shrinkage=0.3)
    s = cmp.summary.set_index("metric")
    sl = s.loc["service_level"]
    band = cmp.by_interval.loc[cmp.by_interval["unique_id"] == "all"]
    below = int((band["service_level"] < 0.8).sum())
    echo(f"   simulated Monday: service level {sl['mean']:.1%} "
         f"(95 % CI {sl['ci_low']:.1%}–{sl['ci_high']:.1%}; target 80 % in 20 s), "
         f"ASA {s.loc['asa_seconds', 'mean']:.0f} s, occupancy "
         f"{s.loc['occupancy_mean', 'mean']:.0%}; {below} of {len(band)} half hours "
         f"below 80 % on average over the replications (callers here never hang up: no "
         f"patience is given, so nobody abandons)")
    _plot_service_level(band, out / "simulated_service_level.png")
    cmp.summary.to_csv(out / "simulation_summary.csv", index=False)
    return {"simulation": cmp}


def _plot_service_level(df: pd.DataFrame, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from routing_ml.scheduling.plots import _day_hour_ticks

    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.fill_between(df["ds"], df["ci_low"], df["ci_high"], alpha=0.3,
                    label="95 % confidence interval of the mean")
    ax.plot(df["ds"], df["service_level"], label="simulated service level (mean)")
    ax.axhline(0.8, color="k", ls="--", lw=1, label="target 80 % in 20 s")
    day = pd.Timestamp(df["ds"].min())
    ax.set(ylim=(0, 1.02), ylabel="answered within 20 s",
           title=f"Simulated service level, {VOICE_QUEUE}, {day:%a %d %b %Y}",
           xlabel="interval start (local time)")
    _day_hour_ticks(ax, day, pd.Timestamp(df["ds"].max()))
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------- route
def routing_step(out: Path, echo: Echo) -> dict[str, object]:
    """On the synthetic public-service center: detect intents from citizen text, learn
    the contact–agent outcome model from a longest-idle history, and compare routing
    policies on a held-out day (common random numbers, paired 95 % CIs)."""
    import numpy as np
    import pandas as pd

    from routing_ml.datasets import make_contact_center
    from routing_ml.routing import IntentClassifier, PairOutcomeModel, Predictive, SkillBased
    from routing_ml.routing.base import LongestIdleAgent
    from routing_ml.simulation import compare_policies
    from routing_ml.simulation.outcomes import GroundTruthOutcomes

    cc = make_contact_center(seed=0, days=8)
    day = pd.Timestamp(cc.contacts["ts"].max()).normalize()
    train_c = cc.contacts[cc.contacts["ts"] < day]
    test_c = cc.contacts[cc.contacts["ts"] >= day]
    clf = IntentClassifier(random_state=0).fit(train_c["text"], train_c["intent"])
    acc = float(np.mean(clf.predict(test_c["text"]) == test_c["intent"].to_numpy()))
    echo(f"   intent detection on {len(test_c):,} held-out contacts "
         f"(es/en/ca/gl/eu, with typos): accuracy {acc:.1%}")
    train = cc.interactions[cc.interactions["ts"] < day]
    pair = PairOutcomeModel(random_state=0).fit(train, cc.agents)
    first = test_c[~test_c["is_repeat"]].drop(
        columns=[c for c in ("abandoned", "answered") if c in test_c])
    shifts = cc.shifts[(cc.shifts["start"] >= day)]
    # Predictive with the settings of experiments/simulate_routing.py: resolution priced at
    # 1/800 per second of handle time and a fairness band around the mean occupancy (the
    # library default has no fairness term and can leave a weak agent almost idle)
    predictive = Predictive(pair, lambda_per_second=1 / 800, fairness_weight=5.0,
                            fairness_band=0.5, fairness_prior_seconds=1800.0)
    policies = {"skill_based": SkillBased(), "longest_idle": LongestIdleAgent(),
                "predictive": predictive}
    cmp = compare_policies(policies, first, cc.agents, shifts, n_replications=3, seed=0,
                           outcomes=GroundTruthOutcomes(cc.ground_truth))
    table = cmp.summary.pivot(index="policy", columns="metric", values="mean")
    cols = ["service_level", "aht_seconds", "fcr", "abandon_rate", "occupancy_max_min",
            "occupancy_gini"]
    echo("   policy          " + "  ".join(f"{c:>17}" for c in cols))
    for name, row in table[cols].iterrows():
        echo(f"   {name:<15} " + "  ".join(f"{row[c]:>17.3f}" for c in cols))
    echo("   (occupancy_max_min: the busiest agent's occupancy over the least busy one's; "
         "skill_based offers each contact to the most proficient free agents first, so "
         "agents weak in every skill stay almost idle)")
    d = cmp.differences
    d = d[(d["policy"] == "predictive") & d["metric"].isin(["aht_seconds", "fcr"])]
    for r in d.itertuples(index=False):
        echo(f"   predictive − skill_based, {r.metric}: {r.mean_difference:+.3f} "
             f"(95 % CI {r.ci_low:+.3f} … {r.ci_high:+.3f})")
    cmp.summary.to_csv(out / "routing_comparison.csv", index=False)
    return {"routing": cmp, "intent_accuracy": acc}


def run_demo(out: Path, echo: Echo) -> dict[str, float]:
    """Run the demo pipeline and write its files to ``out`` (the report it echoes also to
    ``out / "report.md"``); returns its headline figures (what an MLflow run logs as
    metrics: peak agents, the shift plan's objective and gap, the simulated service
    level, the intent accuracy)."""
    return _run_demo(out, echo)


def _headline(req: dict[str, object], sched: dict[str, object], sim: dict[str, object],
              routing: dict[str, object]) -> dict[str, float]:
    """The demo's figures as metric values (missing ones left out)."""
    out: dict[str, float] = {}
    voice = req.get("voice_requirements")
    if voice is not None and "agents" in getattr(voice, "columns", ()):
        out["peak_agents"] = float(voice["agents"].max())  # type: ignore[index]
    counts = sched.get("counts")
    for name in ("objective", "gap"):
        v = getattr(counts, name, None)
        if isinstance(v, int | float):
            out[name] = float(v)
    cmp = sim.get("simulation")
    summary = getattr(cmp, "summary", None)
    if summary is not None:
        s = summary.set_index("metric")
        if "service_level" in s.index:
            out["service_level_mean"] = float(s.loc["service_level", "mean"])
    acc = routing.get("intent_accuracy")
    if isinstance(acc, int | float):
        out["intent_accuracy"] = float(acc)
    return out


def _run_demo(out: Path, shown: Echo) -> dict[str, float]:
    import warnings

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    lines: list[str] = []

    def echo(line: str) -> None:  # the report goes to the caller and to report.md
        lines.append(line)
        shown(line)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        echo("== 1. The bundled real data")
        data = profile_datasets(echo)
        echo(f"   plot: {plot_profiles(data, out)}")
        echo("== 2. Forecast next week (fan charts: forecast_voice.png, forecast_madrid.png)")
        fc = forecast_step(data, out, echo)
        echo("== 3. Staffing requirement per interval (requirements.csv; the voice week: requirements.png)")
        req = staffing_step(fc, out, echo)
        echo("== 4. Shift plan for the voice week (schedule_coverage.png)")
        sched = schedule_step(req, out, echo)
        echo("== 5. Does the plan hold? Simulation (simulated_service_level.png)")
        sim = simulation_step(fc, sched, out, echo)
        echo("== 6. Routing on the synthetic public-service center")
        routing = routing_step(out, echo)
    echo(f"done in {time.perf_counter() - t0:.0f} s; files in {out}/ (this report: "
         f"{out / 'report.md'})")
    (out / "report.md").write_text(
        "# routing_ml demo\n\n```text\n" + "\n".join(lines) + "\n```\n", encoding="utf-8")
    return _headline(req, sched, sim, routing)

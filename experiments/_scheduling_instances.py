"""Benchmark instances of experiments/bench_scheduling.py (deterministic, generated in code)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from routing_ml.scheduling import BreakRule, RosterRules, ShiftTemplate

# pyworkforce's rostering example (examples/rostering/rostering_data.json): 55 resources,
# 7 days, 4 shifts, required people per shift and day.
PW_SHIFTS = ["Morning", "Afternoon", "Night", "Mixed"]
PW_HOURS = [8, 8, 8, 6]
PW_REQUIRED = {"Morning": [9, 12, 8, 10, 13, 10, 14], "Afternoon": [11, 13, 10, 11, 9, 11, 7],
               "Night": [8, 7, 5, 15, 7, 8, 6], "Mixed": [2, 4, 18, 7, 10, 5, 17]}
# clock times we give the four shifts (pyworkforce has none): Night crosses midnight
PW_TIMES = {"Morning": (6 * 60, 480), "Afternoon": (14 * 60, 480), "Night": (22 * 60, 480),
            "Mixed": (10 * 60, 360)}
MONDAY = pd.Timestamp("2026-12-07")


def pw_roster_instance(people: int = 55, weeks: int = 1) -> dict:
    """pyworkforce's example, scaled: people x (7 * weeks) days; requirements x people/55."""
    factor = people / 55
    resources = [f"r{i:03d}" for i in range(people)]
    required = {s: [int(round(v * factor)) for v in vals] * weeks for s, vals in PW_REQUIRED.items()}
    return {"num_days": 7 * weeks, "resources": resources, "shifts": PW_SHIFTS,
            "shifts_hours": PW_HOURS, "min_working_hours": 40, "max_resting": 1,
            "non_sequential_shifts": [{"origin": "Night", "destination": "Morning"}],
            "banned_shifts": [], "required_resources": required,
            "resources_preferences": [], "resources_prioritization": []}


def pw_roster_to_ours(inst: dict) -> tuple[pd.DataFrame, pd.DataFrame, list[ShiftTemplate], RosterRules]:
    """The same instance in routing_ml terms.

    Each pyworkforce shift is a queue served only by its own template (the requirement is
    people per shift and day), represented by one 15-minute interval at the shift start.
    Correct succession: 11 h minimum rest between shifts (a Night 22-06 forbids next-day
    Morning 06:00, Mixed 10:00 and Afternoon 14:00, but not Night), at most 5 days a week
    with 2 consecutive days off, 30-40 paid hours a week.
    """
    rows = []
    for s, vals in inst["required_resources"].items():
        start_min, _ = PW_TIMES[s]
        for d, v in enumerate(vals):
            rows.append((s, MONDAY + pd.Timedelta(days=d, minutes=start_min), v))
    req = pd.DataFrame(rows, columns=["unique_id", "ds", "agents"])
    agents = pd.DataFrame({"agent_id": inst["resources"]})
    shifts = [ShiftTemplate(name=s, start_minutes=PW_TIMES[s][0], lengths_minutes=(PW_TIMES[s][1],),
                            queues=(s,)) for s in PW_SHIFTS]
    rules = RosterRules(min_hours_per_week=30, max_hours_per_week=40, max_days_per_week=5,
                        max_consecutive_days=6, min_rest_hours=11, min_consecutive_days_off=2)
    return req, agents, shifts, rules


def shift_types_40() -> tuple[list[dict], list[ShiftTemplate]]:
    """40 shift types over a 96-interval day: 8 h and 6 h shifts starting every hour from
    00:00 to 19:00 (those from 16:00/18:00 on cross midnight)."""
    templates = [ShiftTemplate(name=f"s{h:02d}_{n}h", start_minutes=h * 60, lengths_minutes=(n * 60,),
                               cost_per_hour=1.0 + (0.25 if (h < 6 or h + n > 22) else 0.0))
                 for h in range(20) for n in (8, 6)]
    return [], templates


def daily_requirements_96(days: int = 7, seed: int = 0) -> np.ndarray:
    """(days, 96) agents required per quarter hour: two daily peaks, lower weekends, noise."""
    rng = np.random.default_rng(seed)
    h = np.arange(96) / 4
    base = 3 + 25 * np.exp(-((h - 11) / 2.5) ** 2) + 18 * np.exp(-((h - 17) / 2.2) ** 2)
    base += 8 * ((h >= 8) & (h < 20))
    out = []
    for d in range(days):
        f = 0.55 if d % 7 >= 5 else 1.0 + 0.05 * (d % 7 == 0)
        out.append(np.maximum(0, np.round(base * f + rng.normal(0, 1.0, 96))).astype(int))
    return np.array(out)


def realistic_weekly(agents_n: int = 150, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, list[ShiftTemplate], RosterRules]:
    """150 agents, 3 queues (voice, chat, email), 7 x 96 requirements, shifts with breaks."""
    rng = np.random.default_rng(seed)
    h = np.arange(96) / 4
    voice = np.where((h >= 7) & (h < 22), 6 + 30 * np.exp(-((h - 11) / 2.5) ** 2) + 22 * np.exp(-((h - 17) / 2.3) ** 2), 0)
    chat = np.where((h >= 8) & (h < 21), 4 + 14 * np.exp(-((h - 14) / 3) ** 2), 0)
    email = np.where((h >= 8) & (h < 18), 8.0, 0)
    rows = []
    for d in range(7):
        f = 0.5 if d >= 5 else 1.0
        for name, curve, scale in (("voice", voice, 1.1), ("chat", chat, 1.5), ("email", email, 1.75)):
            if name == "email" and d >= 5:
                continue
            vals = np.maximum(0, np.round(curve * f * scale + rng.normal(0, 0.7, 96) * (curve > 0)))
            for q in range(96):
                if vals[q] > 0:
                    rows.append((name, MONDAY + pd.Timedelta(days=d, minutes=15 * q), int(vals[q])))
    req = pd.DataFrame(rows, columns=["unique_id", "ds", "agents"])
    skills = (["voice"] * 70 + ["voice;chat"] * 25 + ["chat"] * 20 + ["chat;email"] * 15 + ["email"] * 20)
    skills = (skills * (agents_n // 150 + 1))[:agents_n]
    ids = [f"a{i:03d}" for i in range(agents_n)]
    part = rng.random(agents_n) < 0.3
    unavailable = []
    for _ in range(agents_n):
        days = sorted(rng.choice(7, size=rng.choice([0, 0, 0, 1, 2]), replace=False))
        unavailable.append(";".join(str((MONDAY + pd.Timedelta(days=int(d))).date()) for d in days))
    agents = pd.DataFrame({
        "agent_id": ids, "skills": skills,
        "min_hours_per_week": np.where(part, 12, 24), "max_hours_per_week": np.where(part, 24, 40),
        "unavailable": unavailable,
        "preferred_days_off": np.where(rng.random(agents_n) < 0.3, "Sat;Sun", ""),
    })
    coffee = BreakRule(name="coffee", duration_minutes=15, paid=True, earliest_offset_minutes=90, latest_offset_minutes=150)
    lunch = BreakRule(name="lunch", duration_minutes=30, paid=False, earliest_offset_minutes=210, latest_offset_minutes=300)
    shifts = [
        ShiftTemplate(name="early", start_minutes=7 * 60, latest_start_minutes=9 * 60, start_step_minutes=30,
                      lengths_minutes=(480,), breaks=(coffee, lunch), cost_per_hour=20),
        ShiftTemplate(name="mid", start_minutes=10 * 60, latest_start_minutes=12 * 60, start_step_minutes=60,
                      lengths_minutes=(480,), breaks=(coffee, lunch), cost_per_hour=20),
        ShiftTemplate(name="late", start_minutes=13 * 60, latest_start_minutes=14 * 60, start_step_minutes=30,
                      lengths_minutes=(480,), breaks=(coffee, lunch), cost_per_hour=22),
        ShiftTemplate(name="part", start_minutes=8 * 60, latest_start_minutes=17 * 60, start_step_minutes=60,
                      lengths_minutes=(240,), breaks=(), cost_per_hour=20),
    ]
    rules = RosterRules(min_hours_per_week=0, max_hours_per_week=40, max_days_per_week=5, max_consecutive_days=6,
                        min_rest_hours=11, min_consecutive_days_off=2)
    return req, agents, shifts, rules


def save_json(obj: dict, path: Path) -> None:
    path.write_text(json.dumps(obj))

"""Review findings (2026-12-01): overlapping shifts under ``min_rest_hours=0``, numeric
times in the agents frame, edited rosters in the checker, the CLI's output paths,
malformed YAML sections and unreadable CSV files."""

from __future__ import annotations

from importlib.resources import files

import pandas as pd
import pytest
from scheduling_helpers import requirements
from typer.testing import CliRunner

from routing_ml._csv import read_table
from routing_ml.cli import app
from routing_ml.scheduling import (
    BreakRule,
    RosterRules,
    RosterWeights,
    ScheduleInputError,
    ShiftTemplate,
    SolverConfig,
    build_roster,
    check_roster,
    load_rules_yaml,
    load_shifts_yaml,
    prepare_problem,
)

CFG = SolverConfig(num_workers=1, time_limit_seconds=5, random_seed=0)
NO_SOFT = RosterWeights(unstable_start_per_day=0, weekend_fairness_per_day=0, preference_per_day=0)


@pytest.mark.parametrize("method", ["auto", "cp-sat"])
def test_no_rest_still_forbids_overlapping_shifts(method: str) -> None:
    # Saturday 16:00 for 16 h runs to Sunday 08:00; Sunday's 00:00-08:00 needs 2 agents.
    # The one agent cannot also work Sunday 00:00-08:00: at best 1 of the 2 is there
    # (8 h under-staffed, 800), not both heads filled by one person
    late = ShiftTemplate(name="late", start_minutes=16 * 60, lengths_minutes=(960,))
    early = ShiftTemplate(name="early", start_minutes=0, lengths_minutes=(480,))
    req = pd.concat([requirements([(0, 8, 2)], days=[6]), requirements([(16, 24, 0)], days=[5])])
    res = build_roster(req, pd.DataFrame({"agent_id": ["a"]}), [late, early],
                       RosterRules(min_rest_hours=0), weights=NO_SOFT, config=CFG, method=method)
    assert res.kpis.hard_rule_violations == 0
    assert res.kpis.hours_under == pytest.approx(8.0)
    shifts = res.roster.sort_values("start")
    assert (shifts["start"].iloc[1:].to_numpy() >= shifts["end"].iloc[:-1].to_numpy()).all()


@pytest.mark.parametrize("column", ["earliest_start", "latest_end", "preferred_start"])
def test_a_bare_number_for_a_time_of_day_is_refused(column: str) -> None:
    req = requirements([(6, 14, 1)], days=range(5))
    early = ShiftTemplate(name="early", start_minutes=6 * 60, lengths_minutes=(480,))
    ag = pd.DataFrame({"agent_id": ["dario"], column: [10]})  # 10:00 or 00:10?
    with pytest.raises(ScheduleInputError, match=f"{column}.*'10:00'"):
        prepare_problem(req, ag, [early], RosterRules())


def _day_roster():
    lunch = BreakRule(name="lunch", duration_minutes=30, paid=False, earliest_offset_minutes=180,
                      latest_offset_minutes=240)
    day = ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,), breaks=(lunch,))
    req = requirements([(8, 16, 1)], days=range(5))
    ag = pd.DataFrame({"agent_id": ["a", "b"]})
    rules = RosterRules(hard_coverage=True)
    res = build_roster(req, ag, [day], rules, weights=NO_SOFT, config=CFG)
    return res, prepare_problem(req, ag, [day], rules)


def test_the_checker_reports_edited_rosters_instead_of_crashing() -> None:
    res, p = _day_roster()
    other_queue = res.roster.copy()
    other_queue.loc[other_queue.index[0], "unique_id"] = "email"
    v = check_roster(other_queue, res.breaks, p)
    assert "a queue the requirements do not list" in " ".join(v["detail"])
    assert (v["rule"] == "hard_coverage").any()  # the moved shift leaves voice uncovered
    v = check_roster(res.roster.iloc[1:], res.breaks, p)  # a break left without its shift
    assert "without a shift" in " ".join(v.loc[v["rule"] == "breaks", "detail"])
    v = check_roster(res.roster.iloc[:0], res.breaks.iloc[:0], p)  # nobody rostered
    assert (v["rule"] == "hard_coverage").sum() == 5 * 32  # every required quarter hour


EX = files("routing_ml.scheduling") / "examples"


def _cli(tmp_path, **over):
    args = {"--requirements": str(EX / "requirements.csv"), "--agents": str(EX / "agents.csv"),
            "--shifts": str(EX / "shifts.yaml"), "--weeks": "1", "--time-limit": "2", "--workers": "1",
            "--out": str(tmp_path / "roster.csv")}
    args.update(over)
    return ["schedule", *[x for kv in args.items() for x in kv]]


@pytest.mark.parametrize("coverage", ["roster.csv", "roster_breaks.csv"])
def test_the_cli_refuses_two_outputs_on_one_path(tmp_path, coverage: str) -> None:
    result = CliRunner().invoke(app, _cli(tmp_path, **{"--coverage-out": str(tmp_path / coverage)}))
    assert result.exit_code == 1
    assert "distinct output paths" in result.output
    assert not (tmp_path / "roster.csv").exists()  # refused before solving


@pytest.mark.parametrize(("section", "match"), [
    ("rules: 11\n", "rules: expected a mapping"),
    ("rules: [min_rest_hours, 11]\n", "rules: expected a mapping"),
    ("weights: [1, 2]\n", "weights: expected a mapping"),
])
def test_a_yaml_section_that_is_not_a_mapping_is_named(tmp_path, section: str, match: str) -> None:
    path = tmp_path / "shifts.yaml"
    path.write_text((EX / "shifts.yaml").read_text() + "\n" + section)
    with pytest.raises(ScheduleInputError, match=match):
        load_rules_yaml(path)


def test_a_break_window_that_is_not_a_pair_is_named(tmp_path) -> None:
    path = tmp_path / "shifts.yaml"
    path.write_text("shifts:\n  - name: day\n    start: '08:00'\n    lengths_hours: [8]\n"
                    "    breaks:\n      - {name: lunch, minutes: 30, window: 5}\n")
    with pytest.raises(ScheduleInputError, match="window"):
        load_shifts_yaml(path)


def test_csv_files_that_cannot_be_read_are_named(tmp_path) -> None:
    empty = tmp_path / "agents.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="agents.csv is empty"):
        read_table(empty)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("agent_id,skills\nJos\xe9,voice\n".encode("cp1252"))
    with pytest.warns(UserWarning, match="Windows-1252"):
        df = read_table(latin)
    assert df["agent_id"].tolist() == ["José"]


W0 = RosterWeights(unstable_start_per_day=0, weekend_fairness_per_day=0, preference_per_day=0,
                   over_staffing_per_hour=0)


@pytest.mark.parametrize("method", ["auto", "cp-sat"])
def test_a_rest_that_is_not_whole_minutes_is_rounded_up(method: str) -> None:
    # Monday 09:00-21:00 then Tuesday 08:00: 11 h of rest; 11.005 h must forbid it (the
    # solvers rounded 660.3 minutes down to 660 and the checker then found a violation)
    mon = pd.Timestamp("2026-12-07")
    rows = [mon + pd.Timedelta(hours=9, minutes=15 * i) for i in range(48)]
    rows += [mon + pd.Timedelta(days=1, hours=8, minutes=15 * i) for i in range(4)]
    req = pd.DataFrame({"unique_id": "voice", "ds": rows, "agents": 1})
    shifts = [ShiftTemplate(name="late", start_minutes=9 * 60, lengths_minutes=(720,)),
              ShiftTemplate(name="early", start_minutes=8 * 60, lengths_minutes=(60,))]
    for rest, under in ((11.0, 0.0), (11.005, 1.0)):
        rules = RosterRules(min_hours_per_week=0, min_rest_hours=rest, min_consecutive_days_off=0)
        res = build_roster(req, pd.DataFrame({"agent_id": ["A"]}), shifts, rules, weights=W0,
                           weeks=1, start=mon, method=method, config=CFG)
        assert res.kpis.hard_rule_violations == 0, res.violations
        assert res.kpis.hours_under == pytest.approx(under)
    assert RosterRules(min_rest_hours=11.1).min_rest_minutes == 666  # not 667 (float noise)


def test_hard_coverage_no_shift_can_give_is_infeasible_without_the_precheck() -> None:
    from routing_ml.scheduling.roster import build_roster_model, solve_roster_model

    mon = pd.Timestamp("2026-12-07")
    req = pd.DataFrame({"unique_id": "voice", "agents": [1, 0, 1],
                        "ds": [mon + pd.Timedelta(hours=h) for h in (9, 19, 20)]})
    shifts = [ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(240,))]
    p = prepare_problem(req, pd.DataFrame({"agent_id": ["A"]}), shifts, RosterRules(hard_coverage=True),
                        interval_minutes=60, weeks=1, start=mon)
    res = solve_roster_model(build_roster_model(p), CFG, explain=False)
    assert not res.status.has_solution  # was OPTIMAL with 20:00 uncovered


def test_a_bound_of_rounded_coefficients_is_not_taken_as_proof() -> None:
    # interval weights no integer scale makes exact: CP-SAT optimises rounded coefficients,
    # so its bound (and its LP's) is lowered by what rounding can gain
    mon = pd.Timestamp("2026-12-07")
    shifts = [ShiftTemplate(name="s", start_minutes=9 * 60, latest_start_minutes=10 * 60,
                            start_step_minutes=60, lengths_minutes=(60,))]
    agents = pd.DataFrame({"agent_id": ["A"], "unavailable": ["Tue;Wed;Thu;Fri;Sat;Sun"]})
    req = pd.DataFrame({"unique_id": "voice", "agents": [1, 1], "weight": [0.123454, 0.123456],
                        "ds": [mon + pd.Timedelta(hours=9), mon + pd.Timedelta(hours=10)]})
    res = build_roster(req, agents, shifts, RosterRules(min_hours_per_week=0), weights=W0,
                       interval_minutes=60, weeks=1, start=mon, config=CFG, method="cp-sat")
    true_optimum = 100 * 0.123454
    assert res.best_bound <= true_optimum + 1e-9
    assert res.status.value == "feasible" or res.objective == pytest.approx(true_optimum)


@pytest.mark.parametrize("rest_hours, early_allowed", [(30, False), (26, True)])
def test_day_replanning_keeps_a_long_rest_across_a_day_off(rest_hours: float,
                                                          early_allowed: bool) -> None:
    # a night shift on Monday (20:00-04:00), Tuesday off: Wednesday's 06:00 start comes
    # 26 h after it. The day re-planner looked at the neighbouring days only.
    from routing_ml.scheduling._days import _options_of_day

    night = ShiftTemplate(name="night", start_minutes=20 * 60, lengths_minutes=(480,))
    early = ShiftTemplate(name="early", start_minutes=6 * 60, lengths_minutes=(480,))
    req = pd.concat([requirements([(20, 24, 1)], days=[0]), requirements([(6, 14, 1)], days=[2])])
    p = prepare_problem(req, pd.DataFrame({"agent_id": ["a"]}), [night, early],
                        RosterRules(min_rest_hours=rest_hours))
    vi = {p.variants[v].template.name: v for v, _ in p.options[0][2]}
    plan = {(0, 0): (vi["night"], 0)}
    names = {p.variants[v].template.name for v, _, _ in _options_of_day(p, plan, 0, 2)}
    assert ("early" in names) == early_allowed
    assert "night" in names  # Wednesday 20:00 is 64 h later
    # and the other way round: Monday's night before a Wednesday early shift
    plan = {(0, 2): (vi["early"], 0)}
    names = {p.variants[v].template.name for v, _, _ in _options_of_day(p, plan, 0, 0)}
    assert ("night" in names) == early_allowed


def test_a_head_count_in_two_objective_terms_is_no_rounding_error() -> None:
    # shift cost and over-staffing both weigh the head count n[d, v, k]: CP-SAT holds the
    # sum of the two coefficients, which was compared term by term (224 of "rounding
    # error" subtracted from the bound: a proven optimum came back FEASIBLE, bound 0)
    from routing_ml.scheduling import build_roster_model

    mon = pd.Timestamp("2026-12-07")
    req = pd.DataFrame([("voice", mon + pd.Timedelta(days=d, hours=h), 1)
                        for d in range(7) for h in range(8, 16)],
                       columns=["unique_id", "ds", "agents"])
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    shifts = [ShiftTemplate(name="day", start_minutes=480, lengths_minutes=(480,))]
    w = RosterWeights(shift_cost=1.0, over_staffing_per_hour=1.0)
    p = prepare_problem(req, agents, shifts, RosterRules(), w, interval_minutes=60)
    assert build_roster_model(p).rounding_error_bound() == 0.0
    res = build_roster(req, agents, shifts, RosterRules(), weights=w, interval_minutes=60,
                       method="cp-sat", config=CFG)
    assert res.status.value == "optimal"
    assert res.best_bound == pytest.approx(res.objective) and res.gap == 0.0

"""Daylight-saving changes inside the horizon: the roster works in wall-clock time, and
with ``time_zone`` it names the hour that does not exist (or happens twice) and the shifts
that run across it."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.scheduling import ScheduleInputError, ShiftTemplate, build_roster

NIGHT = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))


def _nights(monday: str) -> pd.DataFrame:
    """One agent needed every night 22:00-06:00 from ``monday`` evening on."""
    ds = pd.date_range(pd.Timestamp(monday) + pd.Timedelta(hours=6), periods=7 * 96 - 24,
                       freq="15min")
    ds = ds[(ds.hour >= 22) | (ds.hour < 6)]
    return pd.DataFrame({"unique_id": "voice", "ds": ds, "agents": 1})


@pytest.mark.parametrize("monday, change, worked", [
    ("2027-03-22", "clocks go forward at 2027-03-28 02:00 (Europe/Madrid): 02:00-03:00 does "
                   "not exist", "7 h worked"),
    ("2027-10-25", "clocks go back at 2027-10-31 03:00 (Europe/Madrid): 02:00-03:00 happens "
                   "twice", "9 h worked"),
])
def test_time_zone_names_the_clock_change_and_the_shifts_across_it(cfg, no_soft, monday, change,
                                                                    worked):
    req = _nights(monday)
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    plain = build_roster(req, agents, [NIGHT], weights=no_soft, config=cfg)
    assert not any("clocks" in n for n in plain.notes)  # no zone, no check
    with pytest.warns(UserWarning, match="clocks go"):
        res = build_roster(req, agents, [NIGHT], weights=no_soft, config=cfg,
                           time_zone="Europe/Madrid")
    (note,) = [n for n in res.notes if "clocks" in n]
    assert change in note and "4 requirement row(s)" in note
    # the Saturday night shift runs across the change (one agent on it in this plan)
    sat = res.roster[res.roster["start"] == pd.Timestamp(monday) + pd.Timedelta(days=5, hours=22)]
    assert len(sat) == 1
    assert f"{sat['agent_id'].iloc[0]} Sat 22:00-06:00 (8 h on the clock, {worked})" in note
    # same plan as without the zone: the check only reads the result
    assert len(res.roster) == len(plain.roster)


def test_time_zone_week_without_a_change_has_no_note(cfg, no_soft):
    res = build_roster(_nights("2027-03-29"), pd.DataFrame({"agent_id": ["a", "b"]}), [NIGHT],
                       weights=no_soft, config=cfg, time_zone="Europe/Madrid")
    assert not any("clocks" in n for n in res.notes)


def test_unknown_time_zone_is_refused_before_solving(no_soft):
    with pytest.raises(ScheduleInputError, match=r"'Madrid' is not a time-zone name.*"
                                                 r"Europe/Madrid"):
        build_roster(_nights("2027-03-22"), pd.DataFrame({"agent_id": ["a"]}), [NIGHT],
                     weights=no_soft, time_zone="Madrid")


def test_schedule_cli_time_zone(tmp_path):
    _nights("2027-03-22").to_csv(tmp_path / "req.csv", index=False)
    pd.DataFrame({"agent_id": ["a", "b"]}).to_csv(tmp_path / "agents.csv", index=False)
    (tmp_path / "shifts.yaml").write_text(
        "shifts:\n  - {name: night, start: '22:00', lengths_minutes: [480]}\n")
    res = CliRunner().invoke(app, [
        "schedule", "--requirements", str(tmp_path / "req.csv"), "--agents",
        str(tmp_path / "agents.csv"), "--shifts", str(tmp_path / "shifts.yaml"),
        "--time-limit", "5", "--workers", "1", "--out", str(tmp_path / "roster.csv"),
        "--time-zone", "Europe/Madrid"])
    assert res.exit_code == 0, res.output
    assert "note: clocks go forward at 2027-03-28 02:00" in res.output
    assert "warning: clocks go" not in res.output  # the note is printed once


def test_half_hour_and_two_hour_changes_name_their_own_window():
    from routing_ml.scheduling._dst import _clock_changes

    def changes(zone, day):
        t = pd.Timestamp(day)
        return _clock_changes(t, t + pd.Timedelta(days=7), zone)

    # Lord Howe goes back 30 min at 02:00 (01:30-02:00 twice), forward 30 min at 02:00
    assert changes("Australia/Lord_Howe", "2024-04-01") == [(pd.Timestamp("2024-04-07 01:30"), -0.5)]
    assert changes("Australia/Lord_Howe", "2024-10-01") == [(pd.Timestamp("2024-10-06 02:00"), 0.5)]
    # Troll skips two hours, 01:00-03:00
    assert changes("Antarctica/Troll", "2024-03-25") == [(pd.Timestamp("2024-03-31 01:00"), 2.0)]


def test_shifts_partly_in_the_missing_hour_and_short_rests_are_named():
    # review: a shift ending inside the skipped hour was not listed (paid 8 h, worked 7.5 h)
    # and an 11 h rest on the clock across the change (10 h really) gave no note
    from routing_ml.scheduling._dst import dst_notes

    t = pd.Timestamp
    roster = pd.DataFrame({
        "agent_id": ["a", "b", "b", "c", "c"],
        "start": [t("2027-03-27 18:30"), t("2027-03-27 14:00"), t("2027-03-28 09:00"),
                  t("2027-03-27 10:00"), t("2027-03-28 10:00")],
        "end": [t("2027-03-28 02:30"), t("2027-03-27 22:00"), t("2027-03-28 17:00"),
                t("2027-03-27 18:00"), t("2027-03-28 18:00")]})
    (note,) = dst_notes(roster, pd.Series([], dtype="datetime64[ns]"), t("2027-03-22"), 7, "Europe/Madrid",
                        min_rest_hours=11)
    assert "a Sat 18:30-02:30 (8 h on the clock, 7.5 h worked)" in note
    assert "1 rest(s) between shifts" in note and "b Sat 22:00 to Sun 09:00 (10 h)" in note
    assert "c Sat" not in note  # 15 h of rest really: enough
    (plain,) = dst_notes(roster.iloc[3:], pd.Series([], dtype="datetime64[ns]"), t("2027-03-22"), 7,
                         "Europe/Madrid", min_rest_hours=11)
    assert "shift(s)" not in plain and "rest(s)" not in plain and "Fix" not in plain

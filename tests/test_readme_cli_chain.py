"""The README's planner chain runs as written on the shipped example files (forecast ->
staff -> schedule -> simulate): a newcomer found it could not (a 30-minute history of the
queue 'bank' against 15-minute voice/chat agents)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

import routing_ml
from routing_ml.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = Path(routing_ml.__file__).parent / "scheduling" / "examples"


def _chain_commands() -> list[list[str]]:
    block = re.search(r"### Planner \(command line\)\n\n```bash\n(.*?)```",
                      README.read_text(encoding="utf-8"), re.S).group(1)
    text = re.sub(r"\\\n\s*", " ", block)
    cmds = []
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("routing-ml ") and line.split()[1] in ("forecast", "staff", "schedule",
                                                                   "simulate"):
            cmds.append(shlex.split(line)[1:])
    return cmds


def test_the_readme_planner_chain_runs_on_the_example_files(tmp_path, monkeypatch):
    for f in EXAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    monkeypatch.chdir(tmp_path)
    cmds = _chain_commands()
    assert [c[0] for c in cmds] == ["forecast", "staff", "schedule", "simulate"]
    for args in cmds:
        # the same commands, shorter: a 10 s roster, 2 replications
        args = [("10" if a == "60" and args[i - 1] == "--time-limit" else
                 "2" if args[i - 1] == "--replications" else a) for i, a in enumerate(args)]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, (args, res.output)
    fc = pd.read_csv("forecast.csv")
    assert set(fc["unique_id"]) == {"voice", "chat"}
    roster = pd.read_csv("roster.csv")
    assert set(roster["agent_id"]) <= set(pd.read_csv("agents.csv")["agent_id"])
    assert (tmp_path / "simulation" / "summary.csv").is_file()


def test_forecast_help_lists_every_model():
    from routing_ml.forecasting._forecaster import MODELS

    out = CliRunner().invoke(app, ["forecast", "--help"], terminal_width=200).output
    out = " ".join(out.replace("│", " ").split())
    assert all(m in out for m in MODELS), out

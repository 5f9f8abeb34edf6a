"""The MLproject at the repository root parses, and its commands exist.

``test_mlproject_commands_exist`` fails loudly, listing every entry point whose CLI
command, option or script is missing: the MLproject must not promise what the
repository does not have.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MLPROJECT = ROOT / "MLproject"
REQUIRED = {"demo", "forecast", "staff", "schedule", "simulate", "intent_benchmark",
            "forecast_protocol"}
MLFLOW_TYPES = {"string", "float", "path", "uri"}


def _spec() -> dict:
    return yaml.safe_load(MLPROJECT.read_text())


def _commands() -> dict[str, list[str]]:
    """Entry point -> argv, with MLflow's own parser and placeholder values."""
    from mlflow.projects._project_spec import load_project

    project = load_project(str(ROOT))
    out = {}
    for name in _spec()["entry_points"]:
        ep = project.get_entry_point(name)
        required = {k: f"<{k}>" for k, p in ep.parameters.items() if p.default is None}
        out[name] = shlex.split(ep.compute_command(required, storage_dir=None))
    return out


def test_mlproject_structure_and_typed_parameters():
    spec = _spec()
    assert spec["name"] == "routing_ml"
    env_file = ROOT / spec["python_env"]
    env = yaml.safe_load(env_file.read_text())
    # this checkout ("." or "." with extras) is what the environment installs
    assert env["python"].startswith("3.11") and any(
        d.split("[")[0] == "." for d in env["dependencies"])
    entry_points = spec["entry_points"]
    assert REQUIRED <= set(entry_points), f"missing entry points {REQUIRED - set(entry_points)}"
    for name, ep in entry_points.items():
        params = ep.get("parameters", {})
        for pname, p in params.items():
            ptype = p if isinstance(p, str) else p.get("type", "string")
            assert ptype in MLFLOW_TYPES, f"{name}.{pname}: type {ptype!r}"
            assert "{" + pname + "}" in ep["command"], f"{name}: {pname} unused in command"
            # outputs must not be `path` (MLflow requires a path parameter to exist)
            if pname in {"out", "plot"}:
                assert ptype == "string", f"{name}.{pname} is an output: type string"
    argv = _commands()
    assert argv["demo"][:2] == ["routing-ml", "demo"]
    assert argv["intent_benchmark"] == ["python", "experiments/bench_intent.py", "--part",
                                        "all", "--folds", "5"]
    assert argv["forecast_protocol"][:2] == ["python", "experiments/forecast_protocol.py"]


def test_benchmark_scripts_read_options_as_mlflow_passes_them():
    """`mlflow run -P name=value` appends `--name value`: underscores, switches with a
    value (the declared `--quick {quick}` too) and the scripts' own spelling all parse."""
    import argparse
    import sys

    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        from _results import parse_args
    finally:
        sys.path.remove(str(ROOT / "experiments"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-madrid", action="store_true")
    ap.add_argument("--madrid-half-life", type=float, default=365.0)
    ap.add_argument("--folds", type=int, default=5)
    args = parse_args(ap, ["--quick", "false", "--skip_madrid", "true",
                           "--madrid_half_life", "180", "--folds", "3"])
    assert (args.quick, args.skip_madrid, args.madrid_half_life, args.folds) == \
        (False, True, 180.0, 3)
    args = parse_args(ap, ["--quick", "--madrid-half-life=90", "--skip-madrid=no"])
    assert (args.quick, args.skip_madrid, args.madrid_half_life) == (True, False, 90.0)
    with pytest.raises(SystemExit):
        parse_args(ap, ["--quick", "maybe"])


def _cli_problems(argv: list[str]) -> list[str]:
    import typer

    from routing_ml.cli import app

    # typer 0.2x ships its own click-compatible classes: duck-type, do not isinstance click
    group = typer.main.get_command(app)
    ctx = group.context_class(group)
    cmd, words = group, argv[1:]
    while hasattr(cmd, "get_command") and words and not words[0].startswith("-"):
        sub = cmd.get_command(ctx, words[0])
        if sub is None:
            return [f"`routing-ml {words[0]}` is not a command (have: "
                    f"{sorted(cmd.list_commands(ctx))})"]
        cmd, words = sub, words[1:]
    known = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
    return [f"`{argv[0]} {argv[1]}` has no option {w}" for w in words
            if w.startswith("--") and w.split("=")[0] not in known]


def test_mlproject_commands_exist():
    problems = []
    for name, argv in _commands().items():
        if argv[0] == "routing-ml":
            problems += [f"{name}: {p}" for p in _cli_problems(argv)]
        elif argv[0] == "python":
            if not (ROOT / argv[1]).is_file():
                problems.append(f"{name}: script {argv[1]} does not exist (yet)")
        else:
            problems.append(f"{name}: unexpected program {argv[0]!r}")
    if problems:
        pytest.fail("MLproject entry points that do not resolve:\n  " + "\n  ".join(problems))


def test_staff_keeps_the_forecasts_handle_times_unless_told():
    # a declared aht_seconds default of 300 overrode the forecast's aht_seconds column on
    # every `mlflow run -e staff` (peak 21 agents where the CLI alone staffed 40)
    from mlflow.projects._project_spec import load_project

    ep = load_project(str(ROOT)).get_entry_point("staff")
    plain = shlex.split(ep.compute_command({"forecast": "f.csv"}, storage_dir=None))
    assert not any(w.startswith("--aht") for w in plain), plain
    told = shlex.split(ep.compute_command({"forecast": "f.csv", "aht_seconds": 600}, storage_dir=None))
    assert told[told.index("--aht_seconds") + 1] == "600"  # the CLI reads --aht_seconds as --aht-seconds
    # the CLI's token_normalize_func reads '_' in option names as '-'
    assert not _cli_problems([w.replace("_", "-") if w.startswith("--") else w for w in told])

"""The `routing-ml` command line: one command per planner task.

Thin by design: each command parses its input, calls one library function and writes a
file. Heavy modules are imported inside the command bodies so ``routing-ml --help`` stays
fast. Room-specific commands live in ``routing_ml.<room>._cli`` modules that expose
``register(app)``; those modules import only typer and the standard library at top level.

Exit codes: 0 success, 1 bad input, 2 infeasible or timed out with no solution.
"""

from __future__ import annotations

import logging
import warnings
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from routing_ml import __version__


class _BadInputExits1(TyperGroup):
    """Usage errors (bad option value, missing option, no such option) exit 1, not 2.

    Click (vendored by typer) exits 2 on a usage error; here 2 means infeasible / no solution in time, and bad
    input is 1. The usage message is shown unchanged. Sub-groups (``models``) are invoked
    from this group, so their usage errors pass through here too.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except typer.TyperException as exc:
            _usage_error_exits_1(exc)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.TyperException as exc:
            _usage_error_exits_1(exc)
            raise


def _usage_error_exits_1(exc: Exception) -> None:
    # typer 0.29 vendors click: its UsageError (and BadParameter, MissingParameter,
    # NoSuchOption) is a TyperException with exit_code 2; no other one exits 2.
    if getattr(exc, "exit_code", None) == 2:
        exc.exit_code = 1  # type: ignore[attr-defined]


def _underscore_to_dash(token: str) -> str:
    """``--interval_minutes`` -> ``--interval-minutes`` (MLflow passes ``-P x_y=v`` as
    ``--x_y v``); applied by click to option names, command names and choices only."""
    return token.replace("_", "-")


app = typer.Typer(
    cls=_BadInputExits1,
    context_settings={"token_normalize_func": _underscore_to_dash},
    name="routing-ml",
    help="Route, forecast, staff, schedule and simulate a citizen-service contact center.",
    no_args_is_help=True,
    add_completion=True,
)

# Rooms that add commands (forecast, staff, schedule, simulate, ...).
_COMMAND_MODULES = (
    "routing_ml.queueing._cli",
    "routing_ml.forecasting._cli",
    "routing_ml.scheduling._cli",
    "routing_ml.routing._cli",
    "routing_ml.simulation._cli",
    "routing_ml.tracking._cli",
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"routing-ml {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True,
                     help="Show the version and exit."),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
    dayfirst: Annotated[bool, typer.Option(
        "--dayfirst", help="Read slash dates that could be either way (05/02/2024) as "
        "day/month/year, as Spanish spreadsheets write them. Without it such a file is "
        "refused rather than guessed.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    previous = warnings.showwarning

    def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        # a library's UserWarning: one line with its Python hints as flags, not a source
        # path and a line of code
        if issubclass(category, UserWarning):
            from routing_ml._cli_hints import as_flags

            typer.echo(f"warning: {as_flags(message)}", err=True)
        else:
            previous(message, category, *args, **kwargs)

    warnings.showwarning = show
    ctx.call_on_close(lambda: setattr(warnings, "showwarning", previous))
    if dayfirst:
        from routing_ml.frames import DAYFIRST

        token = DAYFIRST.set(True)
        ctx.call_on_close(lambda: DAYFIRST.reset(token))


@app.command()
def datasets() -> None:
    """List the bundled datasets with their size and source."""
    from routing_ml.datasets import list_datasets

    table = list_datasets()
    for row in table.itertuples(index=False):
        typer.echo(f"{row.name:<22} {row.rows:>9,} rows  {row.size_mb:6.2f} MB  {row.source}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's files.")] = Path(
        "demo_output"
    ),
) -> None:
    """Run the main job on the bundled data and write its report and plots to OUT."""
    from routing_ml._cli_hints import bad_output
    from routing_ml._demo import run_demo

    if problem := bad_output(out, "--out", folder=True):
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1)

    figures = run_demo(out, echo=typer.echo)
    from routing_ml._mlflow_run import log_cli_outputs

    log_cli_outputs([out], figures)


def _register_rooms() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency inside the module
                raise
            continue
        module.register(app)


_register_rooms()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

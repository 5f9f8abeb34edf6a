"""``routing-ml models ...``: list registered models and move aliases.

Imports only typer and the standard library at top level; mlflow is imported inside the
commands.

Errors of the store (a bad URI, a server that does not answer) are one line on stderr and
exit 1. A ``sqlite:///`` store whose file does not exist is an error too (MLflow would
create an empty database and report no models). MLflow retries an unreachable HTTP server
for minutes with its defaults (7 retries, backoff factor 2, 120 s timeout); these commands
set ``MLFLOW_HTTP_REQUEST_MAX_RETRIES=2``, ``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR=1`` and
``MLFLOW_HTTP_REQUEST_TIMEOUT=15`` for their own process, only where the user has not set
them.
"""

from __future__ import annotations

import os
import re
from typing import Annotated

import typer

# conservative HTTP defaults for the CLI process (a person waiting), not for the library
CLI_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
}

models_app = typer.Typer(
    name="models",
    help="Registered models in the MLflow registry: list them, promote a version.",
    no_args_is_help=True,
)


@models_app.callback()
def _models_defaults() -> None:
    for key, value in CLI_HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)


def _check_store(tracking_uri: str | None) -> None:
    """Exit 1 when the store is a sqlite database or a local folder that does not exist
    (nothing is created)."""
    from routing_ml.tracking._mlflow import STORE_FIX, missing_store

    try:
        problem = missing_store(tracking_uri)
    except Exception as exc:  # an unknown scheme may fail here already
        _fail(tracking_uri, exc)
    if problem is None:
        return
    source = "--tracking-uri" if tracking_uri is not None else "the tracking URI"
    typer.echo(f"error: {source} {problem} (nothing was created). {STORE_FIX}", err=True)
    raise typer.Exit(1)


def _fail(tracking_uri: str | None, exc: BaseException) -> None:
    """One line on stderr for a store error (MLflow's messages span lines), exit 1."""
    message = re.sub(r"\s+", " ", str(exc)).strip()
    if len(message) > 300:
        message = message[:297] + "..."
    where = f"--tracking-uri {tracking_uri}" if tracking_uri is not None else "tracking store"
    typer.echo(f"error: {where}: {type(exc).__name__}: {message}", err=True)
    raise typer.Exit(1) from exc


def _store_errors() -> tuple[type[BaseException], ...]:
    from mlflow.exceptions import MlflowException

    return (MlflowException, OSError)

_TrackingUri = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri",
        help="MLflow store, e.g. sqlite:///mlflow.db (default: MLFLOW_TRACKING_URI, else "
        "MLflow's default sqlite:///mlflow.db).",
    ),
]


@models_app.command("list")
def list_command(
    name: Annotated[str | None, typer.Option(help="Only this registered model.")] = None,
    tracking_uri: _TrackingUri = None,
) -> None:
    """List registered model versions with their aliases, newest first."""
    from routing_ml.errors import RoutingMLError
    from routing_ml.tracking import list_models

    _check_store(tracking_uri)
    try:
        table = list_models(name, tracking_uri=tracking_uri)
    except (RoutingMLError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    except _store_errors() as exc:
        _fail(tracking_uri, exc)
    if table.empty:
        typer.echo("no registered model versions" + (f" for {name!r}" if name else ""))
        return
    typer.echo(f"{'name':<28} {'version':>7}  {'aliases':<20} {'created (UTC)':<19}  run_id")
    for row in table.itertuples(index=False):
        created = row.created.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(
            f"{row.name:<28} {row.version:>7}  {row.aliases or '-':<20} {created:<19}  "
            f"{row.run_id or '-'}"
        )


@models_app.command("promote")
def promote_command(
    name: Annotated[str, typer.Option(help="Registered model name.")],
    version: Annotated[int, typer.Option(help="Version to point the alias at.", min=1)],
    alias: Annotated[str, typer.Option(help="Alias to move, e.g. champion.")] = "champion",
    tracking_uri: _TrackingUri = None,
) -> None:
    """Point ALIAS of model NAME at VERSION (serving loads models:/NAME@ALIAS)."""
    from routing_ml.errors import RoutingMLError
    from routing_ml.tracking import get_alias_version, set_alias

    _check_store(tracking_uri)
    try:
        try:
            previous = get_alias_version(name, alias, tracking_uri=tracking_uri)
        except (RoutingMLError, ValueError):
            previous = None
        set_alias(name, version, alias, tracking_uri=tracking_uri)
    except (RoutingMLError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    except _store_errors() as exc:
        _fail(tracking_uri, exc)
    moved = f" (was version {previous})" if previous and previous != str(version) else ""
    typer.echo(f"models:/{name}@{alias} -> version {version}{moved}")


def register(app: typer.Typer) -> None:
    """Add the ``models`` command group to the ``routing-ml`` app."""
    app.add_typer(models_app, name="models")

"""``routing-ml models ...``: list registered models and move aliases.

Imports only typer and the standard library at top level; mlflow is imported inside the
commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

models_app = typer.Typer(
    name="models",
    help="Registered models in the MLflow registry: list them, promote a version.",
    no_args_is_help=True,
)

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

    try:
        table = list_models(name, tracking_uri=tracking_uri)
    except (RoutingMLError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
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

    try:
        try:
            previous = get_alias_version(name, alias, tracking_uri=tracking_uri)
        except (RoutingMLError, ValueError):
            previous = None
        set_alias(name, version, alias, tracking_uri=tracking_uri)
    except (RoutingMLError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    moved = f" (was version {previous})" if previous and previous != str(version) else ""
    typer.echo(f"models:/{name}@{alias} -> version {version}{moved}")


def register(app: typer.Typer) -> None:
    """Add the ``models`` command group to the ``routing-ml`` app."""
    app.add_typer(models_app, name="models")

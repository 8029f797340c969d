"""`itdash review`: list what waits for an analyst, and record decisions with who and why."""

from __future__ import annotations

import getpass

import typer

from dashboard.formatting import plural
from etl import db, review, settings

app = typer.Typer(
    help="Review unmapped figures and conflicts; map, correct, reject or accept.", no_args_is_help=True
)

DATABASE = typer.Option(None, "--database", "-d", help="SQLAlchemy URL; default $DATABASE_URL.")
REASON = typer.Option(..., "--reason", "-r", help="Why: stored with the decision.")
WHO = typer.Option(None, "--who", help="Who decides; default $ITDASH_REVIEWER or the login name.")


def _who(who: str | None) -> str:
    return who or settings.reviewer() or getpass.getuser()


def _engine(database: str | None):  # type: ignore[no-untyped-def]
    return db.engine(database or settings.database_url())


@app.command("list")
def list_(database: str = DATABASE) -> None:
    """Figures awaiting review (unmapped or ambiguous), conflicts, and stale decisions."""
    from etl.export import observations

    engine = _engine(database)
    todo = review.pending(engine)
    typer.echo(f"{len(todo)} {'figure' if plural(len(todo), 'en') == 'one' else 'figures'} awaiting review")
    for r in todo.itertuples():
        why = f" [{r.rule}]" if r.mapping == "ambiguous" else ""
        typer.echo(
            f"  {r.id}  {r.mapping}{why}  {r.text!r} = {r.value:g} {r.unit} ({r.qualifier}, "
            f"{r.as_of})  {r.source}"
        )
    obs = observations(engine)
    conflicts = obs[obs["conflict"]]
    noun = "observation" if plural(len(conflicts), "en") == "one" else "observations"
    typer.echo(f"{len(conflicts)} {noun} in conflict")
    for r in conflicts.itertuples():
        mark = "*" if r.preferred else " "
        typer.echo(
            f" {mark}{r.observation_id}  {r.indicator} {r.as_of} = {r.value:g} ({r.qualifier}) "
            f"{r.source_kind} {r.published}"
        )
    for d in review.stale(engine):
        typer.echo(f"stale decision {d.id}: {d.action} {d.figure_id} by {d.who}: its figure is gone")


@app.command("map")
def map_(figure: str, indicator: str, reason: str = REASON, who: str = WHO, database: str = DATABASE) -> None:
    """Map a figure to an indicator."""
    review.decide(_engine(database), figure, "map", reason, _who(who), indicator_id=indicator)
    typer.echo(f"mapped {figure} to {indicator}")


@app.command()
def correct(
    figure: str,
    value: float = typer.Option(None, help="The right value."),
    qualifier: str = typer.Option(None, help="The right qualifier."),
    reason: str = REASON,
    who: str = WHO,
    database: str = DATABASE,
) -> None:
    """Correct a figure's value or qualifier."""
    review.decide(_engine(database), figure, "correct", reason, _who(who), value=value, qualifier=qualifier)
    typer.echo(f"corrected {figure}")


@app.command()
def reject(figure: str, reason: str = REASON, who: str = WHO, database: str = DATABASE) -> None:
    """Reject a figure: it leaves the series."""
    review.decide(_engine(database), figure, "reject", reason, _who(who))
    typer.echo(f"rejected {figure}")


@app.command()
def accept(figure: str, reason: str = REASON, who: str = WHO, database: str = DATABASE) -> None:
    """Accept a figure as extracted and mapped."""
    review.decide(_engine(database), figure, "accept", reason, _who(who))
    typer.echo(f"accepted {figure}")

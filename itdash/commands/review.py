"""`itdash review`: list what waits for an analyst, and record decisions with who and why."""

from __future__ import annotations

import getpass

import typer

from dashboard.formatting import plural
from etl import db, review, settings
from etl.errors import ItdashError

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
    from etl import series_review

    for d in series_review.stale(engine):
        typer.echo(f"stale series decision {d.id}: split {d.figure_id} by {d.who}: its figure is gone")


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


series_app = typer.Typer(
    help="Review whole series: list, show, merge, split a figure out, rename, promote into the registry.",
    no_args_is_help=True,
)
app.add_typer(series_app, name="series")


@series_app.command("list")
def series_list(
    words: list[str] = typer.Argument(None, help="Only series whose id, label, scope or unit hold these."),
    database: str = DATABASE,
) -> None:
    """Series with their count of figures, label and scope."""
    from etl import series_review

    found = series_review.summaries(_engine(database), " ".join(words or []))
    typer.echo(f"{len(found)} series")
    for r in found.itertuples():
        zh = f" / {r.label_zh}" if isinstance(r.label_zh, str) else ""
        curated = f"  [{r.indicator}]" if isinstance(r.indicator, str) else ""
        typer.echo(f"  {r.series}  {r.figures} fig.  {r.label_en}{zh}  (scope: {r.scope}){curated}")


@series_app.command("show")
def series_show(series: str, database: str = DATABASE) -> None:
    """The figures of one series, each beside its sentence."""
    from etl import series_review

    figs = series_review.figures(_engine(database), series)
    if figs.empty:
        raise ItdashError(f"no series {series!r}")
    typer.echo(f"{series}: {len(figs)} figures")
    for r in figs.itertuples():
        agrees = {True: "", False: "  [versions disagree]"}.get(r.twin_agrees, "")
        typer.echo(
            f"  {r.id}  {r.as_of}  {r.text!r} = {r.value:g} {r.unit} ({r.qualifier})  {r.source}{agrees}"
        )
        typer.echo(f"      {r.sentence}")


@series_app.command("merge")
def series_merge(
    series: str, into: str, reason: str = REASON, who: str = WHO, database: str = DATABASE
) -> None:
    """Merge series A into series B: A's figures join B."""
    from etl import series_review

    series_review.decide(_engine(database), "merge", series, reason, _who(who), into=into)
    typer.echo(f"merged {series} into {into}")


@series_app.command("split")
def series_split(figure: str, reason: str = REASON, who: str = WHO, database: str = DATABASE) -> None:
    """Split a figure out of its series, into a series of its own."""
    from etl import series_review

    d = series_review.decide(_engine(database), "split", figure, reason, _who(who))
    typer.echo(f"split {figure} out of {d.series} into {d.new_series}")


@series_app.command("rename")
def series_rename(
    series: str,
    label: str = typer.Option(None, "--label", help="The English label."),
    label_zh: str = typer.Option(None, "--label-zh", help="The Chinese label."),
    reason: str = REASON,
    who: str = WHO,
    database: str = DATABASE,
) -> None:
    """Give a series a new label, in English and Chinese."""
    from etl import series_review

    series_review.decide(
        _engine(database), "rename", series, reason, _who(who), label_en=label, label_zh=label_zh
    )
    typer.echo(f"renamed {series}")


@series_app.command("promote")
def series_promote(
    series: str,
    indicator: str = typer.Option(..., "--indicator", help="The new indicator's id (a-z, 0-9, _)."),
    theme: str = typer.Option(..., "--theme", help="The theme it belongs to (data/themes.toml)."),
    label: str = typer.Option(None, "--label", help="English label; default the series' label."),
    label_zh: str = typer.Option(None, "--label-zh", help="Chinese label; default the series' label."),
    reason: str = REASON,
    who: str = WHO,
    database: str = DATABASE,
) -> None:
    """Promote a series into the registry: written to data/promoted.toml, its figures mapped."""
    from etl import series_review

    series_review.decide(
        _engine(database),
        "promote",
        series,
        reason,
        _who(who),
        indicator_id=indicator,
        theme=theme,
        label_en=label,
        label_zh=label_zh,
    )
    typer.echo(f"promoted {series} to indicator {indicator}")


@app.command("twins")
def twins_(database: str = DATABASE) -> None:
    """Figures whose English and Chinese versions disagree, both sentences side by side."""
    from etl import pairing

    found = pairing.disagreements(_engine(database))
    typer.echo(f"{len(found)} {'figure' if len(found) == 1 else 'figures'} whose two versions disagree")
    for d in found:
        typer.echo(f"  {d.figure_id}  {', '.join(d.differs)}  series {d.series}")
        for lang, side in (("en", d.english), ("zh", d.chinese)):
            if side is None:
                typer.echo(f"    {lang}: (no such figure)")
            else:
                typer.echo(f"    {lang}: {side.text!r} ({side.qualifier}, {side.as_of})  {side.source}")
                typer.echo(f"        {side.sentence}")

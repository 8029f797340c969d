"""`itdash`: the one front door — extract, etl, serve, demo and friends.

Domain errors surface as one line naming the file and the problem, with exit
status 1; a traceback means a bug in itdash, never a user's mistake.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from etl import settings
from etl.errors import ItdashError

app = typer.Typer(
    help="Hong Kong I&T figures from LegCo written replies: extract, load, serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class Format(str, Enum):
    jsonl = "jsonl"
    table = "table"


def _fail(message: str) -> None:
    typer.echo(f"itdash: {message}", err=True)
    raise typer.Exit(1)


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Reply files or folders (a folder's manifest.csv is read)."),
    format: Format = typer.Option(Format.jsonl, "--format", "-f", help="jsonl (the spec's) or a table."),
) -> None:
    """Print every figure of the given replies, as shared/spec/figures.md defines."""
    from etl import replies

    done, errors = replies.read(paths)
    for e in errors:
        typer.echo(f"itdash: {e}", err=True)
    failed = len(errors)
    rows = []
    for r in done:
        if format is Format.jsonl:
            for fig in r.figures:
                sys.stdout.write(fig.jsonl() + "\n")
        else:
            rows.extend(r.figures)
    if format is Format.table and rows:
        from rich.console import Console
        from rich.table import Table

        table = Table("doc", "part", "item", "text", "value", "qualifier", "unit", "subject", "as_of")
        for f in rows:
            table.add_row(
                Path(f.doc).name,
                f.part,
                str(f.item or ""),
                f.text,
                f"{f.value:g}",
                f.qualifier,
                f.unit,
                f.subject or "",
                f.as_of,
            )
        Console(width=None if sys.stdout.isatty() else 200).print(table)
    if failed:
        raise typer.Exit(1)


def _progress_bar():  # type: ignore[no-untyped-def]
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]etl"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
        transient=True,
        console=None,
    )


def run_etl(
    corpus_dirs: list[Path],
    database: str,
    curated: Path | None = None,
    shard: str | None = None,
    workers: int | None = None,
) -> None:
    if any(settings.is_sample(c) for c in corpus_dirs):
        typer.echo(
            f"itdash: {settings.SHARED_CORPUS} is not here: loading the project's own sample of "
            f"fictional replies ({settings.SAMPLE_CORPUS}); the dashboard says so on every page.",
            err=True,
        )
    from rich.console import Console
    from rich.markup import escape

    from etl import pipeline
    from etl.shard import Shard

    console = Console(stderr=True)
    part = Shard.parse(shard) if shard else None
    with _progress_bar() as bar:
        task = bar.add_task("", total=None, rate="")

        def tick(k: int, total: int, name: str) -> None:
            speed = bar.tasks[0].speed
            rate = f"{speed:,.0f} replies/s" if speed else ""
            bar.update(task, completed=k, total=total, description=Path(name).name[:50], rate=rate)

        def stage(name: str) -> None:
            bar.update(task, description=f"after loading: {name}", rate="")

        summary = pipeline.run(
            corpus_dirs,
            database,
            progress=tick,
            curated_dir=curated,
            shard=part,
            workers=workers,
            on_stage=stage,
        )
    for e in summary.failures:
        console.print(f"[yellow]quarantined[/] {escape(str(e))}", highlight=False, soft_wrap=True)
    for d in summary.duplicates:
        console.print(f"duplicate {d}", highlight=False, soft_wrap=True, markup=False)
    typer.echo(f"etl: {summary.line()}")
    if summary.stages:
        typer.echo("etl: by stage, " + "; ".join(f"{k} {v:.1f} s" for k, v in summary.stages.items()))


@app.command()
def score(
    folder: Path = typer.Argument(..., help="Folder of reply documents (with manifest.csv)."),
    gold: Path = typer.Option(..., "--gold", help="Gold JSON Lines: every reply figure of the folder."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Per document: misses, spurious, wrong fields."
    ),
    twins: list[Path] = typer.Option(
        None, "--twins", help="Folder(s) holding the other language's versions, read to compare them."
    ),
    with_: list[Path] = typer.Option(
        None,
        "--with",
        help="Another gold set folder (replies/, gold.jsonl, optional series_shared.toml), scored "
        "together with this one: series pairs across the two languages count too.",
    ),
) -> None:
    """Precision, recall and F1 of extraction against a gold set, field accuracy, series and twins."""
    from etl.score import GoldSet, score_together
    from etl.score import score as run_score

    if with_:
        if twins:
            raise typer.BadParameter("--with reads both sets' replies already; drop --twins")
        sets = [GoldSet(folder, gold, folder), *(GoldSet(d) for d in with_)]
        typer.echo(f"scored together: {folder} and {', '.join(map(str, with_))}")
        result = score_together(sets)
    else:
        result = run_score(gold, folder, twins)
    for line in result.lines(verbose):
        typer.echo(line)


@app.command()
def etl(
    corpus: list[Path] = typer.Option(
        None, "--corpus", "-c", help="Corpus folder(s); default $CORPUS or ../shared/corpus."
    ),
    database: str = typer.Option(
        None, "--database", "-d", help="SQLAlchemy URL; default $DATABASE_URL or a SQLite file under data/."
    ),
    curated: Path = typer.Option(None, help="Folder of curated CSVs; default data/curated."),
    shard: str = typer.Option(
        None,
        help="K/N: only the K-th of N shards of the corpus (by a hash of each name); runs over "
        "the other shards may write to the same database at once.",
    ),
    workers: int = typer.Option(None, help="Processes that extract; default one per core."),
) -> None:
    """Parse, extract, map, validate and load a corpus; each document stored whole or not at all.

    The curated observations under data/curated are loaded on every run too.
    """
    run_etl(corpus or [settings.corpus_dir()], database or settings.database_url(), curated, shard, workers)


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on; default $HOST or 127.0.0.1."),
    port: int = typer.Option(None, help="Port; default $PORT or 8050."),
    database: str = typer.Option(None, "--database", "-d", help="SQLAlchemy URL to read."),
    workers: int = typer.Option(2, help="gunicorn worker processes."),
    debug: bool = typer.Option(False, help="Use Dash's development server with reloading."),
) -> None:
    """Serve the dashboard (gunicorn; the Dash dev server only with --debug)."""
    from dashboard.server import run

    run(
        host or settings.host(),
        port or settings.port(),
        database or settings.database_url(),
        workers=workers,
        debug=debug,
    )


@app.command()
def demo(
    corpus: list[Path] = typer.Option(None, "--corpus", "-c", help="Corpus folder(s)."),
    database: str = typer.Option(None, "--database", "-d", help="SQLAlchemy URL."),
    host: str = typer.Option(None, help="Address to listen on."),
    port: int = typer.Option(None, help="Port."),
) -> None:
    """Run the ETL over the sample corpus, then serve the dashboard."""
    db_url = database or settings.database_url()
    run_etl(corpus or [settings.corpus_dir()], db_url)
    serve(host=host, port=port, database=db_url, workers=2, debug=False)


def _register() -> None:
    from itdash.commands import review
    from itdash.commands.fetch import fetch

    app.command(name="fetch")(fetch)
    app.add_typer(review.app, name="review")


_register()


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    zip = "zip"


@app.command()
def export(
    format: ExportFormat = typer.Option(ExportFormat.csv, "--format", "-f", help="csv, json, xlsx or zip."),
    database: str = typer.Option(None, "--database", "-d", help="SQLAlchemy URL to read."),
    output: Path = typer.Option(None, "--output", "-o", help="File to write; default standard output."),
    indicator: str = typer.Option(None, help="Only this indicator (as /data/ID.FORMAT)."),
    theme: str = typer.Option(None, help="Only this theme's indicators."),
    source_kind: str = typer.Option(None, "--source-kind", help="Only reply or curated observations."),
    status: str = typer.Option(None, help="Only this review status (auto, reviewed, corrected)."),
    date_from: str = typer.Option(None, "--from", help="Only periods ending on or after YYYY-MM-DD."),
    date_to: str = typer.Option(None, "--to", help="Only periods starting on or before YYYY-MM-DD."),
    base_url: str = typer.Option(
        "", "--base-url", help="Where the dashboard serves /data/, for the address JSON, XLSX and ZIP cite."
    ),
) -> None:
    """Write every observation, one row each, with its bounds, source and sentence.

    The same bytes as the dashboard's download of the same filters
    (/data/observations.FORMAT, or /data/ID.FORMAT with --indicator);
    $SOURCE_DATE_EPOCH fixes the retrieval time both write.
    """
    from etl import db
    from etl import export as ex

    args = {"theme": theme, "source_kind": source_kind, "status": status, "from": date_from, "to": date_to}
    try:
        filters = ex.Filters.from_args(args)
    except ex.FilterError as e:
        _fail(str(e))
    engine = db.engine(database or settings.database_url())
    name = indicator or "observations"
    try:
        body = ex.render(engine, name, format.value, filters, settings.export_time(), base=base_url)
    except (ex.UnknownIndicator, ex.FilterError) as e:
        _fail(str(e))
    if output:
        output.write_bytes(body)
        typer.echo(f"export: {name}.{format.value} to {output}", err=True)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()


@app.command()
def status(
    database: str = typer.Option(None, "--database", "-d", help="SQLAlchemy URL to read."),
) -> None:
    """Indicators with data, observations by source, conflicts, warnings, figures awaiting review."""
    from etl import db
    from etl import status as st

    r = st.report(db.engine(database or settings.database_url()))
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["observations_by_source_kind"].items())) or "none"
    typer.echo(f"indicators with data: {r['indicators_with_data']} of {r['indicators']}")
    typer.echo(f"observations: {r['observations']} ({kinds})")
    typer.echo(
        f"series not yet reviewed: {r['uncurated_series']} ({r['uncurated_observations']} observations)"
    )
    typer.echo(f"targets: {r['targets']}")
    typer.echo(f"conflicts: {r['conflicts']}")
    typer.echo(f"warnings: {r['warnings']}")
    typer.echo(f"figures awaiting review: {r['awaiting_review']}")
    typer.echo(f"stale review decisions: {r['stale_decisions']}")
    typer.echo(f"quarantined: {r['quarantined']}")
    if r["last_run"]:
        typer.echo(f"last run: {r['last_run']['finished_at']} ({r['last_run']['seconds']} s)")


@app.command()
def refresh(
    archive: Path = typer.Option(None, help="Archive folder; default $ITDASH_ARCHIVE or data/archive."),
    cache: Path = typer.Option(None, hidden=True, help="Deprecated name of --archive."),
    database: str = typer.Option(None, "--database", "-d", help="SQLAlchemy URL to load into."),
    base_url: str = typer.Option(settings.DEFAULT_BASE_URL, help="The press-release site or a mirror."),
    days: int = typer.Option(7, help="How far back to start when the archive is empty."),
    all_lcq: bool = typer.Option(False, "--all-lcq", help="Keep every LCQ reply, not only I&T ones."),
    rate: float = typer.Option(1.0, help="At most this many requests per second."),
    timeout: float = typer.Option(30.0, help="Seconds for a whole exchange: connect, headers, body."),
    max_page_mb: float = typer.Option(None, help="Largest page kept (MB); default $ITDASH_MAX_PAGE_MB or 5."),
) -> None:
    """Fetch releases since the last fetched day, then run the ETL over the archive.

    One command for a daily timer; pages that failed are reported and retried
    next time, and the ETL still runs over what was fetched.
    """
    from datetime import date, timedelta

    from itdash.commands.fetch import archive_option, fetch, last_fetched_day

    folder = archive_option(archive, cache)
    since = last_fetched_day(folder) if folder.exists() else None
    since = since or date.today() - timedelta(days=days)
    try:
        fetch(
            urls=None,
            since=since.isoformat(),
            until=None,
            all_lcq=all_lcq,
            base_url=base_url,
            archive=folder,
            cache=None,
            refresh=False,
            rate=rate,
            timeout=timeout,
            retries=3,
            max_page_mb=max_page_mb,
            max_retry_after=None,
        )
    except typer.Exit as e:
        if e.exit_code not in (0, 1):  # 1: some pages failed; they are retried next time
            raise
    run_etl([folder], database or settings.database_url())


def main() -> None:
    """Entry point: domain errors become one line and exit status 1."""
    try:
        app()
    except ItdashError as e:
        typer.echo(f"itdash: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()

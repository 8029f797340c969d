"""`itdash fetch`: copy LegCo replies from the press-release site into the archive.

Registered by `itdash.cli` with `app.command()(fetch)`. The work is in
`etl.fetch`; this module turns options into a `FetchConfig`, shows progress
and turns every problem the user can fix into one line, not a traceback.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from etl.archive import ArchiveBusy, failed_urls, last_fetched_day
from etl.fetch import HKT, Event, FetchConfig, Report, run
from etl.settings import DEFAULT_BASE_URL, DEFAULT_MAX_PAGE_MB, archive_dir, max_page_bytes, max_retry_after
from etl.site import TopicsError

__all__ = ["fetch", "failed_urls", "last_fetched_day", "summary"]

PHASES = {"index": "Daily indexes", "release": "Releases"}


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"error: {message}", markup=False)
    return typer.Exit(code)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _fail(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


class _Display:
    """A rich progress bar per phase, with running counts of fetched/skipped/failed pages."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.counts: dict[str, dict[str, int]] = {}

    def __call__(self, event: Event) -> None:
        if event.result is None:
            self.counts[event.phase] = {"fetched": 0, "skipped": 0, "failed": 0}
            self.tasks[event.phase] = self.progress.add_task(
                PHASES[event.phase],
                total=event.total,
                counts=self._text(event.phase),
                visible=event.total > 0,
            )
            return
        self.counts[event.phase][event.result] += 1
        self.progress.update(self.tasks[event.phase], advance=1, counts=self._text(event.phase))

    def _text(self, phase: str) -> str:
        c = self.counts[phase]
        return f"fetched {c['fetched']} · skipped {c['skipped']} · failed {c['failed']}"


def archive_option(archive: Path | None, cache: Path | None) -> Path:
    """The archive folder from `--archive`, or from its deprecated alias `--cache` (with a note)."""
    if archive is not None and cache is not None and archive != cache:
        raise _fail(f"--archive {archive} and --cache {cache} disagree; --cache is the old name, drop it")
    if cache is not None and archive is None:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            "note: --cache is deprecated; use --archive", markup=False
        )
    folder = archive or cache
    return folder if folder is not None else archive_dir()


def limits(max_page_mb: float | None, max_retry_after_s: float | None) -> tuple[int, float]:
    """The page size cap in bytes and the Retry-After cap in seconds, from options or settings."""
    if max_page_mb is not None and not 0 < max_page_mb < float("inf"):
        raise _fail(f"--max-page-mb must be a number more than 0, not {max_page_mb:g}")
    if max_retry_after_s is not None and not 0 <= max_retry_after_s < float("inf"):
        raise _fail(f"--max-retry-after must be a number of seconds, 0 or more, not {max_retry_after_s:g}")
    try:
        size = int(max_page_mb * 1_000_000) if max_page_mb is not None else max_page_bytes()
        wait = max_retry_after_s if max_retry_after_s is not None else max_retry_after()
    except ValueError as e:  # a bad ITDASH_MAX_* setting
        raise _fail(str(e)) from None
    return size, wait


def summary(report: Report, archive: Path) -> list[str]:
    """The closing report: counts, what the walk kept, and every failure with its reason."""
    lines = [
        f"{report.count('fetched')} fetched, {report.count('skipped')} skipped "
        f"(already in the archive), {report.count('failed')} failed."
    ]
    if report.days:
        lines.append(
            f"{report.days} daily index page(s): {report.listed} releases listed, "
            f"{report.kept} LCQ replies kept."
        )
    lines.append(f"Archive: {archive}")
    if report.failures:
        lines.append("Failed (recorded in failures.csv; the next run tries them again):")
        for o in report.failures:
            tries = f" ({o.attempts} attempts)" if o.attempts > 1 else ""
            lines.append(f"  {o.url}: {o.reason}{tries}")
    return lines


def fetch(
    urls: Annotated[
        list[str] | None,
        typer.Argument(help="Release addresses (or site paths) to fetch.", show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Walk the daily index pages from this day (YYYY-MM-DD).", show_default=False),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Last day to walk (YYYY-MM-DD); default today in Hong Kong.", show_default=False),
    ] = None,
    all_lcq: Annotated[
        bool, typer.Option("--all-lcq", help="Keep every LCQ reply, not only those on I&T.")
    ] = False,
    base_url: Annotated[
        str, typer.Option(help="The press-release site's address, or a mirror's.")
    ] = DEFAULT_BASE_URL,
    archive: Annotated[
        Path | None,
        typer.Option(help="Archive folder. Default: $ITDASH_ARCHIVE, else data/archive.", show_default=False),
    ] = None,
    cache: Annotated[
        Path | None, typer.Option(hidden=True, help="Deprecated name of --archive.", show_default=False)
    ] = None,
    refresh: Annotated[
        bool,
        typer.Option("--refresh", help="Ask again for pages already archived (conditional requests)."),
    ] = False,
    rate: Annotated[float, typer.Option(help="At most this many requests per second.")] = 1.0,
    timeout: Annotated[
        float, typer.Option(help="Seconds for a whole exchange with the server: connect, headers, body.")
    ] = 30.0,
    retries: Annotated[int, typer.Option(help="Retries after timeouts, 5xx and truncated pages.")] = 3,
    max_page_mb: Annotated[
        float | None,
        typer.Option(
            help=f"Largest page kept, in MB, as sent and once decompressed. "
            f"Default: $ITDASH_MAX_PAGE_MB, else {DEFAULT_MAX_PAGE_MB:g}.",
            show_default=False,
        ),
    ] = None,
    max_retry_after: Annotated[
        float | None,
        typer.Option(
            help="Longest Retry-After waited for, in seconds; a longer one fails the page until "
            "the next run. Default: $ITDASH_MAX_RETRY_AFTER, else 60.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Fetch LegCo replies from the press-release site into the archive, politely.

    Give release addresses, or --since (and --until) to walk the daily index
    pages and keep the LCQ replies on I&T topics. Pages already archived are not
    fetched again; failures are reported at the end and retried next time.
    Exits 1 if any page failed.
    """
    start, end = _day(since, "--since"), _day(until, "--until")
    if start and end and start > end:
        raise _fail(f"--since {start} is after --until {end}")
    today = datetime.now(HKT).date()
    for option, day in (("--since", start), ("--until", end)):
        if day and day > today:
            raise _fail(f"{option} {day} is after today ({today} in Hong Kong)")
    if end and not start:
        raise _fail("--until needs --since")
    if not urls and not start:
        raise _fail("give release addresses, or --since DATE to walk the daily index pages")
    if not rate > 0:
        raise _fail(f"--rate must be more than 0 requests per second, not {rate:g}")
    if not timeout > 0:
        raise _fail(f"--timeout must be more than 0 seconds, not {timeout:g}")
    if retries < 0:
        raise _fail(f"--retries cannot be negative ({retries})")
    if not base_url.startswith(("http://", "https://")):
        raise _fail(f"--base-url {base_url!r} is not an http(s) address")
    size_cap, wait_cap = limits(max_page_mb, max_retry_after)
    folder = archive_option(archive, cache)
    config = FetchConfig(
        base_url=base_url,
        archive=folder,
        rate=rate,
        timeout=timeout,
        retries=retries,
        max_page_bytes=size_cap,
        max_retry_after=wait_cap,
        refresh=refresh,
        all_lcq=all_lcq,
    )
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,  # logs and pipes get the closing summary only
    )
    try:
        with progress:
            report = run(config, urls or (), start, end, on_event=_Display(progress))
    except (ArchiveBusy, TopicsError) as e:
        raise _fail(str(e), 1) from None
    except KeyboardInterrupt:
        raise _fail("interrupted; run the same command again to resume", 130) from None
    except OSError as e:
        raise _fail(f"{e.filename or folder}: {e.strerror or e}", 1) from None
    out = Console(highlight=False, soft_wrap=True)
    for line in summary(report, folder):
        out.print(line, markup=False)
    sys.stdout.flush()
    if report.failures:
        raise typer.Exit(1)

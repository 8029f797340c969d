"""`itdash fetch`: copy LegCo replies from the press-release site into the cache.

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
from etl.settings import DEFAULT_BASE_URL, cache_dir
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


def summary(report: Report, cache: Path) -> list[str]:
    """The closing report: counts, what the walk kept, and every failure with its reason."""
    lines = [
        f"{report.count('fetched')} fetched, {report.count('skipped')} skipped "
        f"(already in the cache), {report.count('failed')} failed."
    ]
    if report.days:
        lines.append(
            f"{report.days} daily index page(s): {report.listed} releases listed, "
            f"{report.kept} LCQ replies kept."
        )
    lines.append(f"Archive: {cache}")
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
    cache: Annotated[
        Path | None,
        typer.Option(help="Archive folder. Default: $ITDASH_CACHE, else data/cache.", show_default=False),
    ] = None,
    refresh: Annotated[
        bool,
        typer.Option("--refresh", help="Ask again for pages already cached (conditional requests)."),
    ] = False,
    rate: Annotated[float, typer.Option(help="At most this many requests per second.")] = 1.0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a whole page.")] = 30.0,
    retries: Annotated[int, typer.Option(help="Retries after timeouts, 5xx and truncated pages.")] = 3,
) -> None:
    """Fetch LegCo replies from the press-release site into the cache, politely.

    Give release addresses, or --since (and --until) to walk the daily index
    pages and keep the LCQ replies on I&T topics. Pages already cached are not
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
    folder = cache if cache is not None else cache_dir()
    config = FetchConfig(
        base_url=base_url,
        cache=folder,
        rate=rate,
        timeout=timeout,
        retries=retries,
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

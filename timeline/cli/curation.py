"""`timeline sources add` and `timeline extract`: from a document file to candidate milestones."""

from __future__ import annotations

from pathlib import Path

import click

from events.types import Text
from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.curation.archive import DocumentMetadata, register_document
from timeline.curation.render import to_json, to_toml
from timeline.curation.review import open_candidates
from timeline.database import open_store
from timeline.settings import Settings


@main.group()
def sources() -> None:
    """Source documents: archive a document's text with its metadata."""


@sources.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--title", required=True, help="The document's title (Chinese, as published).")
@click.option("--title-en", default=None, help="An English title (default: the title as given).")
@click.option("--publisher", required=True, help="Who published it (Chinese).")
@click.option("--publisher-en", default=None, help="The publisher in English (default: as given).")
@click.option("--published", required=True, help="Publication date, EDTF (2024-08-28).")
@click.option("--url", default=None, help="Where the document is published.")
@click.option("--region", default=None, help="Publishing region's code: what 全市/我县 in it mean.")
@click.option("--id", "source_id", default=None, help="Source id, a slug (default: KIND-DATE-HASH).")
@click.option("--kind", default="news", show_default=True, help="bulletin, daily-report, news, work-plan, …")
@with_settings
def add(
    settings: Settings,
    file: str,
    title: str,
    title_en: str | None,
    publisher: str,
    publisher_en: str | None,
    published: str,
    url: str | None,
    region: str | None,
    source_id: str | None,
    kind: str,
) -> None:
    """Archive FILE's text (UTF-8, UTF-16 or GB18030) as a registered source.

    The text is normalised and content-addressed (SHA-256); registering the same text again
    appends nothing and names the source that has it. Registration is an event in the log.
    """
    store = open_store(settings, create=True)
    metadata = DocumentMetadata(
        title=Text(zh=title, en=title_en or title),
        publisher=Text(zh=publisher, en=publisher_en or publisher),
        published=published,
        kind=kind,
        url=url,
        region=region,
        id=source_id,
    )
    path = Path(file)
    result = register_document(store, path.read_bytes(), metadata, name=path.name)
    if result.created:
        click.echo(
            f"Registered source {result.source} ({result.paragraphs} paragraphs, "
            f"sha256 {result.text_sha256[:12]}…) at position {result.position}."
        )
    else:
        click.echo(
            f"Already registered as source {result.source} (same text, sha256 {result.text_sha256[:12]}…)."
        )


@main.command()
@click.argument("source_id")
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout.")
@with_settings
def extract(settings: Settings, source_id: str, fmt: str, out: str | None) -> None:
    """Propose candidate milestones from SOURCE_ID's archived text.

    TOML comes in the seeds' format, each candidate commented with its sentence and reasons;
    candidates the log already has are named, not proposed again, and candidates accepted or
    rejected in review (/curate) are left out.
    """
    store = open_store(settings)
    candidates = open_candidates(store, source_id, settings.seeds_dir)
    body = to_toml(candidates, source_id=source_id).encode() if fmt == "toml" else to_json(candidates)
    if out is None:
        click.echo(body.decode(), nl=False)
        return
    Path(out).write_bytes(body)
    recorded = sum(1 for c in candidates if c.already_recorded)
    click.echo(f"Wrote {len(candidates)} candidate(s) to {out} ({recorded} already recorded).")

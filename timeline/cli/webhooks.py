"""`timeline webhooks list|add|remove`: the subscriptions `/webhooks` manages, from the shell."""

from __future__ import annotations

import click

from events import deliveries
from events.reference import Reference
from events.webhooks import SubscriptionRequest, end, subscribe, subscriptions
from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.database import open_store
from timeline.settings import Settings


@main.group()
def webhooks() -> None:
    """Webhook subscriptions: list, add and remove (deliveries run as the `webhooks` job)."""


@webhooks.command("list")
@with_settings
def list_webhooks(settings: Settings) -> None:
    """Every subscription with its status, filters and URL."""
    store = open_store(settings)
    try:
        found = subscriptions(store)
    finally:
        store.close()
    if not found:
        click.echo("no webhook subscriptions")
        return
    for s in found:
        filters = " ".join(
            f"{name}={','.join(values)}"
            for name, values in (("regions", s.regions), ("programmes", s.programmes), ("types", s.types))
            if values
        )
        click.echo(f"{s.id}  {s.status:<8}  {s.url}  lang={s.lang} {filters or '(every change)'}".rstrip())


@webhooks.command("add")
@click.argument("url")
@click.option("--region", "regions", multiple=True, help="Only changes in this region or below (repeatable).")
@click.option(
    "--programme", "programmes", multiple=True, help="Only this programme's milestones (repeatable)."
)
@click.option("--type", "types", multiple=True, help="Only this milestone type (repeatable).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--secret", default=None, help="A whsec_… secret (default: a new random one, printed).")
@with_settings
def add_webhook(
    settings: Settings,
    url: str,
    regions: tuple[str, ...],
    programmes: tuple[str, ...],
    types: tuple[str, ...],
    lang: str,
    secret: str | None,
) -> None:
    """Subscribe URL to milestone changes; prints the id and the signing secret."""
    request = SubscriptionRequest(
        url=url,
        regions=regions,
        programmes=programmes,
        types=types,
        lang=lang,
        secret=secret,  # type: ignore[arg-type]
    )
    store = open_store(settings, create=True)
    try:
        created = subscribe(store, Reference(store.db), request, allow_private=settings.webhook_allow_private)
    finally:
        store.close()
    click.echo(f"subscribed {created.subscription.id} at position {created.subscription.position}")
    click.echo(f"secret: {created.secret}")


@webhooks.command("remove")
@click.argument("subscription")
@with_settings
def remove_webhook(settings: Settings, subscription: str) -> None:
    """Remove a subscription: nothing more is delivered to it."""
    store = open_store(settings)
    try:
        ended = end(store, subscription)
        deliveries.abandon(store, subscription)
    finally:
        store.close()
    click.echo(f"{ended.id}: {ended.status}")

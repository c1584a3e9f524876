"""`/webhooks`: token holders subscribe a URL to milestone changes, list, remove, read the log.

Subscribing appends `webhook_subscribed` to the log (removing, `webhook_removed`); the delivery
job in `timeline.webhooks` sends the changes. The secret is answered once, at subscription.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter, QueryParameter

from api.auth import require_token
from api.bodies import convert_body, read_json
from api.caching import base_url
from api.context import Api, api_of
from api.openapi import problem_responses
from events import deliveries
from events.deliveries import Delivery
from events.webhooks import Subscription, SubscriptionRequest, end, subscribe, subscription_of, subscriptions

SubscriptionId = Annotated[str, PathParameter(description="The subscription's id (`wh_…`).")]
NO_STORE = {"Cache-Control": "no-store"}


class Webhook(Subscription, frozen=True, kw_only=True):
    """A subscription, with the links to itself and its delivery log."""

    links: dict[str, str]


class WebhookCreated(msgspec.Struct, frozen=True, kw_only=True):
    webhook: Webhook
    secret: str  # the Standard Webhooks secret that signs every delivery; shown only now


class WebhookList(msgspec.Struct, frozen=True, kw_only=True):
    webhooks: list[Webhook]


class DeliveryLog(msgspec.Struct, frozen=True, kw_only=True):
    webhook: str
    deliveries: list[Delivery]


def _shown(base: str, s: Subscription) -> Webhook:
    links = {"self": f"{base}/webhooks/{s.id}", "deliveries": f"{base}/webhooks/{s.id}/deliveries"}
    return Webhook(**msgspec.structs.asdict(s), links=links)


def _request(body: Any) -> SubscriptionRequest:
    return convert_body(body, SubscriptionRequest)


def _subscribe(api: Api, body: Any, base: str) -> WebhookCreated:
    request = _request(body)
    created = subscribe(
        api.store(),
        api.views.state().reference,
        request,
        allow_private=api.settings.webhook_allow_private,
    )
    api.views.invalidate()
    return WebhookCreated(webhook=_shown(base, created.subscription), secret=created.secret)


def _ok(spec: Any) -> ResponseSpec:
    return ResponseSpec(data_container=spec, description="OK", generate_examples=False)


class WebhookController(Controller):
    path = "/webhooks"
    tags = ("webhooks",)
    guards = [require_token]  # noqa: RUF012 - Litestar reads these as class attributes
    security = [{"bearer": []}]  # noqa: RUF012

    @post(
        "/",
        summary="Subscribe to milestone changes",
        status_code=201,
        responses={
            201: ResponseSpec(
                data_container=WebhookCreated, description="Subscribed", generate_examples=False
            ),
            **problem_responses(400, 401, 413, 415, 422),
        },
    )
    async def create(self, request: Request) -> Response[WebhookCreated]:
        """`{url, regions?, programmes?, types?, lang?, secret?}`: every milestone added,
        corrected or retracted that matches (regions include the regions below them) is POSTed
        to `url`, signed per Standard Webhooks with `secret` (generated when not given)."""
        api = api_of(request)
        body = await read_json(request)
        created = await anyio.to_thread.run_sync(_subscribe, api, body, base_url(api, request))
        headers = {**NO_STORE, "Location": created.webhook.links["self"]}
        return Response(created, status_code=201, headers=headers)

    @get("/", summary="List subscriptions", responses={200: _ok(WebhookList), **problem_responses(400, 401)})
    async def list_webhooks(self, request: Request) -> Response[WebhookList]:
        """Every subscription, active, removed or disabled, oldest first (never their secrets)."""
        api = api_of(request)
        found = await anyio.to_thread.run_sync(lambda: subscriptions(api.store()))
        base = base_url(api, request)
        return Response(WebhookList(webhooks=[_shown(base, s) for s in found]), headers=NO_STORE)

    @delete(
        "/{subscription:str}",
        summary="Remove a subscription",
        status_code=204,
        responses=problem_responses(400, 401, 404),
    )
    async def remove(self, request: Request, subscription: SubscriptionId) -> None:
        """Nothing more is delivered to it; its pending deliveries are dropped."""
        api = api_of(request)

        def work() -> None:
            store = api.store()
            end(store, subscription)
            deliveries.abandon(store, subscription)
            api.views.invalidate()

        await anyio.to_thread.run_sync(work)

    @get(
        "/{subscription:str}/deliveries",
        summary="A subscription's delivery log",
        responses={200: _ok(DeliveryLog), **problem_responses(400, 401, 404)},
    )
    async def delivery_log(
        self,
        request: Request,
        subscription: SubscriptionId,
        limit: Annotated[int, QueryParameter(ge=1, le=1000, description="Most recent attempts.")] = 100,
    ) -> Response[DeliveryLog]:
        """Every attempt, newest first: when, which `webhook-id`, the answer's status or error."""
        api = api_of(request)

        def work() -> DeliveryLog:
            store = api.store()
            subscription_of(store, subscription)  # 404 for an unknown one
            return DeliveryLog(
                webhook=subscription, deliveries=deliveries.deliveries(store, subscription, limit)
            )

        return Response(await anyio.to_thread.run_sync(work), headers=NO_STORE)


webhook_handlers = [WebhookController]

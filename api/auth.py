"""Bearer tokens for the write routes, checked before the body is read."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

REALM = 'Bearer realm="reform-timeline"'
WRITES_DISABLED = (
    "Writes are disabled: the service has no tokens. Start it with TIMELINE_TOKENS set "
    "(comma-separated secrets), then send `Authorization: Bearer <token>`."
)


def require_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Let the request through only with `Authorization: Bearer <token>` naming a configured token.

    Every configured token is compared, in constant time, so timing tells nothing about which
    (or how much of one) matched.
    """
    tokens = connection.app.state.api.settings.tokens
    if not tokens:
        raise NotAuthorizedException(detail=WRITES_DISABLED, headers={"WWW-Authenticate": REALM})
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException(
            detail="Writes need an `Authorization: Bearer <token>` header.",
            headers={"WWW-Authenticate": REALM},
        )
    given = token.strip().encode()
    matched = False
    for known in tokens:
        matched |= hmac.compare_digest(given, known.encode())
    if not matched:
        raise NotAuthorizedException(
            detail="The bearer token is not valid.",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )

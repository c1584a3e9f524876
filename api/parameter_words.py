"""Litestar's parameter errors in words a client can act on: the parameter's name as sent,
what was sent, and what is accepted (not the regex or enum it failed)."""

from __future__ import annotations

import re
import typing
from typing import Any

from litestar import Request

from api.params import PATTERN_HINTS

_REGEX = re.compile(r"Expected `str` matching regex '(?P<pattern>.*)'$")


def public_name(request: Request, field: str) -> str:
    """The parameter's name on the wire (`from`, `Idempotency-Key`), not the argument's."""
    try:
        kwarg = request.route_handler.parsed_fn_signature.parameters[field].kwarg_definition
    except (KeyError, AttributeError):
        return field
    return getattr(kwarg, "name", None) or field


def _allowed(request: Request, field: str) -> tuple[Any, ...]:
    """The values a `Literal[...]` parameter takes, in the order the route declares them."""
    try:
        annotation = request.route_handler.parsed_fn_signature.parameters[field].annotation
    except (KeyError, AttributeError):
        return ()
    found: list[Any] = []
    stack = [annotation]
    while stack:
        node = stack.pop(0)
        if typing.get_origin(node) is typing.Literal:
            found += typing.get_args(node)
        else:
            stack += typing.get_args(node)
    return tuple(found)


def plain_message(request: Request, field: str, name: str, message: str) -> str:
    """Litestar's `message` about argument `field` (`name` on the wire), made plain."""
    sent = request.scope.get("query_string", b"") and request.query_params.get(name)
    shown = f"{sent[:40]!r}: " if isinstance(sent, str) else ""
    regex = _REGEX.match(message)
    if regex:
        pattern = regex["pattern"].replace("\\\\", "\\")  # the message shows it escaped
        return shown + PATTERN_HINTS.get(pattern, "not in the expected form")
    if message.startswith("Invalid enum value"):
        allowed = _allowed(request, field)
        return shown + (f"expected one of {', '.join(map(repr, allowed))}" if allowed else message)
    if message == "Expected `bool`, got `str`":
        return shown + "expected a boolean: true or false (1 and 0 also work)"
    return message

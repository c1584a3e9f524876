"""`/log`: the signed tree head, the public key and Merkle proofs (RFC 9162), for auditors."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response.base import ASGIResponse

from api.caching import answer
from api.context import api_of
from api.openapi import READ_HEADERS, answers
from api.transparency import (
    ConsistencyProof,
    InclusionProof,
    LogKey,
    TreeHead,
    consistency,
    inclusion,
    latest_head,
    log_key,
)

TreeSize = Annotated[
    int | None,
    QueryParameter(ge=1, description="A tree size (a number of events); default: the latest signed head's."),
]


class LogController(Controller):
    path = "/log"
    tags = ("log",)
    response_headers = READ_HEADERS

    @get("/head", summary="The signed tree head", responses=answers(TreeHead, 404))
    async def head(self, request: Request) -> ASGIResponse:
        """The latest signed head: the log's size, its Merkle root and an Ed25519 signature over
        them (check it with `/log/key`)."""
        return await answer(api_of(request), request, latest_head)

    @get("/key", summary="The log's public key", responses=answers(LogKey, 404))
    async def key(self, request: Request) -> ASGIResponse:
        """The Ed25519 public key (PEM) signed heads are checked with, and its id."""
        return await answer(api_of(request), request, log_key)

    @get("/proof/inclusion", summary="Inclusion proof", responses=answers(InclusionProof, 404))
    async def inclusion_proof(
        self,
        request: Request,
        event: Annotated[str, QueryParameter(description="The event's id (a UUID).")],
        size: TreeSize = None,
    ) -> ASGIResponse:
        """The audit path (RFC 9162, 2.1.3) from the event's leaf to the root of the tree of
        `size` events."""
        return await answer(api_of(request), request, lambda r: inclusion(r, event, size))

    @get("/proof/consistency", summary="Consistency proof", responses=answers(ConsistencyProof, 404))
    async def consistency_proof(
        self,
        request: Request,
        first: Annotated[int, QueryParameter(name="from", ge=1, description="The earlier tree size.")],
        second: Annotated[
            int | None,
            QueryParameter(
                name="to", ge=1, description="The later tree size; default: the latest signed head's."
            ),
        ] = None,
    ) -> ASGIResponse:
        """The proof (RFC 9162, 2.1.4) that the tree of `from` events is a prefix of the tree of
        `to` events: nothing before `from` was changed, removed or reordered since."""
        return await answer(api_of(request), request, lambda r: consistency(r, first, second))

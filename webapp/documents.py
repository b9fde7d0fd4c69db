"""`GET /documents/{token}`: a customer's document (estimate, invoice, credit note PDF)
behind a signed, expiring link (core/signed_links.py). No session: the token is the
credential. A malformed or forged token: 403 `invalid_link`; expired: 410 `link_expired`;
a document that does not exist (any more): 404. Nothing is served then."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.api.deps import CoreDep
from channels.http import http_error
from core import signed_links
from core.errors import InvalidLink, NotFound

router = APIRouter(tags=["documents"])

Token = Annotated[str, Path(max_length=signed_links.MAX_TOKEN)]


@router.get(
    "/documents/{token}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 403: {}, 404: {}, 410: {}},
)
async def get_document(token: Token, request: Request, core: CoreDep) -> Response:
    """The document a signed link opens, as a download."""
    secret = request.app.state.settings.document_link_secret.get_secret_value()
    try:
        document = await core.run(signed_links.render, secret, token, core.now())
    except InvalidLink as exc:
        raise http_error(410 if exc.expired else 403, exc.code, exc.message) from None
    except NotFound as exc:
        raise http_error(404, exc.code, "this document does not exist") from None
    return Response(
        document.data,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{document.filename}"',
            "Cache-Control": "no-store",
        },
    )

"""Two ASGI layers around the API: a body limit that answers in the API's own one-line JSON
(Starlette's and FastAPI's answer plain text when Content-Length is over), and a guard that
turns an unexpected failure into a one-line 500 without dropping the connection."""

from __future__ import annotations

import logging

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("seqcast.serve")


class Guard:
    """An unexpected failure: a one-line 500 naming only its type (the traceback goes to
    the server's log), and the connection stays usable (Starlette's own handler re-raises,
    and uvicorn then drops the connection)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            log.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if started or scope["type"] != "http":
                raise
            message = f"internal error ({type(exc).__name__}); see the server's log"
            await JSONResponse({"error": message}, status_code=500)(scope, receive, send)


class BodyLimit:
    """Refuse a body over `limit` bytes with a one-line 413, whether its Content-Length
    says so or it streams past the limit (the body is read here, then handed on)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length", "0")
        if not declared.isdigit() or int(declared) > self.limit:
            return await self._refuse(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await self._refuse(scope, receive, send)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        given = False

        async def replay() -> Message:
            nonlocal given
            if given:
                return await receive()  # after the body: only the disconnect
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"body over {self.limit:,} bytes; send fewer or shorter series per request"
        response = JSONResponse({"error": message}, status_code=413)
        await response(scope, receive, send)

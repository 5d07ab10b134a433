"""The review page's routes: the next pair, a decision written at once, the queue as JSON.

Every request, static files included, must carry the session's token (``?token=``) or gets 403.
Every response carries a Content-Security-Policy that allows this server's own scripts, styles and
images only (no inline script or style, nothing external), and ``Cache-Control: no-store``.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipelines.files.decisions import DECISION_VALUES, Decision, DecisionError, DecisionStore
from pipelines.review.loading import ReviewData
from pipelines.review.queue import decided_pairs, next_pair, pair_key
from pipelines.review.views import pair_view

HERE = Path(__file__).parent
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
}
MAX_NOTE = 2000


@dataclass(frozen=True)
class ReviewSession:
    """One server's settings: its data, store, reviewer, blind mode and token."""

    data: ReviewData
    store: DecisionStore
    reviewer: str
    blind: bool
    token: str


class TokenGate:
    """ASGI middleware: 403 for any HTTP request whose ``token`` query parameter is not the session's."""

    def __init__(self, app: ASGIApp, token: str):
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            await PlainTextResponse("403: this page needs the token printed by `rosterlink review`",
                                    status_code=403)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return Jinja2Templates(env=env)


def build_app(session: ReviewSession) -> ASGIApp:
    """The review app of one session, behind the token gate."""
    templates = _templates()
    queue_keys = {pair.key for pair in session.data.queue}

    def page(request: Request) -> Response:
        try:
            after = int(request.query_params.get("after", "0"))
        except ValueError:
            after = 0
        decided = decided_pairs(session.store.current())
        pair = next_pair(session.data.queue, decided, after)
        remaining = sum(1 for p in session.data.queue if p.key not in decided)
        context = {
            "token": session.token, "reviewer": session.reviewer, "blind": session.blind,
            "output_dir": str(session.data.output_dir), "input_problem": session.data.input_problem,
            "total": len(session.data.queue), "remaining": remaining,
            "view": None if pair is None else pair_view(session.data, pair, session.blind),
        }
        return templates.TemplateResponse(request, "review.html", context)

    async def decide(request: Request) -> Response:
        try:
            body = await request.json()
            left = (str(body["left_source"]), str(body["left_record_id"]))
            right = (str(body["right_source"]), str(body["right_record_id"]))
            decision = str(body["decision"])
            note = body.get("note") or None
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "expected JSON with the two records and a decision"}, status_code=400)
        if pair_key(left, right) not in queue_keys:
            return JSONResponse({"error": "this pair is not in the review queue"}, status_code=400)
        if decision not in DECISION_VALUES:
            return JSONResponse({"error": f"decision must be one of {', '.join(DECISION_VALUES)}"}, status_code=400)
        if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
            return JSONResponse({"error": f"a note is text of at most {MAX_NOTE} characters"}, status_code=400)
        try:
            session.store.add([Decision(*left, *right, decision, session.reviewer, datetime.now(timezone.utc), note)])
        except DecisionError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        decided = decided_pairs(session.store.current())
        return JSONResponse({"stored": 1, "remaining": sum(1 for p in session.data.queue if p.key not in decided)})

    def queue(request: Request) -> Response:
        decided = _decisions_by_pair(session.store)
        rows = []
        for pair in session.data.queue:
            row = {"rank": pair.rank, "left": list(pair.left), "right": list(pair.right),
                   "effects": list(pair.effects), "decision": decided.get(pair.key)}
            if not session.blind:
                row |= {"match_probability": pair.match_probability, "match_weight": pair.match_weight}
            rows.append(row)
        return JSONResponse({"blind": session.blind, "pairs": rows})

    app = Starlette(routes=[
        Route("/", page, methods=["GET"]),
        Route("/api/decisions", decide, methods=["POST"]),
        Route("/api/queue", queue, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ])
    return TokenGate(app, session.token)


def _decisions_by_pair(store: DecisionStore) -> dict[tuple, str]:
    """The decision in force on each decided pair, by canonical pair key."""
    current = store.current()
    return {pair_key((r.left_source, r.left_record_id), (r.right_source, r.right_record_id)): r.decision
            for r in current.itertuples(index=False)}

"""Serve the review page: load the run, bind the socket (127.0.0.1 by default), print the URL, run uvicorn."""
from __future__ import annotations

import secrets
import socket
from pathlib import Path

from pipelines.files.decisions import DecisionStore
from pipelines.review.app import ReviewSession, build_app
from pipelines.review.loading import load_review_data

DEFAULT_HOST = "127.0.0.1"
TOKEN_BYTES = 32


def serve(output_dir: Path, reviewer: str, blind: bool, host: str = DEFAULT_HOST, port: int = 0) -> None:
    """Serve until interrupted; port 0 takes a free port. Prints counts and the URL, never record values."""
    import uvicorn

    data = load_review_data(output_dir)
    store = DecisionStore.for_output(output_dir)
    session = ReviewSession(data, store, reviewer, blind, secrets.token_urlsafe(TOKEN_BYTES))
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)  # connections wait from the moment the URL is printed until uvicorn accepts them
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    print(f"review queue: {len(data.queue)} pairs; reviewer: {reviewer}{'; blind' if blind else ''}", flush=True)
    if data.input_problem:
        print("warning: the input folder of the run is missing or changed: the page shows what the outputs hold",
              flush=True)
    print(f"open: http://{shown_host}:{bound_port}/?token={session.token}", flush=True)
    config = uvicorn.Config(build_app(session), log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])

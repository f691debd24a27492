"""``sliderepl serve FOLDER [--port N]``: serve a site on 127.0.0.1.

Only this machine can connect (bound to 127.0.0.1: a room that should
reach it serves the folder with a server of its choice).  Port 0 (the
default) lets the system pick a free one; the address is printed, then
the server runs until Ctrl-C.  ``.wasm`` goes out as
``application/wasm`` (streaming compilation needs it); requests are not
logged.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm", ".mjs": "text/javascript",
        ".js": "text/javascript", ".whl": "application/zip",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a quiet terminal: the speaker has a talk to give


def server(folder: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """A server of ``folder`` on 127.0.0.1 (not started)."""
    handler = functools.partial(_Handler, directory=str(folder))
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def address(httpd: http.server.HTTPServer) -> str:
    return f"http://{HOST}:{httpd.server_address[1]}/"


def background(folder: Path) -> tuple[http.server.ThreadingHTTPServer,
                                      threading.Thread]:
    """A server of ``folder`` running in a thread (tests, benchmarks);
    ``shutdown()`` and ``server_close()`` it when done."""
    httpd = server(folder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, thread


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="sliderepl serve",
        description="Serve a site (sliderepl export --to site) on "
        "127.0.0.1 and print its address.")
    parser.add_argument("folder", type=Path, metavar="FOLDER")
    parser.add_argument("--port", type=int, default=0,
                        help="port (default: any free one)")
    args = parser.parse_args(argv)
    if not (args.folder / "index.html").is_file():
        print(f"sliderepl serve: {args.folder} holds no site (no "
              "index.html): sliderepl export --to site -o FOLDER first",
              file=sys.stderr)
        return 2
    try:
        httpd = server(args.folder, args.port)
    except OSError as exc:
        print(f"sliderepl serve: can't listen on {HOST}:{args.port}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    with httpd:
        print(f"sliderepl serve: {address(httpd)} (Ctrl-C stops)",
              flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0

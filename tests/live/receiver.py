"""A webhook receiver on 127.0.0.1 that checks every delivery with the `standardwebhooks` package.

    python tests/live/receiver.py PORT SECRET LOG

Each verified delivery appends `{"id", "type", "position", "title"}` to LOG (JSON lines) and is
answered 204; one whose signature does not verify is logged as `{"bad": ...}` and answered 400.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


def main(port: int, secret: str, log: str) -> None:
    webhook = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            try:
                payload = webhook.verify(body, dict(self.headers.items()))
                line = {
                    "id": self.headers["webhook-id"],
                    "type": payload["type"],
                    "position": payload["position"],
                    "title": payload["data"]["title"],
                }
                status = 204
            except (WebhookVerificationError, KeyError, ValueError) as e:
                line, status = {"bad": str(e)}, 400
            with open(log, "a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])

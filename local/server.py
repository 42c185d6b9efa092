"""The app served as `chalice local` serves it, with two fixes for a shared machine.

- The client's address reaches the app as API Gateway's `sourceIp` would (chalice local
  reports 127.0.0.1 for everyone), so the per-IP limit behaves locally as in AWS.
- A body over API Gateway's own limit is refused before it is read into memory.
"""

from __future__ import annotations

from typing import Any

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer, create_local_server

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024


class LocalRequestHandler(ChaliceRequestHandler):
    def _generic_handle(self) -> None:
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        if length > API_GATEWAY_MAX_BODY:
            self.close_connection = True
            self._send_http_response(413, {"Content-Type": "application/json"}, b'{"message":"Request Too Long"}')
            return
        self.local_gateway.event_converter.LOCAL_SOURCE_IP = self.client_address[0]
        super()._generic_handle()

    def log_message(self, format: str, *args: Any) -> None:
        # The default logs every request line, query strings included (a reference, a
        # cursor): keep the method, the path without query, and the status only.
        if args and isinstance(args[0], str):
            line = args[0].split("?", 1)[0]
            super().log_message("%s %s", line.replace(" HTTP/1.1", ""), args[1] if len(args) > 1 else "")


def make_server(app: Any, host: str, port: int) -> LocalDevServer:
    config = Config.create(chalice_stage="local", app_name=app.app_name, project_dir=".")
    server = create_local_server(app, config, host, port)
    # Same server, our handler class.
    from functools import partial

    server.server.RequestHandlerClass = partial(LocalRequestHandler, app_object=server.app_object, config=config)
    return server

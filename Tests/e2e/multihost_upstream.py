"""A tiny HTTP API for the multi-host test, run inside one host's namespace.

GET /spec.json   an OpenAPI 3 document with one operation, GET /hello
GET /hello?run=ID[&sleep=S]   answers {"host": NAME, "run": ID} after S seconds and
                 appends ID to hits.txt first, so the test knows which host ran which run.

    python multihost_upstream.py PORT NAME
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORT, NAME = int(sys.argv[1]), sys.argv[2]
LOCK = threading.Lock()
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "multi-host hello", "version": "1"},
    "servers": [{"url": f"http://127.0.0.1:{PORT}"}],
    "paths": {"/hello": {"get": {
        "operationId": "hello",
        "summary": "Say which host answered",
        "parameters": [
            {"name": "run", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "sleep", "in": "query", "schema": {"type": "number"}},
        ],
        "responses": {"200": {"description": "the host", "content": {"application/json": {"schema": {"type": "object"}}}}},
    }}},
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/spec.json":
            body = json.dumps(SPEC).encode()
        elif url.path == "/hello":
            q = parse_qs(url.query)
            run = q.get("run", [""])[0]
            with LOCK, open("hits.txt", "a") as f:
                f.write(run + "\n")
            time.sleep(min(float(q.get("sleep", ["0"])[0]), 30))
            body = json.dumps({"host": NAME, "run": run}).encode()
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

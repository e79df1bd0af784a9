"""Schemathesis hooks for test_api_fuzz.py: every generated URL for a source points at a closed
loopback port, so fuzzing never makes Junction (or its refresher) reach a host off this machine.
The schema stays truthful (any http(s) URL is accepted); only the test data is narrowed."""

from __future__ import annotations

import schemathesis

LOOPBACK = "http://127.0.0.1:9/fuzz"
URL_FIELDS = ("baseUrl", "specUrl")


def _contain(body):
    if isinstance(body, dict):
        for key in URL_FIELDS:
            value = body.get(key)
            if isinstance(value, str) and "//" in value:
                body[key] = LOOPBACK
    return body


@schemathesis.hook
def map_body(context, body):
    return _contain(body)


@schemathesis.hook
def map_case(context, case):
    case.body = _contain(case.body)
    return case

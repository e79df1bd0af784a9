"""Hostile OpenAPI documents: each small to send and costly (or dangerous) to index.

Shared by `test_specs.py` (through the real refresher) and `ops/bench/index.py`
(`--hostile`, index time and refresher memory). Every builder returns bytes; `HOSTILE`
names each attempt with the builder and the words its refusal must contain.
"""

from __future__ import annotations

import json
from typing import Any, Callable

SERVER = "http://127.0.0.1:9"  # never called: the specs must not index


def _doc(paths: dict[str, Any], schemas: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "hostile", "version": "1"},
                           "servers": [{"url": SERVER}], "paths": paths}
    if schemas is not None:
        doc["components"] = {"schemas": schemas}
    doc.update(extra)
    return doc


def _post(ref: str) -> dict[str, Any]:
    """One operation whose request and response bodies are `ref`."""
    schema = {"$ref": ref}
    return {"post": {"operationId": "boom", "requestBody": {"content": {"application/json": {"schema": schema}}},
                     "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}}


def ref_fanout(levels: int = 6, fanout: int = 60) -> bytes:
    """The issue's 16 KB document: each level's schema has `fanout` properties that `$ref`
    the next level; inlined, one body is fanout^depth nodes."""
    schemas: dict[str, Any] = {}
    for level in range(levels):
        if level == levels - 1:
            schemas[f"L{level}"] = {"type": "string"}
        else:
            schemas[f"L{level}"] = {"type": "object", "properties": {
                f"p{i}": {"$ref": f"#/components/schemas/L{level + 1}"} for i in range(fanout)}}
    return json.dumps(_doc({"/boom": _post("#/components/schemas/L0")}, schemas)).encode()


def ref_fanout_many_operations(operations: int = 4000, fanout: int = 16) -> bytes:
    """A schema that is fine once (fanout^3 nodes) but referenced by thousands of operations."""
    schemas = {"Leaf": {"type": "object", "properties": {f"f{i}": {"type": "string", "description": "a field"} for i in range(fanout)}},
               "Mid": {"type": "object", "properties": {f"m{i}": {"$ref": "#/components/schemas/Leaf"} for i in range(fanout)}},
               "Top": {"type": "object", "properties": {f"t{i}": {"$ref": "#/components/schemas/Mid"} for i in range(fanout)}}}
    ref = {"$ref": "#/components/schemas/Top"}
    paths = {f"/r{i}": {"get": {"operationId": f"get{i}", "responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": ref}}}}}} for i in range(operations)}
    return json.dumps(_doc(paths, schemas)).encode()


def recursive_refs(schemas: int = 8, fanout: int = 60) -> bytes:
    """A ring of mutually recursive schemas, each with `fanout` references to the others."""
    out: dict[str, Any] = {}
    for s in range(schemas):
        out[f"R{s}"] = {"type": "object", "properties": {
            f"p{i}": {"$ref": f"#/components/schemas/R{(s + 1 + i) % schemas}"} for i in range(fanout)}}
    return json.dumps(_doc({"/boom": _post("#/components/schemas/R0")}, out)).encode()


def all_of_fanout(levels: int = 5, fanout: int = 40) -> bytes:
    """allOf/oneOf composition instead of properties: each level combines the next `fanout` times."""
    schemas: dict[str, Any] = {}
    for level in range(levels):
        if level == levels - 1:
            schemas[f"C{level}"] = {"type": "object", "properties": {"leaf": {"type": "integer"}}}
        else:
            key = "allOf" if level % 2 == 0 else "oneOf"
            schemas[f"C{level}"] = {key: [{"$ref": f"#/components/schemas/C{level + 1}"} for _ in range(fanout)]}
    return json.dumps(_doc({"/boom": _post("#/components/schemas/C0")}, schemas)).encode()


def yaml_billion_laughs() -> bytes:
    """Nine levels of nine aliases: 9^9 (387 million) nodes once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\nopenapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n").encode()


def yaml_alias_schemas() -> bytes:
    """Aliases that stay under the YAML node budget but are used as schemas by many operations."""
    lines = ["openapi: 3.0.0", "info: {title: t, version: '1'}", f"servers: [{{url: '{SERVER}'}}]",
             "x-leaf: &leaf {type: object, properties: {" + ", ".join(f"f{i}: {{type: string}}" for i in range(30)) + "}}",
             "x-mid: &mid {type: object, properties: {" + ", ".join(f"m{i}: *leaf" for i in range(30)) + "}}",
             "paths:"]
    for i in range(3000):
        lines.append(f"  /r{i}: {{get: {{operationId: g{i}, responses: {{'200': {{description: ok, content: "
                     f"{{application/json: {{schema: *mid}}}}}}}}}}}}")
    return ("\n".join(lines) + "\n").encode()


def deep_nesting_json(depth: int = 100_000) -> bytes:
    """Brackets nested far deeper than any parser's stack would survive."""
    return b'{"openapi": "3.0.0", "paths": {"/x": ' + b"[" * depth + b"]" * depth + b"}}"


def deep_schema_chain(depth: int = 480, links: int = 4) -> bytes:
    """Schemas nested just under the JSON parser's limit, chained by `$ref` so inlining
    stacks them (recursion over several thousand levels)."""
    schemas: dict[str, Any] = {}
    for link in range(links):
        node: dict[str, Any] = {"$ref": f"#/components/schemas/D{link + 1}"} if link < links - 1 else {"type": "string"}
        for _ in range(depth // 2 - 4):
            node = {"type": "object", "properties": {"x": node}}
        schemas[f"D{link}"] = node
    return json.dumps(_doc({"/boom": _post("#/components/schemas/D0")}, schemas)).encode()


def many_operations(operations: int = 120_000) -> bytes:
    """More operations than any real API has, each a few bytes."""
    paths = {f"/o{i}": {"get": {"responses": {}}} for i in range(operations)}
    return json.dumps(_doc(paths)).encode()


def many_parameters(paths: int = 3000, parameters: int = 2000) -> bytes:
    """One path item with thousands of parameters and eight methods, which thousands of
    paths `$ref`: a few hundred kilobytes, billions of parameter copies."""
    params = [{"name": f"q{i}", "in": "query", "schema": {"type": "string"}} for i in range(parameters)]
    item = {"parameters": params, **{m: {"responses": {}} for m in ("get", "put", "post", "delete", "patch", "head", "options", "trace")}}
    out: dict[str, Any] = {"/base": item}
    for i in range(paths):
        out[f"/p{i}"] = {"$ref": "#/paths/~1base"}
    return json.dumps(_doc(out)).encode()


def enormous_string(megabytes: int = 12, operations: int = 2000) -> bytes:
    """A 12 MB description in a schema that every operation uses."""
    schemas = {"Big": {"type": "string", "description": "x" * (megabytes * 1024 * 1024)}}
    ref = {"$ref": "#/components/schemas/Big"}
    paths = {f"/s{i}": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}}}
             for i in range(operations)}
    return json.dumps(_doc(paths, schemas)).encode()


def huge_enum(values: int = 400_000, operations: int = 500) -> bytes:
    """An enum of 400,000 values in a parameter schema used by every operation."""
    schemas = {"E": {"type": "string", "enum": [f"v{i}" for i in range(values)]}}
    paths = {f"/e{i}": {"get": {"parameters": [{"name": "e", "in": "query", "schema": {"$ref": "#/components/schemas/E"}}],
                                "responses": {}}} for i in range(operations)}
    return json.dumps(_doc(paths, schemas)).encode()


def invalid_utf8_json() -> bytes:
    return b'{"openapi": "3.0.0", "info": {"title": "\xff\xfe bad", "version": "1"}, "paths": {}}'


def invalid_utf8_yaml() -> bytes:
    return b"openapi: 3.0.0\ninfo: {title: \xc3\x28, version: '1'}\npaths: {}\n"


def non_object_root(kind: str) -> bytes:
    return {"array": b"[1, 2, 3]", "string": b'"openapi"', "number": b"42", "null": b"null",
            "yaml list": b"- openapi: 3.0.0\n- paths: {}\n"}[kind]


def security_fanout(operations: int = 3000, schemes: int = 3000) -> bytes:
    """Thousands of security schemes, all required by every operation."""
    defined = {f"k{i}": {"type": "apiKey", "in": "header", "name": f"X-Key-{i}"} for i in range(schemes)}
    requirement = [{f"k{i}": [] for i in range(schemes)}]
    paths = {f"/s{i}": {"get": {"responses": {}}} for i in range(operations)}
    return json.dumps(_doc(paths, security=requirement, components={"securitySchemes": defined})).encode()


def long_names(megabytes: int = 2) -> bytes:
    """An operation id, summary, tag, path and parameter name of megabytes each: accepted,
    but what every search holds in memory is cut to size."""
    big = "a" * (megabytes * 1024 * 1024)
    paths = {"/" + "p" * (megabytes * 1024 * 1024): {"get": {
        "operationId": big, "summary": "S" + big, "tags": ["T" + big], "description": "D" + big,
        "parameters": [{"name": "n" + big, "in": "query", "schema": {"type": "string"}}], "responses": {}}}}
    return json.dumps(_doc(paths)).encode()


def external_refs(evil_url: str) -> bytes:
    """`$ref`s to an attacker's URL and to local files: reported, never fetched."""
    paths = {"/x": {"get": {"parameters": [{"$ref": evil_url + "#/P"}, {"$ref": "file:///etc/passwd#/P"}],
                            "responses": {"200": {"description": "ok", "content": {"application/json": {
                                "schema": {"$ref": "../../../../etc/shadow#/S"}}}}}}}}
    return json.dumps(_doc(paths)).encode()


Builder = Callable[[], bytes]

#: name → (builder, words the refusal must contain)
HOSTILE: dict[str, tuple[Builder, str]] = {
    "ref fan-out (6 levels x 60)": (ref_fanout, "JUNCTION_INDEX_MAX_NODES"),
    "one schema under thousands of operations": (ref_fanout_many_operations, "JUNCTION_INDEX_MAX_NODES"),
    "recursive refs (ring of 8 x 60)": (recursive_refs, "JUNCTION_INDEX_MAX_NODES"),
    "allOf/oneOf fan-out": (all_of_fanout, "JUNCTION_INDEX_MAX_NODES"),
    "YAML billion laughs": (yaml_billion_laughs, "alias expansion"),
    "YAML aliases as shared schemas": (yaml_alias_schemas, "JUNCTION_INDEX_MAX_NODES"),
    "deeply nested JSON": (deep_nesting_json, "nested deeper than"),
    "120,000 operations": (many_operations, "JUNCTION_INDEX_MAX_OPERATIONS"),
    "parameter fan-out through path item $refs": (many_parameters, "JUNCTION_INDEX_MAX_"),
    "12 MB string under 2,000 operations": (enormous_string, "JUNCTION_INDEX_MAX_NODES"),
    "400,000-value enum": (huge_enum, "JUNCTION_INDEX_MAX_NODES"),
    "security scheme fan-out": (security_fanout, "JUNCTION_INDEX_MAX_NODES"),
    "invalid UTF-8 (JSON)": (invalid_utf8_json, "not valid JSON"),
    "invalid UTF-8 (YAML)": (invalid_utf8_yaml, "neither UTF-8 JSON nor YAML"),
    "array root": (lambda: non_object_root("array"), "top level is not an object"),
    "string root": (lambda: non_object_root("string"), "top level is not an object"),
    "YAML list root": (lambda: non_object_root("yaml list"), "top level is not an object"),
}

"""Both halves of an exchange checked against the document, with the mock's own compiled validators.

Each problem is one sentence in the user's terms, `request ...` or `response <status> ...`; the checking itself is
`Operation.check_request` and `Operation.check_answer`. A request that breaks the contract also gets the refusal the
mock itself would answer (`--refuse-invalid`).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.spec.answers import NO_BODY
from mockserver.spec.media import chosen
from mockserver.spec.parameters import check_parameters
from mockserver.spec.routes import Found

REQUEST = "request "


@dataclass(frozen=True)
class RequestCheck:
    problems: list[str]  # each starting `request `
    refusal: ApiError | None  # what the mock itself would answer; None when the request keeps the contract
    breaches: frozenset[tuple[str, str]] = frozenset()  # the problems as (field, rule), for the coverage counters
    body: Any = None  # the body as read (None: none, or unreadable), for the coverage counters' fields sent


def check_request(
    found: Found,
    method: str,
    path: str,
    headers: Mapping[str, str],
    query: Mapping[str, list[str]],
    cookies: Mapping[str, str],
    raw: bytes,
    near: str | None = None,
) -> RequestCheck:
    """`near`: the documented `METHOD path` a request that finds no operation probably meant (`near_miss`)."""
    operation = found.operation
    shown = path[:200]
    if operation is None:
        if found.allowed:
            allow = ", ".join(found.allowed)
            return RequestCheck(
                [f"{REQUEST}method: {method} is not documented for {shown} (documented: {allow})"],
                ApiError(405, f"{method} {shown}: method not allowed; this path accepts {allow}", {"Allow": allow}),
            )
        meant = f"; did you mean {near}?" if near else ""
        return RequestCheck(
            [f"{REQUEST}path: {method} {shown} matches no operation in the document{meant}"],
            ApiError(
                404, f"{method} {shown}: no such endpoint in the document{meant or ' (see /openapi.json at the mock)'}"
            ),
        )
    body: Any = NO_BODY
    media = None
    if raw and operation.bodies:
        content_type = headers.get("content-type")
        try:
            media = chosen(operation.bodies, content_type)
            body = media.decode(content_type, raw)
        except ApiError as unreadable:  # the mock's own 415 or 400; the parameters are still checked
            params = check_parameters(operation.parameters, found.path_params, query, headers, cookies)
            problems = [REQUEST + unreadable.message, *(REQUEST + p for p in params)]
            return RequestCheck(problems, ApiError(unreadable.status, "; ".join([unreadable.message, *params])))
    problems = operation.check_request(found.path_params, query, headers, cookies, body, prefix=REQUEST, media=media)
    if not problems:
        return RequestCheck([], None, body=body)
    own = operation.check_request(found.path_params, query, headers, cookies, body, media=media)  # its 400's words
    breaches = operation.breaches(found.path_params, query, headers, cookies, body, media=media)
    return RequestCheck(problems, ApiError(400, "; ".join(own)), frozenset(breaches), body)


def response_breaches(found: Found, status: int, body: Any, problems: list[str]) -> set[tuple[str, str]]:
    """An answer's problems as (field, rule), bounded by the document: the JSON body's rules by field, else where
    the answer went wrong (`response status: undocumented`, `response 200: media type or body`)."""
    operation = found.operation
    if operation is None or not problems:
        return set()
    answer = operation.answer(status)
    if answer is None:
        return {("response status", "undocumented")}
    key = next(k for k in (str(status), f"{status // 100}XX", "DEFAULT") if k in operation.answers)
    where = f"response {'default' if key == 'DEFAULT' else key}"
    if body is not None and answer.validator is not None:
        found_rules = answer.validator.breaches(body, f"{where} body")
        if found_rules:
            return found_rules
    return {(where, "media type or body")}


def decode(raw: bytes, content_encoding: str | None, max_bytes: int) -> tuple[bytes | None, str | None]:
    """The body without its Content-Encoding (gzip or deflate), or None and why it cannot be read here."""
    coding = (content_encoding or "identity").strip().lower()
    if coding == "identity" or not raw:
        return raw, None
    if coding not in ("gzip", "x-gzip", "deflate"):
        return None, f"Content-Encoding {coding[:40]!r} cannot be decoded here; the body was not checked"
    wbits = 16 + zlib.MAX_WBITS if coding != "deflate" else (zlib.MAX_WBITS if raw[:1] == b"\x78" else -zlib.MAX_WBITS)
    decoder = zlib.decompressobj(wbits)
    try:
        plain = decoder.decompress(raw, max_bytes + 1)  # bounded: a small body cannot unpack into a large one
    except zlib.error as exc:
        return None, f"Content-Encoding {coding}: the body does not decode ({exc}); it was not checked"
    if len(plain) > max_bytes or decoder.unconsumed_tail:
        return None, f"the body decodes to more than {max_bytes} bytes (--max-body-bytes); it was not checked"
    return plain, None


def check_response(
    found: Found, method: str, status: int, content_type: str | None, body: bytes | None
) -> tuple[list[str], Any]:
    """The answer's problems (none when the request had no operation: that was the request's problem), and its JSON.
    `body` None means it could not be decoded: only the status is checked."""
    operation = found.operation
    if operation is None:
        return [], None
    if method == "HEAD" or body is None:  # a HEAD answer never has a body
        return operation.check_response(status, None), None
    return operation.check_answer(status, content_type, body)

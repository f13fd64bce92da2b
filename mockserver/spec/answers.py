"""An operation's documented answers: for each status (or `2XX` range, or `default`), the body the mock sends, its
Content-Type, its documented headers, and the shape its errors take.

The rules, in one place:
- The success status is the documented 2xx (201 for a POST and 204 for a DELETE where documented, else the lowest);
  with no 2xx, a documented `2XX` range or `default`, answered as 200; with neither, the lowest documented status.
- A status the document lists only as a range (`4XX`) or through `default` is answered with that response's shape.
- A refused request gets the documented status that fits (`refusal_statuses`): its own (or its range's, or
  `default`); else the usual alternative where documented (422 for an invalid request, 403 for a missing credential);
  else a documented 4xx whose description names that refusal (AWS's `481: InvalidInputException`); only where none
  fits, the status itself, which the document does not list. The body is the documented error shape with the reason
  in its message field.
- The media type sent is JSON where the document gives JSON (or `*/*`), else text, else the first it names.
- Documented response headers are sent with a value valid against their schema, computed at start-up.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.core.json_codec import dumps
from mockserver.spec.document import RefError, follow
from mockserver.spec.findings import Findings, Place
from mockserver.spec.generate import GenerationError, realistic
from mockserver.spec.media_types import base_media, is_json
from mockserver.spec.schemas import Schemas
from mockserver.spec.shape import Resolve, deref, kind_of, shape_of
from mockserver.spec.validation import BodyValidator, body_validator

# Where a documented error shape's message goes, when the shape names no `error`: DRF's `detail`, then the rest.
_MESSAGE_FIELDS = ("error", "detail", "message", "msg", "title", "text")
# Headers the server itself writes: a documented one of these is never sent from the document.
_OWN_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding", "connection", "date", "server"})
_EPOCH = 1_700_000_000.0  # the moment start-up draws (header values, error shapes) are made at: fixed, so repeatable
NO_BODY: Any = object()  # an answer without a body


@dataclass(frozen=True)
class Answer:
    """One documented response, as the mock sends it."""

    status: int  # the status the mock answers with (200 for `2XX` and `default`)
    schema: dict[str, Any] | None  # the body's schema as code walks it; None when the mock sends no body
    validator: BodyValidator | None
    examples: dict[str, Any]  # name -> value, each valid against the schema
    vendor: bool  # documented by the vendor, not an `x-mock` addition
    media: tuple[str, ...] = ()  # the media types its `content` documents, lower case; empty: no body
    content_type: str | None = None  # the one the mock sends
    headers: dict[str, str] = field(default_factory=dict)  # documented headers, with the value the mock sends
    message_at: tuple[str | int, ...] | None = None  # in an error shape, where the string that says why goes
    template: Any = None  # a valid value of the error shape, for the message to join
    says: str = ""  # its description and reference name as lower-case words (`words_of`)

    @property
    def placeholder(self) -> Any:
        """The body of this answer when nothing more is known: none without documented content, `{}` for JSON
        without a schema, else empty text."""
        if self.content_type is None:
            return NO_BODY
        return {} if self.json else ""

    @property
    def json(self) -> bool:
        return self.content_type is not None and is_json(self.content_type)

    def encode(self, value: Any) -> bytes:
        """`value` as this answer's media type carries it."""
        if self.json or not isinstance(value, (str, bytes)):
            return dumps(value)
        return value.encode() if isinstance(value, str) else value

    def error(self, message: str) -> Any:
        """`message` in this error shape: its template with the message where the shape says why (`detail`,
        `error.message`, `[0].msg`...), when that stays valid; the template alone otherwise. Where the shape has no
        place for it: the vendor's `{"error": ...}`, when there is no shape or it allows that (AWS's `{}`), else the
        template."""
        if self.validator is None or self.message_at is None:
            plain = {"error": message}
            if self.template is None or (self.validator is not None and self.validator.compiled.is_valid(plain)):
                return plain
            return self.template
        body = _placed(self.template, self.message_at, message)
        if self.template is not None and not self.validator.compiled.is_valid(body):
            return self.template
        return body


def answer_for(responses: Mapping[str, Answer], status: int) -> Answer | None:
    """The documented response for `status`: its own, else its range's (`4XX`), else `default`."""
    return responses.get(str(status)) or responses.get(f"{status // 100}XX") or responses.get("DEFAULT")


def choose_success(method: str, responses: Mapping[str, Answer]) -> int:
    """The status an accepted request gets (the rules above)."""
    documented = sorted(int(s) for s in responses if s.isdigit() and 200 <= int(s) < 300)
    preferred = {"post": 201, "delete": 204}.get(method)
    if preferred in documented:
        return preferred
    if documented:
        return documented[0]
    if "2XX" in responses or "DEFAULT" in responses:
        return 200
    # The vendor's own statuses: the mock's additions (its 400 and 401) are never what a request succeeds with.
    listed = sorted(int(s) for s, answer in responses.items() if s.isdigit() and answer.vendor)
    return listed[0] if listed else 200


def unbuildable_status(responses: Mapping[str, Answer]) -> int:
    """The clearest documented error for an answer the mock cannot build: the lowest documented 5xx, else
    `default` (as 500), else the lowest documented 4xx; 501 where the document lists none."""
    listed = sorted(int(s) for s in responses if s.isdigit() and int(s) >= 400)
    servers = [s for s in listed if s >= 500]
    if servers:
        return servers[0]
    if "5XX" in responses or "DEFAULT" in responses:
        return 500
    return listed[0] if listed else 501


# For each refusal the mock makes: the documented status it prefers after its own, and the words by which a
# response's description says it is that refusal, best first. An unsupported media type is an invalid request too.
_FITS: dict[int, tuple[tuple[int, ...], tuple[str, ...]]] = {
    400: ((422,), ("validation", "invalid", "bad request", "malformed", "missing", "unprocessable")),
    401: (
        (403,),
        (
            *("unauthenticated", "unauthorized", "unauthorised", "not authorized", "authentication", "credential"),
            *("forbidden", "access denied"),  # as AWS answers a request without a signature
        ),
    ),
    403: ((), ("forbidden", "access denied", "not authorized", "permission")),
    404: ((), ("not found", "no such", "does not exist")),
    415: ((), ("unsupported media", "media type", "content type")),
}
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def words_of(text: str) -> str:
    """`text` as lower-case words: "InvalidInputException" -> "invalid input exception"."""
    return " ".join(_WORDS.findall(text)).lower()


def refusal_statuses(responses: Mapping[str, Answer]) -> dict[int, int]:
    """The status each refusal gets as the vendor documents it (the rule at the top; the overlay's own 400 and 401
    are what the mock answers only where nothing the vendor documents fits); a refusal not in the result keeps its
    own. An unsupported media type that nothing documents (not even the overlay) is answered as an invalid request
    is, when that status is documented."""
    vendor = {key: answer for key, answer in responses.items() if answer.vendor}
    listed = sorted((int(s), a.says) for s, a in vendor.items() if s.isdigit() and 400 <= int(s) < 500)
    chosen: dict[int, int] = {}
    for wanted, (alternatives, words) in _FITS.items():
        if answer_for(vendor, wanted) is not None:
            continue
        status = next((a for a in alternatives if str(a) in vendor), None)
        for word in words if status is None else ():
            status = next((s for s, says in listed if word in says), None)
            if status is not None:
                break
        invalid = chosen.get(400, 400)
        if status is None and wanted == 415 and answer_for(responses, 415) is None and answer_for(vendor, invalid):
            status = invalid
        if status is not None:
            chosen[wanted] = status
    return chosen


def compile_answer(
    key: str, raw: Any, here: Place, at: str, schemas: Schemas, document: dict[str, Any], found: Findings
) -> Answer | None:
    """The response `raw` documented under `key` (`"200"`, `"4XX"`, `"DEFAULT"`), at place `here` of its operation
    and pointer `at` of the document; None when it cannot be used (the note says why)."""
    try:
        response, where = follow(raw, document, at)
    except RefError as exc:
        found.leave_out(here, f"response {key}: {exc}; not answered")
        return None
    response = response if isinstance(response, dict) else {}
    status = int(key) if key.isdigit() else 200 if key in ("2XX", "DEFAULT") else int(key[0]) * 100
    vendor = not (isinstance(raw, dict) and raw.get("x-mock") is True)
    content: dict[str, Any] = response["content"] if isinstance(response.get("content"), dict) else {}
    media = tuple(base_media(str(kind)) for kind in content)
    if status in (204, 304) and content:
        listed = ", ".join(content)
        found.leave_out(
            (*here, "content"), f"response {key} documents a body ({listed}), but a {status} has none; ignored"
        )
        content, media = {}, ()
    chosen = _chosen(content)
    schema, validator, examples, sent = None, None, {}, None
    if chosen is not None:
        kind, body = chosen
        sent = _sent_media(kind, media)
        place, what = (*here, "content", kind), f"response {key} schema"
        if isinstance(body.get("schema"), dict) and _has_shape(body["schema"]):
            try:
                validator = body_validator(schemas, f"{where}/content/{_escape(kind)}/schema", "response")
            except ValueError as exc:
                found.leave_out((*place, "schema"), f"{what} is not a usable schema ({_first_line(exc)}); ignored")
        schema = validator.schema if validator else None
        examples = _examples(body, document, validator, key, place, found)
        if validator is not None and not examples and status < 400:
            _probe(validator, key, found, schemas.probed)
    headers = _headers(response, where, schemas, document, key, found)
    message_at, template = None, None
    if status >= 400 or key == "DEFAULT":  # an error shape: where its message goes, and the rest of it
        message_at = _message_at(schema, validator.resolve if validator else None)
        template = _template(schema, validator, examples, message_at)
    named = str(raw["$ref"]).rsplit("/", 1)[-1] if isinstance(raw, dict) and "$ref" in raw else ""
    says = words_of(f"{response.get('description', '')} {named}")
    return Answer(status, schema, validator, examples, vendor, media, sent, headers, message_at, template, says)


def _probe(validator: BodyValidator, key: str, found: Findings, probed: dict[int, str | None]) -> None:
    """Warn at start-up about an answer whose schema no value can meet (and that has no example to fall back on).
    Operations share schemas: each is tried once (`probed`, by the schema node's identity)."""
    if id(validator.schema) not in probed:
        try:
            realistic(validator.schema, random.Random(0), _EPOCH, validator, resolve=validator.resolve)
            probed[id(validator.schema)] = None
        except GenerationError as exc:
            probed[id(validator.schema)] = str(exc)
    reason = probed[id(validator.schema)]
    if reason is not None:
        found.notes.append(
            f"response {key}: no value its schema allows can be built ({reason}); a documented error is answered instead"
        )


def _chosen(content: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The documented media the mock answers with: JSON first, then `*/*`, then text, then the first."""
    kinds = [(str(k), v if isinstance(v, dict) else {}) for k, v in content.items()]
    for test in (lambda b: is_json(b), lambda b: b in ("*/*", "application/*"), lambda b: b.startswith("text/")):
        for kind, media in kinds:
            if test(base_media(kind)):
                return kind, media
    return kinds[0] if kinds else None


def _sent_media(kind: str, media: tuple[str, ...]) -> str:
    base = base_media(kind)
    if base in ("*/*", "application/*"):
        return "application/json"
    if base.endswith("/*"):
        return base[:-1] + ("plain" if base == "text/*" else "octet-stream")
    return base


def _examples(
    media: dict[str, Any],
    document: dict[str, Any],
    validator: BodyValidator | None,
    key: str,
    place: Place,
    found: Findings,
) -> dict[str, Any]:
    """The media's named examples (and its `example`, else its schema's) that the mock can serve: valid ones."""
    listed = [(str(n), (*place, "examples", n), ex) for n, ex in (media.get("examples") or {}).items()]
    if "example" in media:
        listed.append(("example", (*place, "example"), {"value": media["example"]}))
    elif validator is not None and isinstance(validator.schema, dict) and "example" in validator.schema:
        listed.append(("example", (*place, "schema", "example"), {"value": validator.schema["example"]}))
    out: dict[str, Any] = {}
    for name, where, raw in listed:
        try:
            example, _ = follow(raw, document, "")
        except RefError as exc:
            found.leave_out(where, f"response {key} example {name!r}: {exc}; ignored")
            continue
        if not isinstance(example, dict) or "value" not in example:
            continue
        problems = validator.errors(example["value"]) if validator else []
        if problems:
            found.leave_out(where, f"response {key} example {name!r} breaks its own schema ({problems[0]}); not served")
        else:
            out.setdefault(name, example["value"])
    return out


def _headers(
    response: dict[str, Any], where: str, schemas: Schemas, document: dict[str, Any], key: str, found: Findings
) -> dict[str, str]:
    """Each documented header with a value valid against its schema: its example, else one drawn at start-up."""
    out: dict[str, str] = {}
    for name, raw in (response.get("headers") or {}).items():
        if str(name).lower() in _OWN_HEADERS:
            continue
        try:
            header, at = follow(raw, document, f"{where}/headers/{_escape(str(name))}")
        except RefError as exc:
            found.notes.append(f"response {key} header {name}: {exc}; not sent")
            continue
        if not isinstance(header, dict):
            continue
        value = _header_value(header, at, schemas)
        if value is None:
            if header.get("required") is True:
                found.notes.append(f"response {key} header {name}: no value can be made from its schema; not sent")
            continue
        out[str(name)] = value
    return out


def _header_value(header: dict[str, Any], at: str, schemas: Schemas) -> str | None:
    examples = [e.get("value") for e in (header.get("examples") or {}).values() if isinstance(e, dict)]
    candidates = [header["example"]] if "example" in header else examples[:1]
    validator = None
    if isinstance(header.get("schema"), dict):
        try:
            validator = body_validator(schemas, f"{at}/schema", "response")
        except ValueError:
            return None
        with contextlib.suppress(GenerationError):
            candidates.append(
                realistic(validator.schema, random.Random(0), _EPOCH, validator, resolve=validator.resolve)
            )
    for value in candidates:
        if value is not None and (validator is None or not validator.errors(value)):
            return _header_text(value)
    return None


def _header_text(value: Any) -> str:
    """A value as a header carries it (OpenAPI's `simple` style)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(_header_text, value))
    if isinstance(value, dict):
        return ",".join(f"{k},{_header_text(v)}" for k, v in value.items())
    text = str(value)
    return (
        text if text.isascii() and "\n" not in text and "\r" not in text else text.encode("ascii", "replace").decode()
    )


def _template(
    schema: dict[str, Any] | None,
    validator: BodyValidator | None,
    examples: dict[str, Any],
    message_at: tuple[str | int, ...] | None,
) -> Any:
    """A valid value of an error shape for the message to join: None when the message alone is one, else a
    documented example, else a realistic draw."""
    if validator is None or schema is None:
        return None
    if message_at is not None and validator.compiled.is_valid(_placed(None, message_at, "x")):
        return None  # the message alone is a valid answer
    for value in examples.values():
        return value
    try:
        return realistic(schema, random.Random(0), _EPOCH, validator, resolve=validator.resolve)
    except GenerationError:
        return None


def _message_at(schema: Any, resolve: Resolve | None) -> tuple[str | int, ...] | None:
    """Where an error shape's message goes: a string property named as messages are (`error`, `detail`, `message`...)
    at any depth, inside objects and lists (`error.message`, `[0].msg`, Berlin Group's `tppMessages[0].text`, Visma's
    `error.details[0].message`); else its first required string, else any string that takes free text."""
    return _place_of(schema, resolve, 4, named=True) or _place_of(schema, resolve, 4, named=False)


def _place_of(schema: Any, resolve: Resolve | None, depth: int, *, named: bool) -> tuple[str | int, ...] | None:
    schema = deref(schema, resolve)
    if depth == 0 or not isinstance(schema, dict):
        return None
    if kind_of(schema, resolve) == "array":
        inner = _place_of(schema.get("items"), resolve, depth - 1, named=named)
        return (0, *inner) if inner is not None else None
    for key in ("anyOf", "oneOf"):  # a nullable reference (`anyOf: [{$ref: Error}, {type: null}]`): its branches
        branches = schema.get(key)
        for branch in branches if isinstance(branches, list) else ():
            inner = _place_of(branch, resolve, depth, named=named)
            if inner is not None:
                return inner
    shape = shape_of(schema, resolve)
    strings = [name for name, sub in shape.properties.items() if _free_text(deref(sub, resolve))]
    for name in _MESSAGE_FIELDS if named else (*_MESSAGE_FIELDS, *sorted(shape.required), *strings):
        if name in strings:
            return (name,)
    for name in dict.fromkeys((*_MESSAGE_FIELDS, "errors", *sorted(shape.required), *shape.properties)):
        if name in shape.properties:
            inner = _place_of(shape.properties[name], resolve, depth - 1, named=named)
            if inner is not None:
                return (name, *inner)
    return None


def _placed(template: Any, at: tuple[str | int, ...], message: str) -> Any:
    """A copy of `template` with `message` at `at` (made where missing)."""
    if not at:
        return message
    head, rest = at[0], at[1:]
    if isinstance(head, int):
        items = list(template) if isinstance(template, list) and template else [None]
        return [_placed(items[0], rest, message), *items[1:]]
    base = dict(template) if isinstance(template, dict) else {}
    return {**base, head: _placed(base.get(head), rest, message)}


def _free_text(schema: Any) -> bool:
    """A string schema that any sentence meets: no listed values, pattern or format."""
    if not isinstance(schema, dict) or schema.keys() & {"enum", "const", "pattern", "format"}:
        return False
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _has_shape(schema: dict[str, Any]) -> bool:
    return any(k not in ("description", "title", "example", "examples") for k in schema)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

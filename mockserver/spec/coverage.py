"""What the coverage counters count (issue 20), worked out once per operation at start-up.

A request adds one to a few counters, each keyed by a small tuple whose parts all come from the document, so the
counters are bounded by it (operations × answers × fields), whatever the traffic:

- `("a", operation, answer, variant)`: a documented answer served. `answer` is the status key as documented (`"200"`,
  `"4XX"`, `"default"`); `variant` is `""`, `"example:<name>"` when a named example was chosen, or `"fault"`.
- `("r", operation, kind)`: a refusal, by kind (`REFUSAL_KINDS`).
- `("b", operation, field, rule)`: a rule the request broke, e.g. `("b", "iframe_create", "body.ttl", "minimum")`.
- `("s", operation, field)`: a field the client sent that the operation declares (`body.ttl`, `query.page`), so a
  reader (`mockserver diff`) can say "your tests send X".

The stores add them up (memory: a dict of ints; Redis: HINCRBY in the request's one round trip, store/round.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.core.coverage import Key
from mockserver.spec.answers import Answer

# A refusal's kind by the status it was meant as (before the document's own status for it, a 400 may be a 422).
REFUSAL_KINDS = {401: "auth", 403: "auth", 413: "size", 415: "media type", 429: "rate limit"}


def answer_label(key: str) -> str:
    """A documented status key as the document spells it (`DEFAULT` is kept upper-cased by spec/answers.py)."""
    return "default" if key == "DEFAULT" else key


@dataclass
class OperationPlan:
    """One operation's counters, precomputed: its documented answers, where each status falls, what it declares."""

    operation_id: str
    method: str
    path: str
    answers: tuple[str, ...]  # documented status keys as documented, in the document's order
    success: int
    body_fields: frozenset[str]
    parameters: Mapping[str, tuple[tuple[str, str], ...]]  # location -> (name as sent, field) of declared ones
    # Per documented answer not served yet: how a test gets it, one copyable line each. `on_request`: the answers the
    # mock gives only when asked (a 429, a 5xx...), apart from those an ordinary or invalid request gets.
    hints: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    on_request: frozenset[str] = frozenset()
    _keys: dict[int, str | None] = field(default_factory=dict, repr=False)  # status -> documented key (≤ 500)
    _sent_keys: Mapping[tuple[str, str], Key] = field(default_factory=dict, repr=False)  # (location, name) -> key
    _answers: Mapping[str, Answer] = field(default_factory=dict, repr=False)

    def key_of(self, status: int) -> str | None:
        """The documented answer `status` falls under (its own, its range's, `default`); the status itself when the
        operation does not document it (the report lists it apart); None for no HTTP status."""
        try:
            return self._keys[status]
        except KeyError:
            pass
        found: str | None = None
        if 100 <= status <= 599:
            found = str(status)
            for key in (str(status), f"{status // 100}XX", "DEFAULT"):
                if key in self._answers:
                    found = answer_label(key)
                    break
            self._keys[status] = found
        return found

    def sent(self, query: Mapping[str, Any], headers: Mapping[str, str], body: Any) -> list[Key]:
        """The declared fields a request carries (query and header parameters, top-level body properties)."""
        keys = self._sent_keys
        found = [keys[("query", k)] for k in query if ("query", k) in keys] if query else []
        if self.parameters.get("header"):
            found += [keys[("header", k)] for k in headers if ("header", k) in keys]
        if isinstance(body, dict) and self.body_fields:
            found += [keys[("body", k)] for k in body if ("body", k) in keys]
        return found


def _status_of(key: str, documented: Mapping[str, Any]) -> int:
    """A status `Prefer: code=` can ask for that falls under `key`: `4XX` the first of its range not documented on
    its own, `default` the first error status neither documented nor in a documented range."""
    if key.isdigit():
        return int(key)
    if key.endswith("XX"):
        start = int(key[0]) * 100
        return next((s for s in range(start, start + 100) if str(s) not in documented), start)
    errors = [500, *range(400, 600)]
    return next((s for s in errors if str(s) not in documented and f"{s // 100}XX" not in documented), 500)


def _hints(operation: Any, key: str) -> tuple[tuple[str, ...], bool]:
    """How a test gets answer `key` of `operation`, and whether only by asking for it (Prefer, a fault, the clock)."""
    status = _status_of(key, operation.answers)
    method, path = operation.method, operation.path
    natural = ""
    if 200 <= status < 300 and status == operation.success:
        natural = f"call {method} {path} with a valid request"
    elif status == operation.refusal(400) and (operation.parameters or operation.bodies or operation.body):
        natural = f"send {method} {path} a request the document refuses"
    elif status == 401 and not operation.security.anonymous:
        natural = f"call {method} {path} without credentials"
    elif status == 404 and "{" in path:
        natural = f"call {method} {path} naming a resource that does not exist"
    elif status == 415 and operation.bodies:
        natural = f"send {method} {path} a body of an undocumented Content-Type"
    elif status == 413 and operation.bodies:
        natural = f"send {method} {path} a body larger than --max-body-bytes"
    where = f'"path": "{path}", ' if "{" not in path else ""
    asked = [
        f"Prefer: code={status}",
        f'POST /__mock/faults {{{where}"method": "{method}", "status": {status}}}',
        f"camel_mock.faults.add({repr(path) + ', ' if '{' not in path else ''}method={method!r}, status={status})",
    ]
    if status == 410:
        asked.append(
            'camel_mock.clock.advance(SECONDS)  # past the link\'s expiry: POST /__mock/clock {"advance": SECONDS}'
        )
    return ((natural, *asked) if natural else tuple(asked)), not natural


def plan_of(operation: Any) -> OperationPlan:
    """The counters of a compiled `spec.operation.Operation` (typed loosely: operation.py imports nothing of this)."""
    parameters: dict[str, list[tuple[str, str]]] = {}
    for param in operation.parameters:
        sent_as = param.name.lower() if param.location == "header" else param.name
        parameters.setdefault(param.location, []).append((param.field, sent_as))
    hints = {answer_label(k): _hints(operation, k) for k in operation.answers}
    op = operation.operation_id
    body_fields = frozenset(operation.fields or ())
    sent_keys: dict[tuple[str, str], Key] = {("body", name): ("s", op, f"body.{name}") for name in body_fields}
    sent_keys.update(((loc, sent_as), ("s", op, f)) for loc, pairs in parameters.items() for f, sent_as in pairs)
    return OperationPlan(
        operation.operation_id,
        operation.method,
        operation.path,
        tuple(answer_label(k) for k in operation.answers),
        operation.success,
        body_fields,
        {loc: tuple(pairs) for loc, pairs in parameters.items()},
        hints={k: lines for k, (lines, _) in hints.items()},
        on_request=frozenset(k for k, (_, asked) in hints.items() if asked),
        _answers=operation.answers,
        _sent_keys=sent_keys,
    )


def refusal_kind(status: int, breaches: Any) -> str | None:
    """A refusal's kind: by the status it was meant as, or for an invalid request (400) by the fields it broke
    (body or parameter); None for a refusal of none of the kinds (a deleted resource's 404, ...)."""
    if status != 400:
        return REFUSAL_KINDS.get(status)
    if breaches and all(not f.startswith("body") for f, _ in breaches):
        return "parameter"
    return "body"

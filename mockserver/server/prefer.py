"""Which answer a create gets when it is not the realistic one: Prism's `Prefer` header, or fuzz mode.

Auth and request validation run first, as in Prism: `Prefer` can choose among the documented
answers to a request the mock would accept, but cannot make a rejected request succeed. Every
chosen body comes from the contract (a named example or a draw from the response schema), so it is
valid against the served spec. What `Prefer` understands, following Prism:

- `code=<status>`: the documented response for that status. The operation's own success status alone
  (`code=200` for the create) keeps the realistic, stateful answer; other codes answer with their first
  example, or a body drawn from the schema.
- `example=<name>`: a named example from the responses' `examples` (with `code`, from that status).
- `dynamic=true`: a body drawn from the response schema (of `code`, else the operation's success status).

An unknown status, example or `dynamic` value is a 400 naming the choice and listing what exists.
Other preferences (`return=minimal`, ...) are ignored, as RFC 7240 asks.

`--responses fuzz --seed N` answers every accepted request with a body drawn from a vendor-documented
response of its operation (200 or 400 for the create), deterministic for a seed and the order of requests.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.spec.contract import Answer, Operation
from mockserver.spec.generate import GenerationError, generate, integer_edges

MODES = ("realistic", "fuzz")
SHOWN = 60  # characters of a client's Prefer value quoted back in an error


def shown(value: str) -> str:
    """A Prefer value as an error quotes it: a long one cut, with its length."""
    return value if len(value) <= SHOWN else f"{value[:SHOWN]}… ({len(value)} characters)"


@dataclass(frozen=True)
class Chosen:
    status: int
    body: Any
    example: str | None = None  # the named example chosen, if one was (the coverage counters name it)


def parse_prefer(header: str) -> dict[str, str]:
    """`code=400, example=x; dynamic=true` → `{"code": "400", "example": "x", "dynamic": "true"}`."""
    out: dict[str, str] = {}
    for part in header.replace(";", ",").split(","):
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if name and sep:
            out.setdefault(name, value.strip().strip('"'))
    return out


DRAWN_KEPT = 256  # realistic answers kept per operation


class Responder:
    """Chooses the answer to an accepted request; `None` means "answer realistically"."""

    def __init__(self, operation: Operation, mode: str = "realistic", seed: int | None = None):
        if mode not in MODES:
            raise ValueError(f"--responses {mode!r} is not one of {', '.join(MODES)}")
        self.operation = operation
        self.mode = mode
        self.fuzzing = mode == "fuzz"
        self.seed = seed if seed is not None else 0
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()  # one draw at a time keeps the sequence a function of request order
        # The request's integer bounds (ttl 60..3600, ...) are the likeliest values a client meets in answers.
        body = operation.body
        self._edges = integer_edges(body.schema, resolve=body.resolve) if body else ()
        self._fuzzed = [a for s, a in sorted(operation.responses.items()) if a.vendor and a.schema is not None]
        self._drawn: OrderedDict[Hashable, Any] = OrderedDict()  # realistic answers by request, most recent last

    def drawn(self, key: Hashable, draw: Callable[[], Any]) -> Any:
        """The realistic answer `draw()` builds for a request, kept for the next request with the same `key`: a
        draw is a function of the request and the clock's second (spec/generate.py), and building one is a third of
        a generic operation's time. At most `DRAWN_KEPT` are kept, the least recently asked for going first."""
        kept = self._drawn
        found = kept.get(key, kept)
        if found is not kept:
            kept.move_to_end(key)
            return found
        value = kept[key] = draw()
        if len(kept) > DRAWN_KEPT:
            kept.popitem(last=False)
        return value

    def restart(self) -> None:
        """Back to the first draw of the seed (a fresh mock)."""
        with self._lock:
            self._rng = random.Random(self.seed)

    def choose(self, prefer: str | None) -> Chosen | None:
        wanted = parse_prefer(prefer) if prefer else {}
        if wanted.keys() & {"code", "example", "dynamic"}:
            return self._preferred(wanted)
        if self.fuzzing and self._fuzzed:
            with self._lock:
                answer = self._rng.choice(self._fuzzed)
                return Chosen(answer.status, self._draw(answer))
        return None

    def _preferred(self, wanted: dict[str, str]) -> Chosen | None:
        operation = self.operation
        answers = operation.responses
        where = f"{operation.method} {operation.path}"
        code = wanted.get("code")
        answer: Answer | None = None
        status = operation.success
        if code is not None:
            # Three ASCII digits: int() of ten thousand digits is a ValueError, not a status.
            if len(code) == 3 and code.isascii() and code.isdigit():
                status, answer = int(code), operation.answer(int(code))
            if answer is None:
                documented = ", ".join(operation.answers)
                raise ApiError(
                    400, f"Prefer: code={shown(code)} is not a documented response of {where}; documented: {documented}"
                )
        dynamic = wanted.get("dynamic", "false").lower()
        if dynamic not in ("true", "false"):
            raise ApiError(400, f"Prefer: dynamic={shown(wanted['dynamic'])} is not true or false")
        name = wanted.get("example")
        if name is not None:
            pool = [(status, answer)] if answer else [(a.status, a) for a in answers.values()]
            for at, candidate in pool:
                if name in candidate.examples:
                    return Chosen(at, candidate.examples[name], name)
            known = ", ".join(f"{a.status}:{n}" for _, a in pool for n in a.examples) or "none"
            raise ApiError(400, f"Prefer: example={shown(name)} is not a named example of {where}; examples: {known}")
        answer = answer or operation.answer(operation.success)
        if answer is None:
            return None
        if dynamic == "true":
            with self._lock:
                return Chosen(status, self._draw(answer))
        if status == operation.success:
            return None  # the success status alone: the realistic answer (for the create, a live link behind it)
        if answer.examples:
            name, example = next(iter(answer.examples.items()))
            return Chosen(status, example, name)
        with self._lock:
            return Chosen(status, self._draw(answer))

    def _draw(self, answer: Answer) -> Any:
        if answer.schema is None:
            return answer.placeholder
        resolve = answer.validator.resolve if answer.validator else None
        try:
            return generate(answer.schema, self._rng, answer.validator, self._edges, resolve=resolve)
        except GenerationError as exc:
            raise self.operation.unbuildable(answer.status, str(exc)) from None

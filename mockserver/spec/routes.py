"""The route table: which operation a method and path are for, built once per contract (`Contract.routes`).

The one place paths are compiled and ordered. The server's routing, the proxy, replay and the collections all read
it. Paths are tried literal segments first, so /sources/add/ is not taken for /sources/{id}/; HEAD is answered as GET
where the document has no HEAD of its own. `near_miss` names the documented path a request that found none probably
meant (a trailing slash, a prefix, one misspelt segment), for the 404 to say so.

A template may end in keys that tell operations on one path apart, as AWS's documents write them:
`/tags/{arn}#tagKeys` (an operation whose query carries `tagKeys`), `/{Bucket}?list-type=2`, `/#Action=DeleteAlarms`,
`/#X-Amz-Target=Lightsail.AllocateStaticIp` (a header). No request path holds `#` or `?`, so such an operation is
served on the path before them; where several share a method there, the one whose keys (and values) the request's
query or headers carry answers, else the one that names none, else the first (whose own checks then name the
parameter that chooses).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import parse_qsl

from mockserver.spec.operation import Operation

_PARAM = re.compile(r"{([^{}/]+)}")  # OpenAPI's template: any name in braces (Starlette's needs an identifier)
_HINTED_LENGTH = 2048  # a longer path gets no hint: the search stays bounded whatever a client sends
_TYPO_RATIO = 0.8  # how alike a misspelt literal segment must be to the documented one
_MARKS = re.compile(r"[#?]")  # where a template's query keys start (`/tags/{arn}#tagKeys`, `/{Bucket}?uploads`)

Marks = tuple[tuple[str, str | None], ...]  # keys a request for the operation carries, with a value or None
Headers = Sequence[tuple[bytes, bytes]]  # as ASGI gives them: lower-case names


def split_template(template: str) -> tuple[str, Marks]:
    """`/{Bucket}?list-type=2` → `("/{Bucket}", (("list-type", "2"),))`; a template without marks is its own path."""
    found = _MARKS.search(template)
    if found is None:
        return template, ()
    parts = (part.partition("=") for part in re.split(r"[#?&]", template[found.start() + 1 :]) if part)
    return template[: found.start()], tuple((key, value if sep else None) for key, sep, value in parts)


def _sent(query: str | bytes, headers: Headers) -> dict[str, str]:
    """The request's query keys and header names (lower case) with their first values: what `Marks` are met by."""
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    sent = dict(parse_qsl(text, keep_blank_values=True))
    for raw_name, raw_value in headers:
        sent.setdefault(raw_name.decode("latin-1").lower(), raw_value.decode("latin-1"))
    return sent


def _carries(marks: Marks, sent: dict[str, str]) -> bool:
    for key, wanted in marks:
        found = sent.get(key, sent.get(key.lower()))
        if found is None or (wanted is not None and found != wanted):
            return False
    return True


class Found(NamedTuple):
    operation: Operation | None
    path_params: dict[str, str]
    allowed: tuple[str, ...] = ()  # the path's methods, when a path matched but the method did not


@dataclass(frozen=True)
class Route:
    """One documented path and its operations."""

    template: str
    operations: dict[str, Operation]  # by method, as documented
    answers: dict[str, Operation]  # by method, HEAD included where GET is documented and HEAD is not
    pattern: re.Pattern[str] | None  # None: a literal path, found by a dict look-up
    names: tuple[str, ...]  # the path parameters, in the pattern's group order
    segments: tuple[str | re.Pattern[str], ...]  # for near misses: literal text, or a pattern for a templated one
    # By method, where operations share it on this path: each with the query keys that choose it, most keys first
    # (the one in `answers` names none, or is the first documented).
    shared: dict[str, tuple[tuple[Marks, Operation], ...]] = field(default_factory=dict)

    def choose(self, method: str, query: str | bytes, headers: Headers) -> Operation | None:
        """The operation for `method`, where several share it: read only on such a path."""
        shared = self.shared.get(method)
        if shared:
            sent = _sent(query, headers)
            chosen = next((op for marks, op in shared if _carries(marks, sent)), None)
            if chosen is not None:
                return chosen
        return self.answers.get(method)

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(sorted(self.answers))


def _listed_values(name: str, operations: Iterable[Operation]) -> list[str] | None:
    """The values a path parameter's schema lists (`enum` of strings), from the first operation declaring it."""
    for operation in operations:
        for parameter in operation.parameters:
            if parameter.location == "path" and parameter.name == name and parameter.validator is not None:
                listed = parameter.validator.schema.get("enum")
                if isinstance(listed, list) and listed and all(isinstance(v, str) and v for v in listed):
                    return listed
                return None
    return None


def route_order(path: str) -> list[tuple[bool, int, str]]:
    """Literal segments before templated ones, segment by segment, and among templated ones those with more literal
    text first (Google's custom methods, `{name}:cancel`, before `{name}`); a literal path then always wins over a
    template that also matches it, which is what lets `find` look literal paths up first."""
    return [("{" in part, -len(_PARAM.sub("", part)), part) for part in path.split("/")]


class RouteTable:
    def __init__(self, operations: Iterable[Operation]) -> None:
        self.warnings: list[str] = []  # vendor mistakes in the templates, each naming the operation
        by_path: dict[str, dict[str, list[tuple[Marks, Operation]]]] = {}
        for operation in operations:
            path, marks = split_template(operation.path)
            found = by_path.setdefault(path, {}).setdefault(operation.method, [])
            same = next((op for m, op in found if m == marks), None)
            if same is not None:
                self.warnings.append(
                    f"{operation.method} {operation.path} ({operation.operation_id}): no request can tell it from "
                    f"{same.method} {same.path} ({same.operation_id}), which answers for both"
                )
                continue
            found.append((marks, operation))
        self.paths = [self._route(path, by_path[path]) for path in sorted(by_path, key=route_order)]
        self._warn_renamed()
        self._literal = {route.template: route for route in self.paths if route.pattern is None}
        self._templated = [(route.pattern, route) for route in self.paths if route.pattern is not None]

    def _warn_renamed(self) -> None:
        """Templates that differ only in their parameters' names are one path to OpenAPI (`/countries/{code2}` and
        `/countries/{code3}`): the first in route order answers for both."""
        first: dict[tuple[str, str], Operation] = {}
        for route in self.paths:
            for method, operation in route.operations.items():
                earlier = first.setdefault((_PARAM.sub("{}", route.template), method), operation)
                if earlier is not operation:
                    self.warnings.append(
                        f"{method} {operation.path} ({operation.operation_id}): no request can tell it from "
                        f"{method} {earlier.path} ({earlier.operation_id}), which answers for both (the templates"
                        " differ only in their parameters' names)"
                    )

    def _route(self, template: str, by_method: dict[str, list[tuple[Marks, Operation]]]) -> Route:
        # Where several share a method, the one naming no query keys answers a request carrying none of theirs.
        operations = {m: min(found, key=lambda pair: bool(pair[0]))[1] for m, found in by_method.items()}
        shared = {
            m: tuple(sorted(((marks, op) for marks, op in found if marks), key=lambda pair: -len(pair[0])))
            for m, found in by_method.items()
            if len(found) > 1
        }
        answers = {**operations, **({"HEAD": operations["GET"]} if "GET" in operations else {})}
        if "GET" in shared and "HEAD" not in operations:
            shared["HEAD"] = shared["GET"]
        if not _PARAM.search(template):
            literal = tuple(template.strip("/").split("/"))
            return Route(template, operations, answers, None, (), literal, shared)
        names: list[str] = []
        regex, place = "", 0
        matches = list(_PARAM.finditer(template))
        for i, match in enumerate(matches):
            regex += re.escape(template[place : match.start()])
            name = match.group(1)
            # Two parameters side by side (`/blog/{page}{extension}`) split where the one listing its values allows.
            beside = (i and matches[i - 1].end() == match.start()) or (
                i + 1 < len(matches) and matches[i + 1].start() == match.end()
            )
            values = _listed_values(name, operations.values()) if beside else None
            if name in names:  # OpenAPI forbids it; serve the path, each repeat holding the first one's value
                for op in operations.values():
                    self.warnings.append(
                        f"{op.method} {template} ({op.operation_id}): the path parameter {{{name}}} appears more than"
                        " once in the template; served, each repeat must hold the same value as the first"
                    )
                regex += f"(?P=p{names.index(name)})"
            else:
                one = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)) if values else "[^/]+"
                regex += f"(?P<p{len(names)}>{one})"
                names.append(name)
            place = match.end()
        regex += re.escape(template[place:])
        segments = tuple(_segment(part) for part in template.strip("/").split("/"))
        return Route(template, operations, answers, re.compile(regex), tuple(names), segments, shared)

    def find(self, method: str, path: str, query: str | bytes = "", headers: Headers = ()) -> Found:
        """The operation for `method` and `path` (and, where operations share both, the `query` string and the
        `headers`), with its path parameters; else the methods the first path matching `path` takes (a 405), or
        nothing (a 404)."""
        allowed: tuple[str, ...] = ()
        route = self._literal.get(path)
        if route is not None:
            operation = route.choose(method, query, headers) if route.shared else route.answers.get(method)
            if operation is not None:
                return Found(operation, {})
            allowed = route.allowed
        for pattern, route in self._templated:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            operation = route.choose(method, query, headers) if route.shared else route.answers.get(method)
            if operation is not None:
                return Found(operation, dict(zip(route.names, match.groups(), strict=False)))
            allowed = allowed or route.allowed
        return Found(None, {}, allowed)

    def operation_id(self, method: str, path: str, query: str | bytes = "", headers: Headers = ()) -> str | None:
        operation = self.find(method, path, query, headers).operation
        return operation.operation_id if operation is not None else None


def near_miss(table: RouteTable, method: str, path: str) -> str | None:
    """The documented `METHOD path` that a request finding no operation most likely meant, with the request's own
    values in the template's places: the same path but for its trailing slash, a prefix missing or extra
    (`/v1/x/` for `/api/v1/x/`), or one literal segment misspelt, for the request's own method (or another where only
    the slash differs). None when no documented path is that close."""
    if len(path) > _HINTED_LENGTH:
        return None
    asked = path.strip("/").split("/")
    best: tuple[tuple[bool, int], str] | None = None
    for route in table.paths:
        for closeness, concrete in _spellings(route, asked):
            if concrete == path:
                continue  # the path itself: its method is what is wrong
            # Another method only where the path differs by its slash alone: elsewhere it is more likely chance.
            others = route.allowed if method not in route.answers and closeness == 0 else ()
            for other in (method,) if method in route.answers else others:
                rank = (other != method, closeness)
                if best is None or rank < best[0]:
                    best = rank, f"{other} {concrete}"
    return best[1] if best is not None else None


def _spellings(route: Route, asked: list[str]) -> Iterable[tuple[int, str]]:
    """The request's path spelt as `route` would have it, each with how close it was (0 nearest)."""
    wanted = route.segments
    if len(wanted) == len(asked):
        differing = [i for i, (w, a) in enumerate(zip(wanted, asked, strict=True)) if not _fits(w, a)]
        if not differing:
            yield 0, _spelt(route, asked)
        elif len(differing) == 1:
            at = differing[0]
            documented = wanted[at]
            if isinstance(documented, str) and _alike(documented, asked[at]):
                yield 2, _spelt(route, [*asked[:at], documented, *asked[at + 1 :]])
    elif len(wanted) > len(asked):  # a prefix missing: the request is the template's tail
        extra = len(wanted) - len(asked)
        head = wanted[:extra]
        if all(isinstance(w, str) for w in head) and _aligned(wanted[extra:], asked):
            yield 1, _spelt(route, [*map(str, head), *asked])
    elif len(asked) > len(wanted):  # a prefix too many: the template is the request's tail
        tail = asked[len(asked) - len(wanted) :]
        if _aligned(wanted, tail):
            yield 1, _spelt(route, tail)


def _aligned(wanted: tuple[str | re.Pattern[str], ...], asked: list[str]) -> bool:
    """Every segment fits, and at least one literal one does: a lone `{id}` is no evidence of a near miss."""
    fits = all(_fits(w, a) for w, a in zip(wanted, asked, strict=True))
    return fits and any(isinstance(w, str) and w for w in wanted)


def _alike(documented: str, written: str) -> bool:
    return difflib.SequenceMatcher(None, documented, written[:100]).ratio() >= _TYPO_RATIO


def _segment(part: str) -> str | re.Pattern[str]:
    if not _PARAM.search(part):
        return part
    pieces = _PARAM.split(part)  # literal, name, literal, name, ..., literal
    return re.compile("".join(re.escape(p) if i % 2 == 0 else "[^/]+" for i, p in enumerate(pieces)))


def _fits(wanted: str | re.Pattern[str], asked: str) -> bool:
    return wanted == asked if isinstance(wanted, str) else wanted.fullmatch(asked) is not None


def _spelt(route: Route, parts: list[str]) -> str:
    joined = "/" + "/".join(parts)
    return joined + "/" if route.template.endswith("/") and joined != "/" else joined

"""Validators compiled once from the contract's schemas, with errors in the user's terms.

The schemas come translated and held in a registry (spec/schemas.py); jsonschema-rs compiles a validator as a
`$ref` into it, and an error's `schema_path` points into the translated document. A test checks these verdicts
against openapi-core's own on generated bodies.

An error answer lists at most `MAX_LISTED` problems, then says how many more there are. jsonschema-rs hands Python
every error of a value at once (about 8 µs each: 340,000 bad items took six seconds), so the errors are read from a
copy of the value that keeps the first `KEPT` entries of each array and object the schema looks into (and every
property the schema names): a few hundred errors at most, whatever the value's size. A problem whose rule reads a cut
array or object whole (anyOf, enum, ...) is not listed from the copy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import jsonschema_rs

from mockserver.core.json_codec import MAX_DEPTH, field_name
from mockserver.spec.schemas import Schemas

MAX_VALUE_CHARS = 60
MAX_LISTED = 10  # problems one error answer (and its journal entry) lists
KEPT = MAX_LISTED + 1  # entries of each array and object read for the list: one more tells that there are more
# Rules whose verdict on an array or object does not change when entries past the first KEPT are left out (the
# properties a schema names are always kept): a problem of these kinds is listed even where the copy cut entries.
_CUT_PROOF = frozenset({"Type", "Required", "AdditionalProperties"})
# Schemas applied to the same value as the one holding them.
_BESIDE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "dependencies")
# Keywords that read an inner value whole, or choose its rules by more than its place: above a cut, no count is exact.
_READS_INSIDE = frozenset(
    {"enum", "const", "uniqueItems", "contains", "patternProperties", "prefixItems", "additionalItems"}
    | {"unevaluatedProperties", "unevaluatedItems", "$ref", "$dynamicRef"}
)
JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class BodyValidator:
    schema: Any = field(repr=False)  # the schema as code walks it (spec/schemas.py `walkable`)
    compiled: Any
    document: Any = field(default=None, repr=False)  # the translated document error locations point into
    inner: Callable[[Any], Any] | None = field(default=None, repr=False)  # compiles an inner value's rules
    resolve: Callable[[str], Any] | None = field(default=None, repr=False)  # follows a `$ref` left in `schema`
    _inner: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)  # those rules, compiled
    _walked: list[Any] = field(default_factory=list, repr=False, compare=False)  # named and reach, once needed

    @property
    def named(self) -> frozenset[str]:
        """Every property name the schema mentions: never cut from a copy (worked out at the first invalid body,
        so start-up does not walk every schema of a large document)."""
        return self._walk()[0]

    @property
    def reach(self) -> int:
        """How many levels below the value the schema looks: arrays and objects deeper are not cut."""
        return self._walk()[1]

    def _walk(self) -> tuple[frozenset[str], int]:
        if not self._walked:
            resolve = self.resolve or (lambda ref: {})
            self._walked.append((frozenset(_names(self.schema, resolve)), _reach(self.schema)))
        found: tuple[frozenset[str], int] = self._walked[0]
        return found

    def errors(self, body: Any, root: str = "body") -> list[str]:
        """The rules `body` breaks, one sentence each, sorted by field; empty when valid. `root` names the value
        itself in the sentences (`body`, `query.page`, ...).

        At most MAX_LISTED, then one more line: how many more problems there are, or that there are more.
        """
        if self.compiled.is_valid(body):  # the usual request pays only this
            return []
        cuts: list[JsonPath] = []
        copy = _cut(body, self.named, self.reach, (), cuts)
        found: set[str] = set()
        unsure = False  # a problem of the copy that the cut may have made or changed
        errors = list(self.compiled.iter_errors(copy))
        # A value of the wrong type is that one problem: rules for the right type (`not: {required: ...}` on an
        # array) say nothing more about it.
        mistyped = {tuple(e.instance_path) for e in errors if type(e.kind).__name__ == "Type"}
        for error in errors:
            if tuple(error.instance_path) in mistyped and type(error.kind).__name__ != "Type":
                continue
            if cuts and not _stands(error, cuts, self.document):
                unsure = True
            else:
                found.add(_describe(error, self.document, body, root))
        # Every problem is in the copy when each cut array or object, read whole (in Rust), keeps its own rules.
        exact = not cuts or (not unsure and all(self._valid_whole(body, cut) for cut in cuts))
        if not found:  # the problems lie past the cuts, or are rules over a cut whole: the first one, exactly
            try:
                self.compiled.validate(body)
            except jsonschema_rs.ValidationError as error:
                found = {_describe(error, self.document, body, root)}
        listed = sorted(found, key=_natural)
        more = len(listed) - MAX_LISTED
        if more > 0:
            tail = f"… and {more} more problem{'s' if more > 1 else ''}" if exact else "… and more problems"
            return [*_spread(listed), tail]
        if not exact:
            where = field_name(list(cuts[0]), root) + (" and others" if len(cuts) > 1 else "")
            return [*listed, f"… and perhaps more: only the first {KEPT} entries of {where} were read for this list"]
        return listed

    def breaches(self, body: Any, root: str = "body") -> set[tuple[str, str]]:
        """The rules `body` breaks as (field, rule) pairs, e.g. `("body.ttl", "minimum")`, read from jsonschema-rs's
        structured errors (the keyword that failed), not from the sentences. Bounded by the document, whatever was
        sent: an array index reads `[]` and a property the schema does not name `*`. Empty when valid."""
        if self.compiled.is_valid(body):
            return set()
        named = self.named
        found: set[tuple[str, str]] = set()
        for error in self.compiled.iter_errors(_cut(body, named, self.reach, (), [])):
            parts = [("[]" if isinstance(p, int) else p if p in named else "*") for p in error.instance_path]
            rule = str(error.schema_path[-1]) if error.schema_path else type(error.kind).__name__
            if type(error.kind).__name__ == "Required":
                parts.append(error.kind.property)
            found.add((_pattern(parts, root), rule))
        return found

    def _valid_whole(self, body: Any, path: JsonPath) -> bool:
        rules = _rules_at(self.schema, path)
        if rules is None:
            return False
        validator = self._inner.get(id(rules))
        if validator is None:
            if self.inner is None:
                return False
            validator = self._inner[id(rules)] = self.inner(rules)
        value = body
        for part in path:
            value = value[part]
        return bool(validator.is_valid(value))


def _pattern(parts: list[str], root: str) -> str:
    """`["srcs", "[]", "id"]` under `body` → `body.srcs[].id`."""
    return root + "".join(p if p == "[]" else f".{p}" for p in parts)


def compile_body_validator(schema: Any, view: str | None = None, dialect: str = "3.0") -> BodyValidator:
    """A validator for one self-contained schema (its `$ref`s point into itself), as `view` sees it."""
    return body_validator(Schemas.of_schema(schema, dialect), "#", view or "request")


def body_validator(schemas: Schemas, where: str, view: str) -> BodyValidator:
    """The validator of the schema at pointer `where` of the document, as `view` ("request"/"response") sees it;
    a ValueError when it is not a usable schema."""
    compiled = schemas.compile(where, view)
    walkable = schemas.walkable(where, view)
    return _validator(schemas, compiled, walkable, view)


def fragment_validator(schemas: Schemas, fragment: Any, view: str) -> BodyValidator:
    """A validator for a piece of a walkable schema (its `$ref`s point into the document)."""
    return _validator(schemas, schemas.compile_fragment(fragment, view), fragment, view)


def _validator(schemas: Schemas, compiled: Any, walkable: Any, view: str) -> BodyValidator:
    return BodyValidator(
        walkable,
        compiled,
        schemas.documents[view],
        lambda rules: schemas.compile_fragment(rules, view),
        schemas.resolve[view],
    )


def _cut(value: Any, named: frozenset[str], levels: int, path: JsonPath, cuts: list[JsonPath]) -> Any:
    """A copy of `value`, its arrays and objects cut to KEPT entries (plus `named` properties), `levels` deep."""
    if levels <= 0:
        return value
    if type(value) is list:
        if len(value) > KEPT:
            cuts.append(path)
        return [_cut(v, named, levels - 1, (*path, i), cuts) for i, v in enumerate(value[:KEPT])]
    if type(value) is not dict:
        return value
    kept: dict[str, Any] = {}
    others = 0
    for key, item in value.items():  # stops after KEPT unnamed keys, however many there are
        if key not in named:
            if others == KEPT:
                cuts.append(path)
                kept.update((k, value[k]) for k in named if k in value)
                break
            others += 1
        kept[key] = item
    return {k: _cut(v, named, levels - 1, (*path, k), cuts) for k, v in kept.items()}


def _rules_at(schema: dict[str, Any], path: JsonPath) -> dict[str, Any] | None:
    """The one schema that judges the array or object at `path`; None when rules above it read it too."""
    node: Any = schema
    for part in path:
        if any(map(_reach, _beside(node))) or any(k in node for k in _READS_INSIDE):
            return None
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            extra = node.get("additionalProperties")
            node = (node.get("properties") or {}).get(part, extra if isinstance(extra, dict) else {})
        if not isinstance(node, dict):  # items as a list (draft 4): the rules depend on the position
            return None
    found: dict[str, Any] = node
    return found


def _stands(error: Any, cuts: list[JsonPath], schema: dict[str, Any]) -> bool:
    """Whether a problem of the view is the body's too: nothing was cut where its rule looks, or the rule ignores it."""
    at = tuple(error.instance_path)
    if not any(cut[: len(at)] == at for cut in cuts):
        return True
    kind = type(error.kind).__name__
    if kind in _CUT_PROOF:
        return True
    # `not: {required: [theme, theme_id]}` reads only property names, and the view keeps every name the schema uses.
    return kind in ("Not", "AnyOf", "OneOfNotValid", "OneOfMultipleValid") and _reads_names_only(
        _raw_at(schema, list(error.schema_path))
    )


def _reads_names_only(rule: Any) -> bool:
    if isinstance(rule, list):
        return all(map(_reads_names_only, rule))
    if not isinstance(rule, dict):
        return isinstance(rule, bool)
    return all(
        key in ("required", "type", "description", "title", "dependentRequired")
        or key.startswith("x-")
        or (key in ("allOf", "anyOf", "oneOf", "not") and _reads_names_only(value))
        for key, value in rule.items()
    )


def _raw_at(schema: Any, path: list[Any]) -> Any:
    node = schema
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _spread(listed: list[str]) -> list[str]:
    """MAX_LISTED of the sorted problems, every field's first among them before any field's second."""
    firsts: dict[str, str] = {}
    for text in listed:
        firsts.setdefault(re.split(r"[.\[:+ ]", text, maxsplit=1)[0], text)
    chosen = set(list(firsts.values())[:MAX_LISTED])
    chosen.update(islice((t for t in listed if t not in chosen), MAX_LISTED - len(chosen)))
    return [text for text in listed if text in chosen]


def _natural(text: str) -> list[Any]:
    # srcs[2] before srcs[10]
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)]


def _names(schema: Any, resolve: Callable[[str], Any]) -> set[str]:
    """Every property name the schema mentions, through its references (each followed once)."""
    names: set[str] = set()
    stack, seen = [schema], set()
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict) and id(node) not in seen:
            seen.add(id(node))
            names.update(node.get("properties") or ())
            names.update(n for n in node.get("required") or () if isinstance(n, str))
            names.update(node.get("dependencies") or ())
            ref = node.get("$ref")
            stack.extend(v for k, v in node.items() if k not in _NOT_SCHEMAS)
            if isinstance(ref, str):
                stack.append(resolve(ref))
    return names


_NOT_SCHEMAS = ("enum", "const", "default", "example", "examples")


def _reach(schema: Any) -> int:
    """Levels below a value that `schema` applies rules to (properties, items...), through anyOf, not and the like;
    a recursive schema (a `$ref` left in the walkable copy) reaches as deep as JSON may nest."""
    if not isinstance(schema, dict):
        return 0
    if "$ref" in schema:
        return MAX_DEPTH
    below: list[Any] = [*(schema.get("properties") or {}).values(), *(schema.get("patternProperties") or {}).values()]
    for keyword in ("additionalProperties", "additionalItems", "unevaluatedProperties", "unevaluatedItems", "contains"):
        below += [schema[keyword]] if isinstance(schema.get(keyword), dict) else []
    for keyword in ("items", "prefixItems"):
        inner = schema.get(keyword)
        below += inner if isinstance(inner, list) else [inner] if isinstance(inner, dict) else []
    return max([1 + _reach(s) for s in below] + [_reach(s) for s in _beside(schema)] + [0])


def _beside(schema: dict[str, Any]) -> list[Any]:
    """The schemas applied to the same value as `schema` (allOf, anyOf, not, if, dependentSchemas...)."""
    found: list[Any] = []
    for keyword in _BESIDE:
        inner = schema.get(keyword)
        if keyword in ("dependentSchemas", "dependencies") and isinstance(inner, dict):
            found += [v for v in inner.values() if isinstance(v, dict)]
        else:
            found += inner if isinstance(inner, list) else [inner] if isinstance(inner, dict) else []
    return found


def short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _describe(error: Any, schema: dict[str, Any], body: Any, root: str = "body") -> str:
    path = list(error.instance_path)
    # The value as sent: in the body's own key order, and whole where the error came from a copy that cut it.
    sent = _raw_at(body, path)
    kind = type(error.kind).__name__
    if kind == "Required":
        missing = error.kind.property
        return f"{field_name([*path, missing], root)}: is required but missing"
    if kind == "Not":
        rule = _schema_at(schema, list(error.schema_path)[:-1])
        names = (rule.get("not") or {}).get("required") or []
        instance = sent if isinstance(sent, dict) else {}
        pairs = ", ".join(f"{n}={short(instance.get(n))}" for n in names)
        if names:
            what = rule.get("description") or f"must not match {short(rule.get('not'))}"
            return f"{' + '.join(field_name([*path, n], root) for n in names)}: both sent ({pairs}); {what}"
        return f"{field_name(path, root)}: {short(sent)} is not allowed (must not match {short(rule.get('not'))})"
    if kind == "AnyOf":
        rule = _schema_at(schema, list(error.schema_path)[:-1])
        what = rule.get("description") or "matches none of the allowed shapes"
        return f"{field_name(path, root)}: {short(sent)} is not accepted; {what}"
    if kind == "AdditionalProperties" and isinstance(sent, dict):
        rule = _schema_at(schema, list(error.schema_path)[:-1])
        if not rule.get("patternProperties"):  # named from the body: the first few, in the order they were sent
            allowed = rule.get("properties") or {}
            unexpected = list(islice((k for k in sent if k not in allowed), 4))
            names = ", ".join(map(short, unexpected[:3])) + (" and more" if len(unexpected) > 3 else "")
            verb = "is" if len(unexpected) == 1 else "are"
            return f"{field_name(path, root)}: {names} {verb} not allowed here; allowed: {', '.join(allowed) or 'none'}"
    if kind == "Enum":
        allowed = _schema_at(schema, list(error.schema_path)[:-1]).get("enum") or []
        return f"{field_name(path, root)}: {short(sent)} is not one of {', '.join(map(short, allowed))}"
    message: str = error.message
    prefix = json.dumps(error.instance, ensure_ascii=False, separators=(",", ":"))
    if message.startswith(prefix):
        message = f"{short(sent)}{message[len(prefix) :]}"
    elif len(message) > 200:
        message = message[:199] + "…"
    return f"{field_name(path, root)}: {message}"


def _schema_at(schema: Any, path: list[Any]) -> dict[str, Any]:
    node = _raw_at(schema, path)
    return node if isinstance(node, dict) else {}

"""What in a request is a credential, read from the document, so that it is never journaled or recorded.

Credentials are the headers and query parameters the document's `apiKey` schemes name (`Contract.credentials`; http
bearer and basic travel in `Authorization`), and the body properties a schema marks `writeOnly` or
`format: password` (a data source's password, a private key). JWTs are found by their shape wherever they are
(`server/middleware/journal.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from mockserver.spec.contract import Contract

REDACTED = "[redacted]"
_LAST_NAME = re.compile(r"[.\s\[\]]+")  # `request body.sources[].password` ends with the name `password`


def redact_query(query: str, names: frozenset[str]) -> str:
    """A raw query with the value of each parameter in `names` replaced, the rest kept byte for byte."""
    if not names or not query:
        return query
    parts = [part.partition("=") for part in query.split("&")]
    return "&".join(f"{n}={REDACTED}" if unquote_plus(n) in names else n + eq + v for n, eq, v in parts)


@dataclass(frozen=True)
class Secrets:
    headers: frozenset[str]  # lower-case header names the document sends keys in
    query: frozenset[str]  # query parameter names the document sends keys in
    fields: frozenset[str]  # JSON property names whose values are credentials
    _field_values: re.Pattern[str] | None = None

    @classmethod
    def of(cls, contract: Contract) -> Secrets:
        # Every schema of the document, as requests see it (answers leave writeOnly properties out).
        fields = set(_secret_properties(contract.schemas.documents["request"]))
        pattern = None
        if fields:
            names = "|".join(re.escape(name) for name in sorted(fields))
            # A property's JSON string, number or literal value; the text may be cut short (the journal's 4 KiB).
            pattern = re.compile(rf'("(?:{names})"\s*:\s*)("(?:[^"\\]|\\.)*"?|[-+\w.]+)')
        found = contract.credentials
        return cls(found.headers, found.query, frozenset(fields), pattern)

    def header(self, name: str) -> bool:
        return name.lower() in self.headers

    def query_string(self, raw: str) -> str:
        return redact_query(raw, self.query)

    def body(self, text: str | None) -> str | None:
        """JSON text with each credential property's value replaced by "[redacted]"."""
        if self._field_values is None or not text:
            return text
        return self._field_values.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)

    def sentence(self, text: str) -> str:
        """A violation or error sentence, without the value when the field it names is a credential."""
        field, colon, rest = text.partition(": ")
        if self.fields and colon and _LAST_NAME.split(field)[-1] in self.fields and not rest.startswith("is required"):
            return f"{field}: {REDACTED} (a credential's value, not shown, breaks the schema)"
        return text


def _secret_properties(schema: Any) -> Iterator[str]:
    """Names of properties marked writeOnly or format: password, anywhere in an inlined schema."""
    stack, seen = [schema], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                for name, sub in properties.items():
                    if isinstance(sub, dict) and (sub.get("writeOnly") is True or sub.get("format") == "password"):
                        yield str(name)
            stack.extend(node.values())

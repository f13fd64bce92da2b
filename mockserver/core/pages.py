"""Page numbers as Django REST Framework's `PageNumberPagination` reads them, and the links between pages.

`page` counts from 1; a page that does not exist (below 1, or past the last) is a 404, as DRF answers, except the
first page of an empty list. `page_size` is a positive integer capped at `MAX_PAGE_SIZE`; anything else (missing, 0,
negative) means `DEFAULT_PAGE_SIZE`, as DRF ignores a page size it cannot use. `next` and `previous` are absolute
URLs: the request's own, with `page` replaced (and, for the first page, removed) and the query sorted, as DRF's are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from mockserver.core.errors import ApiError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    count: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.count / self.size))


def page_size(raw: int | str | None) -> int:
    size = raw if isinstance(raw, int) else _number(raw) if raw is not None else 0
    return min(size, MAX_PAGE_SIZE) if size > 0 else DEFAULT_PAGE_SIZE


def _number(raw: int | str | None) -> int:
    if raw is None:
        return 1
    if isinstance(raw, int):
        return raw
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 16 else 0


def window(raw_number: int | str | None, raw_size: int | str | None) -> tuple[int, int]:
    """The offset and size of the page asked for, before anyone knows whether it exists."""
    size = page_size(raw_size)
    return max(_number(raw_number) - 1, 0) * size, size


def page_of(raw_number: int | str | None, raw_size: int | str | None, count: int, field: str = "page") -> Page:
    """The page asked for among `count` items, or a 404 naming it when it does not exist."""
    number = _number(raw_number)
    size = page_size(raw_size)
    page = Page(number, size, count)
    if number < 1:
        raise ApiError(404, f"{field}: {raw_number} is not a page; pages count from 1")
    if number > page.last:
        raise ApiError(
            404,
            f"{field}: {number} is past the last page, {page.last} ({count} resources in all, {size} to a page)",
        )
    return page


def page_links(url: str, query: dict[str, list[str]], page: Page, field: str = "page") -> tuple[str | None, str | None]:
    """`next` and `previous` for `page`, from the request's absolute URL (without its query) and query."""

    def to(number: int) -> str:
        kept = {k: v for k, v in query.items() if k != field}
        if number != 1:
            kept[field] = [str(number)]
        pairs = [(k, value) for k, values in sorted(kept.items()) for value in values]
        return f"{url}?{urlencode(pairs)}" if pairs else url

    following = to(page.number + 1) if page.number < page.last else None
    preceding = to(page.number - 1) if page.number > 1 else None
    return following, preceding

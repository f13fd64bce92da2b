"""Page numbers and links as Django REST Framework's PageNumberPagination reads and writes them."""

from __future__ import annotations

import pytest

from mockserver.core.errors import ApiError
from mockserver.core.pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, page_links, page_of, page_size, window


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        pytest.param(None, DEFAULT_PAGE_SIZE, id="missing"),
        pytest.param("5", 5, id="given"),
        pytest.param(0, DEFAULT_PAGE_SIZE, id="zero"),
        pytest.param("-3", DEFAULT_PAGE_SIZE, id="negative"),
        pytest.param(10_000, MAX_PAGE_SIZE, id="capped"),
        pytest.param("١٢", DEFAULT_PAGE_SIZE, id="non-ascii-digits"),
    ],
)
def test_a_page_size_it_cannot_use_means_the_default(raw: int | str | None, size: int) -> None:
    assert page_size(raw) == size


def test_pages_count_from_one_and_the_first_page_of_nothing_exists() -> None:
    assert page_of(None, None, 0) == Page(1, DEFAULT_PAGE_SIZE, 0)
    assert page_of("3", "10", 25).offset == 20 and page_of("3", "10", 25).last == 3
    assert window("3", "10") == (20, 10) and window("-1", None) == (0, DEFAULT_PAGE_SIZE)
    with pytest.raises(ApiError, match=r"page: 4 is past the last page, 3 \(25 resources in all, 10 to a page\)"):
        page_of(4, 10, 25)
    with pytest.raises(ApiError, match="page: 0 is not a page; pages count from 1") as refused:
        page_of("0", None, 25)
    assert refused.value.status == 404


def test_links_keep_the_query_replace_the_page_and_drop_it_for_the_first() -> None:
    url = "http://mock.test/api/v1/things/"
    query = {"page_size": ["10"], "page": ["2"], "z": ["1"]}
    following, preceding = page_links(url, query, Page(2, 10, 35))
    assert following == f"{url}?page=3&page_size=10&z=1"
    assert preceding == f"{url}?page_size=10&z=1"
    assert page_links(url, {}, Page(1, 10, 5)) == (None, None)
    assert page_links(url, {}, Page(4, 10, 35)) == (None, f"{url}?page=3")

"""`mockserver verify URL`: the contract suite (`contracts/`) run with pytest against any server,
and the `Target` the suite checks (a URL and key, or a mock it starts itself)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockserver.config import ConfigError, KeyPolicy
from mockserver.spec.contract import (
    CREATE,
    MOCK_JWKS,
    MOCK_PAGE,
    MOCK_TOKEN_LOOKUP,
    Contract,
    Operation,
    load_contract,
)
from mockserver.testing.extras import INSTALL
from mockserver.testing.handle import MockHandle

if TYPE_CHECKING:
    import httpx

JWKS, TOKEN, PAGE = MOCK_JWKS, MOCK_TOKEN_LOOKUP, MOCK_PAGE

# What the contract suite runs with, none of them needed by the mock itself; httpx is imported only where a run
# uses it, so that `mockserver verify` can say that it is missing.
SUITE_NEEDS = ("pytest", "hypothesis", "schemathesis", "httpx")

# Wheels carry the suite inside the package; a source checkout keeps it at the top level (as for the spec).
_PACKAGED = Path(__file__).parent.parent / "contracts"
SUITE = _PACKAGED if (_PACKAGED / "conftest.py").exists() else _PACKAGED.parent.parent / "contracts"


def pytest_arguments(
    url: str | None, api_key: str | None, extra: Sequence[str] = (), spec: str | None = None
) -> list[str]:
    """The suite's own ini and rootdir, so the caller's pytest configuration does not leak in."""
    args = [str(SUITE), "-c", str(SUITE / "pytest.ini"), "--rootdir", str(SUITE), "-p", "no:cacheprovider"]
    if url:
        args += ["--base-url", url]
    if api_key:
        args += ["--api-key", api_key]
    if spec:
        args += ["--spec", spec]
    return [*args, *extra]


def verify(url: str, api_key: str | None, extra: Sequence[str] = (), spec: str | None = None) -> int:
    if not (SUITE / "conftest.py").exists():
        raise ConfigError(f"{SUITE}: the contract suite is missing from this installation")
    missing = [name for name in SUITE_NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        names = " and ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
        print(
            f"mockserver verify: the contract suite needs {names}, not installed here: {INSTALL} brings them "
            f"(or pip install {' '.join(missing)})",
            file=sys.stderr,
        )
        return 2
    # A fresh interpreter: in this one mockserver is imported already, so pytest could not rewrite the
    # asserts of its plugin (a warning, which the suite's filterwarnings turns into an error).
    return subprocess.call([sys.executable, "-m", "pytest", *pytest_arguments(url, api_key, extra, spec)])


@dataclass
class Target:
    """The server a contract run checks, and what the run knows about it."""

    url: str
    api_key: str
    client: httpx.Client
    handle: MockHandle | None = None  # only when the suite started the mock itself
    extensions: bool = True  # serves the mock's x-mock endpoints (token lookup, JWKS)
    contract: Contract = field(default_factory=load_contract, repr=False)  # the document in use

    @property
    def has_create(self) -> bool:
        return CREATE in self.contract.operations

    def path(self, operation_id: str, **params: str) -> str:
        """The contract's path of an operation, its parameters filled in (`TOKEN, cache_key=...`)."""
        return self.contract.operation(operation_id).path.format(**params)

    @property
    def create_operation(self) -> Operation:
        return self.contract.operation(CREATE)

    @property
    def create_path(self) -> str:
        return self.create_operation.path

    @property
    def jwks_path(self) -> str:
        return self.path(JWKS)

    def token_path(self, cache_key: str) -> str:
        return self.path(TOKEN, cache_key=cache_key)

    def page_path(self, cache_key: str) -> str:
        return self.path(PAGE, cache_key=cache_key)

    def create(self, body: Any) -> httpx.Response:
        return self.client.post(self.create_path, json=body, headers=self.auth)

    def create_raw(self, content: bytes) -> httpx.Response:
        headers = {**self.auth, "content-type": "application/json"}
        return self.client.post(self.create_path, content=content, headers=headers)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def serves_extensions(client: httpx.Client, contract: Contract) -> bool:
    """Whether the server publishes the mock's JWKS, i.e. it is this mock or serves its x-mock endpoints."""
    import httpx

    if JWKS not in contract.operations:
        return False
    try:
        r = client.get(contract.operation(JWKS).path)
    except httpx.HTTPError:
        return False
    return r.status_code == 200 and r.headers.get("content-type", "").startswith("application/json")


def served_contract(client: httpx.Client, spec: str | None) -> Contract:
    """The document a server says it serves (the mock's `/openapi.json`, additions included); else `spec` (or the
    bundled document) with the mock's overlay."""
    import httpx

    try:
        r = client.get("/openapi.json")
        document = r.json() if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        document = None
    if isinstance(document, dict) and "openapi" in document and isinstance(document.get("paths"), dict):
        return Contract(Path(f"{client.base_url}openapi.json"), document)
    return load_contract(spec)


def contract_in_use(url: str | None, spec: str | None) -> Contract:
    """The document a contract run checks: what the server at `url` serves, else `spec` (or the bundled one)."""
    import httpx

    if not url:
        return load_contract(spec)
    with httpx.Client(base_url=url.rstrip("/"), timeout=30) as client:
        return served_contract(client, spec)


@contextmanager
def target(url: str | None, api_key: str | None, spec: str | None = None) -> Iterator[Target]:
    """`url` with `api_key`, or (no url) a mock started here on a free port, on `spec` when given."""
    import httpx

    if url:
        with httpx.Client(base_url=url.rstrip("/"), timeout=30) as client:
            contract = served_contract(client, spec)
            extensions = serves_extensions(client, contract)
            yield Target(url.rstrip("/"), api_key or "", client, None, extensions, contract)
        return
    from mockserver.mock import build_mock
    from mockserver.testing.in_process import default_settings
    from mockserver.testing.live_server import serve_in_thread

    settings = default_settings(spec=spec)
    if api_key:
        settings = settings.with_overrides(api_keys={api_key: KeyPolicy()})
    mock = build_mock(settings)
    key = next(iter(mock.settings.api_keys))
    with serve_in_thread(mock) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield Target(server.url, key, client, MockHandle(mock, server.url, key, server.call), True, mock.contract)

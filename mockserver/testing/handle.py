"""What a test holds of a running mock: its URL and key, the clock, the request journal, faults, reset.

The handle talks to the `Mock` object in-process (its clock and store), not to the `/__mock/` admin
API, so it works the same for a mock behind a socket and for the in-process transport. Store calls
run on the loop that serves the mock (`run`), where a networked store keeps its connections.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from mockserver.core.clock import Clock
from mockserver.core.coverage import Key
from mockserver.core.errors import ApiError
from mockserver.mock import Mock
from mockserver.server.endpoints import admin_resources
from mockserver.server.middleware import faults
from mockserver.server.middleware.journal import present
from mockserver.server.sessions import DEFAULT_SESSION
from mockserver.spec import coverage_report
from mockserver.spec.contract import ADMIN_SPEC, load_contract
from mockserver.spec.items import id_key

T = TypeVar("T")
Runner = Callable[[Coroutine[Any, Any, Any]], Any]


class MockHandle:
    def __init__(self, mock: Mock, url: str, api_key: str, run: Runner, session: str = DEFAULT_SESSION):
        self.mock = mock
        self.url = url
        self.api_key = api_key
        self.session = session
        self._run = run
        self._clock_at_start = mock.clock.state
        self.excused: dict[Key, int] = {}  # breaches sent inside `expect_invalid()`, shared by every session's handle

    @property
    def clock(self) -> Clock:
        """The mock's clock: `.advance(seconds)`, `.set(epoch)`, `.now()`."""
        return self.mock.clock

    @property
    def headers(self) -> dict[str, str]:
        """`Authorization: Bearer <api_key>`, ready to send."""
        return {"Authorization": f"Bearer {self.api_key}"}

    @property
    def requests(self) -> Journal:
        return Journal(self)

    @property
    def faults(self) -> Faults:
        return Faults(self)

    @property
    def resources(self) -> Resources:
        """The collections' resources in this session: `.list(name)`, `.get(name, id)`, `.replace(name, [...])`,
        `.clear(name)`."""
        return Resources(self)

    def for_session(self, name: str) -> MockHandle:
        """The same mock seen through `X-Mock-Session: name` (state, journal and faults of that session)."""
        handle = MockHandle(self.mock, self.url, self.api_key, self._run, name)
        handle.excused = self.excused
        return handle

    def coverage(self, operations: str | None = None) -> dict[str, Any]:
        """The coverage report of every session (what `GET /__mock/coverage` serves), limited to the operation ids
        matching the glob `operations`."""
        return coverage_report.report(self.mock.coverage, self.call(self.mock.store.coverage(None)), operations)

    def breaches(self) -> dict[Key, int]:
        """How many times each rule was broken by a client's request, in every session: `(b, operation, field,
        rule)` → count."""
        tally = self.call(self.mock.store.coverage(None))
        return {key: n for key, n in tally.counts.items() if key[0] == "b"}

    @contextmanager
    def expect_invalid(self) -> Iterator[MockHandle]:
        """Requests the document refuses, sent on purpose: `--camel-mock-strict` does not fail the test for them."""
        before = self.breaches()
        try:
            yield self
        finally:
            for key, n in self.breaches().items():
                if n > before.get(key, 0):
                    self.excused[key] = self.excused.get(key, 0) + n - before.get(key, 0)

    def reset(self) -> None:
        """A fresh mock for this session: no links, limits, journal or faults, the collections back to the seed data
        (empty without --seed-data); clock and fuzz draws restarted."""
        self.call(self.mock.store.reset(self.session))
        self.mock.clock.state = self._clock_at_start
        for responder in self.mock.responders.values():
            responder.restart()

    @contextmanager
    def fresh(self) -> Iterator[MockHandle]:
        """The handle, reset first: `with camel_mock.fresh():` in a Hypothesis `@given` test resets the mock for
        each example (Hypothesis refuses function-scoped fixtures such as `camel_mock_fresh` there)."""
        self.reset()
        yield self

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        result: T = self._run(coro)
        return result


def _matches(entry: dict[str, Any], operation: str) -> bool:
    return operation in (entry.get("operation"), f"{entry.get('method')} {entry.get('path')}")


def _line(entry: dict[str, Any]) -> str:
    return f"{entry.get('method')} {entry.get('path')} -> {entry.get('status')} ({entry.get('operation') or '?'})"


class Journal:
    """The requests the mock answered for the handle's session, oldest first; read afresh on each use.

    An operation is named by its operationId (`iframe_create_create`) or as `"POST /api/v1/iframe/create"`.
    """

    def __init__(self, handle: MockHandle):
        self._handle = handle

    def entries(self) -> list[dict[str, Any]]:
        return [present(e) for e in self._handle.call(self._handle.mock.store.journal(self._handle.session))]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self.entries())

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.entries()[index]

    @property
    def last(self) -> dict[str, Any] | None:
        entries = self.entries()
        return entries[-1] if entries else None

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [e for e in self.entries() if _matches(e, operation)]

    def count(self, operation: str) -> int:
        return len(self.of(operation))

    def called(self, operation: str) -> bool:
        return self.count(operation) > 0

    def assert_called(self, operation: str, times: int | None = None) -> list[dict[str, Any]]:
        """The matching entries; AssertionError, listing the journal, when there are none or not `times`."""
        __tracebackhide__ = True
        entries = self.entries()
        found = [e for e in entries if _matches(e, operation)]
        if (times is None and not found) or (times is not None and len(found) != times):
            wanted = "at least once" if times is None else f"{times} time(s)"
            seen = "\n  ".join(map(_line, entries)) or "(no requests)"
            raise AssertionError(f"expected {operation} {wanted}, found {len(found)}; the journal:\n  {seen}")
        return found

    def assert_not_called(self, operation: str) -> None:
        __tracebackhide__ = True
        self.assert_called(operation, times=0)

    def clear(self) -> None:
        self._handle.call(self._handle.mock.store.journal_clear(self._handle.session))


class Faults:
    """Queued faults for the handle's session: the next matching requests get them instead of an answer."""

    def __init__(self, handle: MockHandle):
        self._handle = handle

    def add(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        count: int = 1,
        status: int | None = None,
        body: Any = None,
        delay: float | None = None,
        drop: bool = False,
    ) -> dict[str, Any]:
        """Queue a fault for `path` (any path when None): an answer `status`/`body`, a `delay`, or a `drop`.

        Checked against the admin document's rules for `POST /__mock/faults`; a ValueError names what is wrong.
        """
        wanted = {"path": path, "method": method, "count": count, "status": status, "body": body, "delay": delay}
        fault: dict[str, Any] = {k: v for k, v in {**wanted, "drop": drop or None}.items() if v is not None}
        admin = self._handle.mock.admin or load_contract(ADMIN_SPEC, mock=False)  # the rules hold with --no-admin too
        validator = admin.operation("admin_faults_add").body
        errors = validator.errors(fault) if validator else []
        problem = faults.fault_problem(fault)
        if errors or problem:
            raise ValueError("; ".join([*errors, *([problem] if problem else [])]))
        fault.setdefault("path", None)
        if not self._handle.call(
            self._handle.mock.store.add_fault(self._handle.session, fault, faults.MAX_QUEUED_FAULTS)
        ):
            raise ValueError(faults.queue_full(self._handle.session))
        return fault

    def list(self) -> list[dict[str, Any]]:
        return self._handle.call(self._handle.mock.store.faults(self._handle.session))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self.list())

    def clear(self) -> None:
        self._handle.call(self._handle.mock.store.clear_faults(self._handle.session))


class Resources:
    """The collections' resources in the handle's session: what `/__mock/resources` reads, replaces and empties.

    Collections are named as `GET /__mock/resources` lists them (`knowledge-base`, `threads`, ...); an unknown name
    or a resource the item schema refuses is a ValueError that says why.
    """

    def __init__(self, handle: MockHandle):
        self._handle = handle

    def collections(self) -> builtins.list[str]:
        return sorted(self._handle.mock.collections.by_name)

    def list(self, collection: str) -> builtins.list[dict[str, Any]]:
        """Every resource of the collection, oldest first."""
        return self._call(admin_resources.everything(self._handle.mock, self._handle.session, collection))

    def __getitem__(self, collection: str) -> builtins.list[dict[str, Any]]:
        return self.list(collection)

    def get(self, collection: str, id: Any) -> dict[str, Any] | None:
        """The resource with this id, or None."""
        return self._call(admin_resources.one(self._handle.mock, self._handle.session, collection, id_key(id)))

    def replace(self, collection: str, resources: builtins.list[dict[str, Any]]) -> builtins.list[dict[str, Any]]:
        """The collection becomes `resources` (read-only fields they lack filled in); returns them as stored."""
        mock, session = self._handle.mock, self._handle.session
        return self._call(admin_resources.replace(mock, session, collection, builtins.list(resources)))

    def clear(self, collection: str) -> None:
        self.replace(collection, [])

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            return self._handle.call(coro)
        except ApiError as exc:
            raise ValueError(exc.message) from None

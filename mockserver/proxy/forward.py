"""The proxy's one endpoint: every request outside `/__mock/` goes upstream unchanged, and both halves are checked.

The client gets the upstream's answer as it came, plus `X-Mock-Violations: <count>`. The violations go where the
mock's own 400s put their errors (the journal's `errors`, so the dashboard lists them), into the session's tally
(`GET /__mock/violations`) and, with `--record`, into the HAR entry. With `--refuse-invalid` a request that breaks
the contract gets the mock's own refusal and is not forwarded.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Receive, Scope, Send

from mockserver.core.clock import stopwatch
from mockserver.core.errors import ApiError
from mockserver.mock import Mock
from mockserver.proxy.checks import check_request, check_response, decode, response_breaches
from mockserver.proxy.har import Failure, HarFile, Request, entry
from mockserver.proxy.upstream import Upstream, UpstreamAnswer
from mockserver.server.body import read_capped
from mockserver.server.request_parts import cookie_map, header_map, query_map
from mockserver.server.responses import send_error, send_refusal
from mockserver.server.sessions import scope_session
from mockserver.spec.coverage import refusal_kind
from mockserver.spec.routes import near_miss

VIOLATIONS_HEADER = "X-Mock-Violations"


class Forwarder:
    def __init__(
        self, mock: Mock, upstream: Upstream, refuse_invalid: bool = False, recording: HarFile | None = None
    ) -> None:
        self.mock = mock
        self.upstream = upstream
        self.refuse_invalid = refuse_invalid
        self.recording = recording
        self.routes = mock.contract.routes
        self.secrets = mock.contract.secrets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mock = self.mock
        started = mock.clock.now()
        method, path = scope["method"], scope["path"]
        state: dict[str, Any] = scope.setdefault("state", {})
        found = self.routes.find(method, path, scope["query_string"], scope["headers"])
        operation = found.operation.operation_id if found.operation else None
        state["operation"] = operation
        headers = header_map(scope)
        try:
            raw = await read_capped(receive, headers.get("content-length"), mock.settings.max_body_bytes)
        except ApiError as too_large:  # the proxy holds each body whole to check it: bounded, and said so
            state["error"] = too_large.message
            await send_error(send, too_large.status, f"{too_large.message} (--max-body-bytes)")
            return
        near = near_miss(self.routes, method, path) if found.operation is None else None
        query = query_map(scope)
        check = check_request(found, method, path, headers, query, cookie_map(headers), raw, near)
        plan = mock.coverage.get(operation) if operation is not None else None
        if plan is not None:  # the coverage counters of the client's request (spec/coverage.py), the journal's to add
            counted = state["counts"] = plan.sent(query, headers, check.body)
            counted += [("b", plan.operation_id, field, rule) for field, rule in sorted(check.breaches)]
        if check.refusal is not None and self.refuse_invalid:
            refusal = check.refusal
            kind = refusal_kind(refusal.status, check.breaches)
            if plan is not None and kind is not None:
                state["counts"].append(("r", plan.operation_id, kind))
            self._count(scope, state, operation, check.problems)
            state["error"] = "; ".join(self.secrets.sentence(p) for p in refusal.message.split("; "))
            answer_headers = {**refusal.headers, VIOLATIONS_HEADER: str(len(check.problems))}
            if found.operation is None:
                await send_error(send, refusal.status, refusal.message, answer_headers)
            else:  # the status and shape the document gives this refusal, as the mock answers it
                await send_refusal(send, found.operation, ApiError(refusal.status, refusal.message, answer_headers))
            return
        raw_path = (scope.get("raw_path") or path.encode()).decode("latin-1")
        sent = self.upstream.headers_for(method, scope["headers"], raw)
        request = Request(
            method,
            self.upstream.url + raw_path,
            scope.get("http_version", "1.1"),
            sent,
            scope["query_string"].decode("latin-1"),
            raw,
        )
        began = stopwatch()
        try:
            answer = await self.upstream.send(method, raw_path, scope["query_string"], sent, raw)
        except ApiError as failure:  # 502 or 504, naming the upstream
            problems = self._count(scope, state, operation, check.problems)
            state["error"] = failure.message
            self._record(started, request, Failure(failure.message, stopwatch() - began), None, operation, problems)
            headers_out = {VIOLATIONS_HEADER: str(len(problems))}
            await send_error(send, failure.status, failure.message, headers_out)
            return
        decoded, note = decode(answer.raw, answer.header(b"content-encoding"), mock.settings.max_body_bytes)
        answer_problems, answered = check_response(
            found, method, answer.status, answer.header(b"content-type"), decoded
        )
        if plan is not None and answer_problems:  # the real API's own breaches of the document
            upstream = response_breaches(found, answer.status, answered, answer_problems)
            state["counts"] += [("v", plan.operation_id, field, rule) for field, rule in sorted(upstream)]
        violations = self._count(scope, state, operation, [*check.problems, *answer_problems])
        # Recorded before answering: every answer a client has is in the file.
        self._record(started, request, answer, decoded, operation, violations, note)
        out = [*answer.headers, (b"x-mock-violations", b"%d" % len(violations))]
        if method != "HEAD" and answer.header(b"content-length") is None:
            out.append((b"content-length", b"%d" % len(answer.raw)))
        await send({"type": "http.response.start", "status": answer.status, "headers": out})
        await send({"type": "http.response.body", "body": answer.raw})

    def _record(
        self,
        started: float,
        request: Request,
        answer: UpstreamAnswer | Failure,
        decoded: bytes | None,
        operation: str | None,
        violations: list[str],
        note: str | None = None,
    ) -> None:
        if self.recording is not None:
            self.recording.append(entry(self.secrets, started, request, answer, decoded, operation, violations, note))

    def _count(self, scope: Scope, state: dict[str, Any], operation: str | None, problems: list[str]) -> list[str]:
        """Put the exchange's violations where the journal and the tally read them; credential values left out."""
        shown = [self.secrets.sentence(p) for p in problems]
        state["errors"] = shown
        self.mock.violations.count(scope_session(self.mock, scope), operation, shown)
        return shown

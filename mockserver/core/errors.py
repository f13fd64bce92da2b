"""The one exception a rule raises to refuse a request; the server answers it as `{"error": message}`."""

from __future__ import annotations


class ApiError(Exception):
    """Raised anywhere below an endpoint; answered as `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

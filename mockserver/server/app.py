"""The Starlette application: routes to endpoints, middleware, error handlers, and the mock's parts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware

from mockserver.core.camelai import CAMELAI
from mockserver.mock import Mock
from mockserver.server.endpoints import admin, api, chat, collections, page, sts, threads
from mockserver.server.endpoints.generic import Behaviour, generic_endpoint
from mockserver.server.error_handlers import EXCEPTION_HANDLERS
from mockserver.server.middleware.clock_sync import ClockSync
from mockserver.server.middleware.faults import FaultMiddleware
from mockserver.server.middleware.ip_limit import IpLimitMiddleware
from mockserver.server.middleware.journal import JournalMiddleware
from mockserver.server.routes import Endpoint, contract_routes
from mockserver.spec.contract import CREATE, MOCK_JWKS, MOCK_PAGE, MOCK_TOKEN_LOOKUP, Operation
from mockserver.store.memory import MemoryStore

# Each operation of openapi.yaml, by operation id, and the endpoint that answers it.
ENDPOINTS: dict[str, Endpoint] = {
    MOCK_TOKEN_LOOKUP: api.token_lookup,
    MOCK_PAGE: page.iframe_page,
    "mock_iframe_messages_list": chat.list_messages,
    "mock_iframe_messages_create": chat.post_message,
    "mock_chat_script_retrieve": chat.chat_script,
    MOCK_JWKS: api.jwks,
    "mock_openapi_retrieve": api.openapi_document,
    CAMELAI.jwks: api.jwks,
}

# Operations whose answers have behaviour of their own, after the generic endpoint's checks, by operation id (each
# collection's operations are added from the document's structure: server/endpoints/collections.py).
BEHAVIOURS: dict[str, Behaviour] = {
    CREATE: api.create_iframe_link,
    CAMELAI.sts_token: sts.issue,
    CAMELAI.ask: threads.ask,
    CAMELAI.threads.messages_operation: threads.messages,
}


def create_app(mock: Mock, inner: Sequence[Middleware] = ()) -> Starlette:
    """The mock's app; `inner` are layers inside its own middleware, which see and journal what they answer (the
    top level adds `serve --replay` so: `server/` never imports `proxy/`)."""
    behaviours = {**collections.behaviours(mock.collections), **BEHAVIOURS}

    def generic(operation: Operation) -> Endpoint:
        return generic_endpoint(operation, behaviours.get(operation.operation_id))

    routes = [*contract_routes(mock.contract, ENDPOINTS, generic), *admin.routes(mock)]
    # Outermost first: the journal, which sees faults and per-IP refusals as the client does. With --no-admin
    # nothing can read a journal, so none is kept.
    middleware = [Middleware(FaultMiddleware, mock=mock)]
    if mock.admin is not None:
        middleware.insert(0, Middleware(JournalMiddleware, mock=mock))
    if mock.settings.ip_rate_limit:  # off by default, and then not a layer every request passes through
        middleware.append(Middleware(IpLimitMiddleware, mock=mock))
    middleware.extend(inner)
    if not isinstance(mock.store, MemoryStore):
        # A shared store: ClockSync goes outside everything, so every layer reads the shared clock and a store
        # outage anywhere is a 503. In one process's memory there is no other clock to agree with.
        middleware.insert(0, Middleware(ClockSync, mock=mock))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        saved = await mock.store.load_clock()  # a clock moved through another worker's admin API
        if saved is not None:
            mock.clock.state = saved
        await mock.store.start()  # a shared store's scripts, before the first request
        mock.signer.start()  # serving: with ES256 a helper process makes nonces ahead (core/nonces.py)
        yield
        mock.signer.close()
        await mock.store.close()

    app = Starlette(routes=routes, middleware=middleware, exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan)
    app.state.mock = mock
    app.router.redirect_slashes = False  # a near miss is a 404 naming the documented path, never an empty 307
    return app

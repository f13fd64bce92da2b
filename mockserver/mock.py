"""The running mock's parts, built and checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from .clock import Clock
from .config import ConfigError, Settings
from .contract import Contract, Operation, load_contract
from .errors import ApiError
from .rules import defaults_of
from .shared import SharedStart, is_memory
from .store import MemoryStore, Store
from .tokens import Signer, generate_signer, load_signer_file

CREATE = "iframe_create_create"
SESSION_HEADER = "x-mock-session"
DEFAULT_SESSION = "default"


@dataclass
class Mock:
    settings: Settings
    contract: Contract
    signer: Signer
    clock: Clock
    store: Store
    create: Operation
    defaults: dict[str, Any]
    signing_key_generated: bool

    def public_base(self, request: Request) -> str:
        """`--public-url`, or the URL the request came in on."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        scope = request.scope
        host = request.headers.get("host")
        if not host:
            server = scope.get("server") or ("localhost", 80)
            host = f"{server[0]}:{server[1]}"
        # Read straight from the scope: building Starlette's URL object costs more than the rest of this.
        return f"{scope['scheme']}://{host}{scope.get('root_path', '')}".rstrip("/")


def build_mock(settings: Settings, *, store: Store | None = None, clock: Clock | None = None) -> Mock:
    """Every start-up check happens here; each failure names its source (ContractError, ConfigError...)."""
    contract = load_contract(settings.spec)
    try:
        create = contract.operation(CREATE)
    except KeyError:
        raise ConfigError(f"{contract.path}: has no operation {CREATE!r} (POST /api/v1/iframe/create)") from None
    if create.body is None:
        raise ConfigError(f"{contract.path}: {CREATE} has no application/json request body schema")
    models = create.body.schema.get("properties", {}).get("model", {}).get("enum")
    for key, policy in settings.api_keys.items():
        unknown = sorted(set(policy.models or ()) - set(models or ()))
        if models and unknown:
            raise ConfigError(
                f"api_keys.{key}.models: {', '.join(unknown)} not in the contract's models ({', '.join(models)})"
            )
    if settings.max_body_bytes < 1:
        raise ConfigError(f"max_body_bytes: {settings.max_body_bytes} must be at least 1")
    clock = clock or Clock.parse(settings.clock)
    signer = load_signer_file(settings.alg, settings.signing_key) if settings.signing_key else None
    if store is None and not is_memory(settings.store):
        assert settings.store is not None
        with SharedStart(settings.store, settings.store_prefix) as shared:
            signer = signer or shared.signer(settings.alg)
            shared.adopt_clock(clock)
            store = shared.store
    elif settings.workers > 1 and is_memory(settings.store):
        raise ConfigError(
            f"--workers {settings.workers} needs a shared store: pass --store redis://host:port/db "
            "(with the in-memory store each worker would keep its own tokens, limits and clock)"
        )
    return Mock(
        settings=settings,
        contract=contract,
        signer=signer or generate_signer(settings.alg),
        clock=clock,
        store=store or MemoryStore(),
        create=create,
        defaults=defaults_of(create.body.schema),
        signing_key_generated=not settings.signing_key,
    )


def mock_of(request: Request) -> Mock:
    mock: Mock = request.app.state.mock
    return mock


def session_of(request: Request) -> str:
    name = request.headers.get(SESSION_HEADER)
    if name is None:
        return DEFAULT_SESSION
    if not name or len(name) > 200 or not name.isprintable():
        raise ApiError(400, f"X-Mock-Session: {name[:40]!r} must be 1-200 printable characters")
    return name

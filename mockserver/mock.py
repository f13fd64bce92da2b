"""The running mock's parts, built and checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import Scope

from mockserver.config import ConfigError, Settings, check_host_names, is_memory
from mockserver.core.clock import Clock
from mockserver.core.limits import unknown_windows
from mockserver.core.rules import defaults_of
from mockserver.core.tokens import Signer, generate_signer, load_signer_file
from mockserver.server.prefer import Responder
from mockserver.spec.contract import ADMIN_SPEC, CREATE, SESSION_PARAMETER, Contract, Operation, load_contract
from mockserver.spec.validation import BodyValidator
from mockserver.store.base import Store
from mockserver.store.memory import MemoryStore


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
    responder: Responder
    session_rule: BodyValidator  # the contract's MockSession parameter: what a session name may be
    admin: Contract | None = None  # the admin API's own document; None with --no-admin

    def public_base(self, scope: Scope, host: str | None) -> str:
        """`--public-url`, or the URL the request came in on (`host`: its Host header)."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
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
    unknown = unknown_windows(create.body.schema.get("properties", {}).get("limits", {}))
    if unknown:
        raise ConfigError(f"{contract.path}: limits.{unknown[0]}: a window the mock has no length for (see limits.py)")
    session_rule = contract.parameters.get(SESSION_PARAMETER)
    if session_rule is None:
        raise ConfigError(
            f"{contract.path}: has no components.parameters.{SESSION_PARAMETER} (what a session name may be)"
        )
    models = create.body.schema.get("properties", {}).get("model", {}).get("enum")
    for key, policy in settings.api_keys.items():
        unknown = sorted(set(policy.models or ()) - set(models or ()))
        if models and unknown:
            raise ConfigError(
                f"api_keys.{key}.models: {', '.join(unknown)} not in the contract's models ({', '.join(models)})"
            )
    try:
        responder = Responder(create, settings.responses, settings.seed)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if settings.max_body_bytes < 1:
        raise ConfigError(f"max_body_bytes: {settings.max_body_bytes} must be at least 1")
    if settings.max_header_bytes < 1024:
        raise ConfigError(
            f"max_header_bytes: {settings.max_header_bytes} must be at least 1024 (ordinary requests need that much)"
        )
    check_host_names(settings.allowed_hosts)
    if settings.journal_size < 1:
        raise ConfigError(f"journal_size: {settings.journal_size} must be at least 1")
    if settings.ip_rate_limit is not None and settings.ip_rate_limit < 1:
        raise ConfigError(f"ip_rate_limit: {settings.ip_rate_limit} must be at least 1 a minute")
    clock = clock or Clock.parse(settings.clock)
    signer = load_signer_file(settings.alg, settings.signing_key) if settings.signing_key else None
    if store is None and not is_memory(settings.store):
        assert settings.store is not None
        from mockserver.store.shared_start import (
            SharedStart,  # imports redis (~0.1 s): only when a shared store is asked for
        )

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
        admin=load_contract(ADMIN_SPEC) if settings.admin else None,
        responder=responder,
        session_rule=session_rule,
    )


def mock_of(request: Request) -> Mock:
    mock: Mock = request.app.state.mock
    return mock

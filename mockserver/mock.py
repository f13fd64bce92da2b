"""The running mock's parts, built and checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.types import Scope

from mockserver.config import ConfigError, Settings, is_memory
from mockserver.core.camelai import CAMELAI
from mockserver.core.clock import Clock
from mockserver.core.limits import unknown_windows
from mockserver.core.sts import StsVerifier
from mockserver.core.tokens import Signer, generate_signer, load_signer_file
from mockserver.core.violations import ViolationTally
from mockserver.server.prefer import Responder
from mockserver.spec.collections import Collections, find_collections
from mockserver.spec.contract import (
    ADMIN_SPEC,
    CREATE,
    SESSION_PARAMETER,
    SESSION_QUERY,
    Contract,
    Operation,
    load_contract,
)
from mockserver.spec.coverage import OperationPlan, plan_of
from mockserver.spec.seeds import load_seed_data
from mockserver.spec.shape import shape_of
from mockserver.spec.validation import BodyValidator
from mockserver.store.base import Store
from mockserver.store.memory import MemoryStore

if TYPE_CHECKING:
    from mockserver.diff.model import Report


@dataclass
class Mock:
    settings: Settings
    contract: Contract
    signer: Signer
    clock: Clock
    store: Store
    create: Operation | None  # the iframe create, when the document has it: the mock's own behaviour
    signing_key_generated: bool
    responders: dict[str, Responder]  # by operation id: which answer an accepted request gets
    link_prefixes: tuple[str, ...]  # the iframe link's paths: where `?mock_session=` works and --ip-rate-limit counts
    session_rule: BodyValidator  # the contract's MockSession parameter: what a session name may be
    collections: Collections  # the document's collections, recognised from its structure
    sts: StsVerifier  # checks STS tokens sent as bearer credentials
    admin: Contract | None = None  # the admin API's own document; None with --no-admin
    violations: ViolationTally = field(default_factory=ViolationTally)  # counted by `mockserver proxy`
    diff: Report | None = None  # `--diff-from OLD`: what changed from OLD to the document in use
    # What the coverage counters count per operation id (spec/coverage.py), worked out once here: the vendor's
    # operations (the mock's own additions are no contract to cover).
    coverage: dict[str, OperationPlan] = field(default_factory=dict)

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
    settings.check()
    contract = load_contract(settings.spec, settings.overlays)
    create = _create_operation(contract, settings)
    session_rule = contract.parameters.get(SESSION_PARAMETER)
    if session_rule is None:
        raise ConfigError(
            f"{contract.path}: has no components.parameters.{SESSION_PARAMETER} (what a session name may be)"
        )
    try:
        responders = {
            op_id: Responder(op, settings.responses, settings.seed) for op_id, op in contract.operations.items()
        }
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    clock = clock or Clock.parse(settings.clock)
    collections = find_collections(contract)
    seeds = load_seed_data(settings.seed_data, collections, clock.now()) if settings.seed_data else {}
    signer = load_signer_file(settings.alg, settings.signing_key) if settings.signing_key else None
    if store is None and not is_memory(settings.store):
        assert settings.store is not None
        from mockserver.store.shared_start import (
            SharedStart,  # imports redis (~0.1 s): only when a shared store is asked for
        )

        with SharedStart(settings.store, settings.store_prefix) as shared:
            signer = signer or shared.signer(settings.alg)
            shared.adopt_clock(clock)
            shared.load_scripts()
            store = shared.store
    signer = signer or generate_signer(settings.alg)
    kept: Store = store or MemoryStore()
    kept.resources.seeds = seeds
    return Mock(
        settings=settings,
        contract=contract,
        signer=signer,
        clock=clock,
        store=kept,
        create=create,
        signing_key_generated=not settings.signing_key,
        admin=load_contract(ADMIN_SPEC, mock=False) if settings.admin else None,
        responders=responders,
        link_prefixes=contract.prefixes_taking(SESSION_QUERY),
        session_rule=session_rule,
        collections=collections,
        sts=StsVerifier(signer, clock, CAMELAI.sts_scopes_claim),
        diff=_diff(settings.diff_from, contract) if settings.diff_from else None,
        coverage={op_id: plan_of(op) for op_id, op in contract.operations.items() if not op.mock},
    )


def _diff(old: str, contract: Contract) -> Report:
    """`--diff-from OLD`: both read as the vendor wrote them (no overlays), as `mockserver diff` reads them; imported
    only then, as it costs every other start-up time."""
    from mockserver.diff.documents import diff_documents

    return diff_documents(old, str(contract.path))


def _create_operation(contract: Contract, settings: Settings) -> Operation | None:
    """The iframe create, checked against what the mock can do with it; None when the document has none."""
    create = contract.operations.get(CREATE)
    if create is None:
        return None
    if create.body is None:
        raise ConfigError(f"{contract.path}: {CREATE} has no application/json request body schema")
    f = CAMELAI.create
    for name, claim in ((f.uid, "sub"), (f.ttl, "exp")):  # every token needs them
        if name not in create.shape.required and name not in create.defaults:
            raise ConfigError(
                f"{contract.path}: {CREATE}: {name} is neither required nor defaulted; the token's {claim} needs it"
            )
    unknown = unknown_windows(shape_of(create.shape.properties.get(f.limits), create.body.resolve).properties)
    if unknown:
        raise ConfigError(
            f"{contract.path}: {f.limits}.{unknown[0]}: a window the mock has no length for (see limits.py)"
        )
    models = create.shape.properties.get(f.model, {}).get("enum")  # the shape's properties are followed already
    for key, policy in settings.api_keys.items():
        unknown = sorted(set(policy.models or ()) - set(models or ()))
        if models and unknown:
            raise ConfigError(
                f"api_keys.{key}.models: {', '.join(unknown)} not in the contract's models ({', '.join(models)})"
            )
    return create


def mock_of(request: Request) -> Mock:
    mock: Mock = request.app.state.mock
    return mock

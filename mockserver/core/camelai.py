"""CAMELAI: every rule of the mock that is camelAI's own and that no document's structure could tell. The one table,
in core/ so that the pure rules (core/rules.py, core/sts.py) read it as the endpoints do.

Each entry names operations by operation id and fields by name, as camelAI's document spells them. An operation the
document in use does not have is simply not served that way; nothing else in the package names a camelAI operation
(beyond the mock's own `mock_*` operations), path or field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ThreadRules:
    """camelAI's threads: a collection the iframe chat and `ask_camel` write to, with messages of their own."""

    collection: str = "threads"  # the collection holding them
    messages_operation: str = "threads_messages_retrieve"  # GET <thread>/messages: the thread's messages
    messages_param: str = "thread_id"  # its path parameter naming the thread
    messages_field: str = "messages"  # its answer's fields: the messages, the thread's id, their count
    messages_thread_field: str = "thread_id"
    messages_count_field: str = "message_count"
    # Thread fields the mock writes itself: who asked, how, with what; `message_count` is a string in the document.
    uid_field: str = "uid"
    source_field: str = "source"
    title_field: str = "title"
    count_field: str = "message_count"
    model_field: str = "model"
    connections_field: str = "connection_ids"
    connection_names_field: str = "connection_names"
    chat_source: str = "UI"  # a thread of the iframe page's chat
    api_source: str = "API"  # a thread made by ask_camel
    api_uid: str = "api"  # the uid of a thread asked for with an API key (an STS token names its own uid)


@dataclass(frozen=True)
class CreateFields:
    """The iframe create's request and answer fields, and the token claims the mock's rules read from them."""

    uid: str = "uid"  # whom the iframe is for: the token's `sub`
    ttl: str = "ttl"  # seconds the link lives: the token's `exp` - `iat`, and the answer's expires_in
    model: str = "model"  # checked against the API key's models
    limits: str = "limits"  # per-uid message windows (core/limits.py)
    theme: str = "theme"  # its settings win over the deprecated fields below
    theme_id: str = "theme_id"
    response_mode: str = "response_mode"  # a theme's value is taken as it is; the two flags below as booleans
    theme_flags: tuple[str, ...] = ("show_sidebar", "show_dashboards")
    sources: str = "srcs"
    source: str = "src"  # the STS token's deprecated single source
    knowledge_base: str = "knowledge_base_entries"
    reference_queries: str = "reference_queries"
    iframe_url: str = "iframe_url"  # the answer's fields
    cache_key: str = "cache_key"
    expires_in: str = "expires_in"


@dataclass(frozen=True)
class TokenAnswer:
    """The STS token endpoint's answer fields (OAuth 2.0's)."""

    access_token: str = "access_token"
    token_type: str = "token_type"
    expires_in: str = "expires_in"
    bearer: str = "bearer"


@dataclass(frozen=True)
class CamelAI:
    iframe_create: str = "iframe_create_create"
    uid_field: str = "uid"  # whom a request is for: the journal names it (the create's body, an STS token's sub)
    create: CreateFields = field(default_factory=CreateFields)
    token_answer: TokenAnswer = field(default_factory=TokenAnswer)
    sts_token: str = "token_create"  # POST /api/v1/token: an STS token, a JWT signed with the mock's key
    sts_scopes_claim: str = "scopes"  # the claim that tells an STS token from an iframe token
    jwks: str = "getJWKS"  # the document's own JWKS path, served like /.well-known/jwks.json
    ask: str = "ask_camel_create"  # POST /api/v1/ask_camel: always a new thread, answered like the page's chat
    ask_message_field: str = "message"
    ask_source_field: str = "source_id"
    answer_message_field: str = "message"
    threads: ThreadRules = field(default_factory=ThreadRules)

    def operations(self) -> dict[str, str]:
        """Each operation id with what the mock does for it, for the admin API's listing."""
        return {
            self.sts_token: "issues an STS token: a JWT signed with the mock's key, accepted as a bearer credential",
            self.jwks: "the keys that verify the mock's tokens",
            self.ask: f"makes a new thread in {self.threads.collection} with a canned answer",
            self.threads.messages_operation: f"the messages of a thread in {self.threads.collection}",
        }


CAMELAI = CamelAI()


def thread_title(message: str, schema: dict[str, Any]) -> str:
    """A new thread's title: its first message, cut to what the title field holds."""
    props = schema.get("properties") or {}
    limit = (props.get(CAMELAI.threads.title_field) or {}).get("maxLength") or 255
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

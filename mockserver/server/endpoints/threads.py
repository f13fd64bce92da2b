"""Threads: one store for the iframe page's chat and camelAI's threads API (`CAMELAI.threads` names the parts).

The threads are the document's threads collection (or, in a document without one, a bare collection the mock keeps
for the chat alone). The page's chat writes to one thread per uid, made on its first message; `ask_camel` makes a new
thread per call. Both answer with the same canned reply. Renaming or deleting a thread through the API is what the
page then shows: its title, or an empty chat (the next message starts a new thread).
"""

from __future__ import annotations

from typing import Any

from mockserver.core.camelai import CAMELAI, thread_title
from mockserver.core.clock import format_time
from mockserver.core.errors import ApiError
from mockserver.mock import Mock
from mockserver.server.endpoints.collections import SWAP_ATTEMPTS, item_key, not_found, session_of
from mockserver.server.endpoints.generic import Accepted
from mockserver.spec.collections import Collection, bare_collection
from mockserver.spec.contract import Operation
from mockserver.spec.items import id_key, merged, new_item
from mockserver.store.resources import MAX_MESSAGES, IdRule, Stored, over_budget

RULES = CAMELAI.threads


def threads_of(mock: Mock) -> Collection:
    return mock.collections.by_name.get(RULES.collection) or _BARE


_BARE = bare_collection(RULES.collection)


def reply_to(text: str, model: str | None) -> str:
    quoted = text if len(text) <= 200 else text[:199] + "…"
    said = f"[{model}] " if model else ""
    return f"{said}This is the camelAI mock: no data was queried and no model was called. You asked: {quoted}"


def exchange(text: str, reply: str, source: str, now: float) -> list[dict[str, Any]]:
    """A user's message and the mock's reply, as a thread keeps them (the store numbers them)."""
    stamp = format_time(now)
    return [
        {"role": "user", "content": text, "created_at": stamp, "source": source},
        {"role": "assistant", "content": reply, "created_at": stamp, "source": source},
    ]


async def _start(
    mock: Mock,
    session: str,
    *,
    uid: str,
    source: str,
    title: str,
    model: str | None,
    connections: list[Any],
    unique: str | None = None,
) -> Stored:
    """A new thread (or, with `unique`, the one already made under that key)."""
    c = threads_of(mock)
    now = mock.clock.now()
    body: dict[str, Any] = {RULES.title_field: thread_title(title, c.schema), RULES.connections_field: connections}
    if model is not None:
        body[RULES.model_field] = model
    fixed = {
        RULES.uid_field: uid,
        RULES.source_field: source,
        RULES.count_field: "0",
        RULES.connection_names_field: ", ".join(map(str, connections)),
    }
    item = new_item(c, body, now, fixed)
    created = await mock.store.resources.create(session, c.name, item, IdRule(c.id_field, c.id_kind), unique)
    if created.stored is None:
        raise ApiError(409, over_budget(c.name))
    return created.stored


async def _append(mock: Mock, session: str, key: str, said: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Append to the thread, counting its messages and moving its modification time; None when it is gone."""
    c = threads_of(mock)
    resources = mock.store.resources
    stored = resources.known(session, c.name, key) or await resources.get(session, c.name, key)
    for _ in range(SWAP_ATTEMPTS):
        if stored is None:
            return None
        new = merged(c, stored.item, {}, mock.clock.now())
        if RULES.count_field in c.properties:
            held = str(stored.item.get(RULES.count_field, "0"))
            new[RULES.count_field] = str(min((int(held) if held.isdigit() else 0) + len(said), MAX_MESSAGES))
        swapped = await resources.swap(session, c.name, key, stored.raw, new, said)
        if swapped.outcome == "swapped":
            return swapped.messages
        if swapped.outcome == "missing":
            return None
        if swapped.outcome == "full":
            raise ApiError(409, over_budget(c.name))
        stored = swapped.current or await resources.get(session, c.name, key)
    raise ApiError(409, f"{c.name}: the thread kept changing under other requests; send the message again")


def _chat_key(uid: str) -> str:
    return f"chat:{uid}"


async def chat_say(
    mock: Mock, session: str, uid: str, model: str, sources: list[Any], text: str
) -> list[dict[str, Any]]:
    """The page's chat: a message and its reply in the uid's thread, which the first message makes."""
    said = exchange(text, reply_to(text, model), RULES.chat_source, mock.clock.now())
    for _ in range(2):  # the thread may be deleted between finding it and writing to it: then a new one
        thread = await _start(
            mock,
            session,
            uid=uid,
            source=RULES.chat_source,
            title=text,
            model=model,
            connections=sources,
            unique=_chat_key(uid),
        )
        c = threads_of(mock)
        stored = await _append(mock, session, id_key(thread.item[c.id_field]), said)
        if stored is not None:
            return stored
    raise ApiError(
        409, f"{RULES.collection}: uid {uid!r}'s thread was deleted while the message was sent; send it again"
    )


async def chat_thread(mock: Mock, session: str, uid: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The uid's chat thread (None before its first message or once deleted) and its messages, oldest first."""
    c = threads_of(mock)
    thread = await mock.store.resources.find(session, c.name, _chat_key(uid))
    if thread is None:
        return None, []
    messages = await mock.store.resources.messages(session, c.name, id_key(thread.item[c.id_field]))
    return thread.item, messages or []


async def ask(mock: Mock, op: Operation, request: Accepted) -> tuple[int, Any]:
    """`ask_camel`: a new thread holding the question and the canned answer, which is the answer."""
    body = request.body or {}
    text = str(body.get(CAMELAI.ask_message_field, ""))
    reply = reply_to(text, None)
    claims = request.auth.claims
    uid = str(claims["sub"]) if claims else RULES.api_uid
    source = body.get(CAMELAI.ask_source_field)
    session = session_of(mock, request)
    thread = await _start(
        mock,
        session,
        uid=uid,
        source=RULES.api_source,
        title=text,
        model=None,
        connections=[source] if source is not None else [],
    )
    c = threads_of(mock)
    said = exchange(text, reply, RULES.api_source, mock.clock.now())
    await _append(mock, session, id_key(thread.item[c.id_field]), said)
    return op.success, {CAMELAI.answer_message_field: reply}


async def messages(mock: Mock, op: Operation, request: Accepted) -> tuple[int, Any]:
    """A thread's messages, oldest first, in the document's shape."""
    c = threads_of(mock)
    params = request.scope["path_params"]
    raw = params.get(RULES.messages_param) or next(iter(params.values()), "")  # a document may name it otherwise
    key = item_key(c, raw)
    found = await mock.store.resources.messages(session_of(mock, request), c.name, key)
    if found is None:
        raise not_found(c, raw, RULES.messages_param)
    return op.success, {
        RULES.messages_field: found,
        RULES.messages_thread_field: int(key) if c.id_kind == "integer" else key,
        RULES.messages_count_field: len(found),
    }

"""The proxy's client of the real API against scripted servers on loopback: framing, keep-alive, requests sent once,
TLS with a CA from `trustme`, a forward proxy from the environment, and each way an answer can go wrong."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable

import pytest
import trustme

from mockserver.core.errors import ApiError
from mockserver.proxy.settings import ProxySettings
from mockserver.proxy.upstream import Upstream, UpstreamAnswer
from tests.scripted_servers import OK, ForwardProxy, Scripted, proxying, serving

CLOSE_AFTER_ONE = [OK, None]  # on each connection: answer the first request, read the next, close without answering
MakeUpstream = Callable[..., Upstream]


@pytest.fixture
async def upstreams() -> AsyncIterator[MakeUpstream]:
    made: list[Upstream] = []

    def make(url: str, timeout: float = 5, max_bytes: int = 1000, max_head: int = 8192, **kw: object) -> Upstream:
        upstream = Upstream(ProxySettings(url, timeout, **kw), max_bytes, max_head)  # type: ignore[arg-type]
        made.append(upstream)
        return upstream

    yield make
    for upstream in made:
        await upstream.close()


async def call(upstream: Upstream, method: str = "GET", body: bytes = b"", path: str = "/x") -> UpstreamAnswer:
    return await upstream.send(method, path, b"", upstream.headers_for(method, [], body), body)


async def refusal(upstream: Upstream, method: str = "GET", body: bytes = b"") -> ApiError:
    with pytest.raises(ApiError) as failed:
        await call(upstream, method, body)
    return failed.value


async def test_a_keep_alive_connection_is_reused(upstreams: MakeUpstream) -> None:
    script = Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nhi", b"HTTP/1.1 204 No Content\r\n\r\n"])
    async with serving(script) as url:
        upstream = upstreams(url)
        first = await call(upstream)
        assert (first.status, first.reason, first.headers, first.raw) == (
            200,
            "OK",
            [(b"content-length", b"2"), (b"x-a", b"1")],
            b"hi",
        )
        assert (await call(upstream)).status == 204
    assert script.connections == 1
    host = url.removeprefix("http://").encode()
    assert script.arrivals == [(b"GET /x HTTP/1.1", b"")] * 2
    assert upstream.headers_for("GET", [], b"") == [(b"host", host)]


async def test_chunked_and_interim_answers_are_read_whole(upstreams: MakeUpstream) -> None:
    chunked = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    async with serving(Scripted([chunked])) as url:
        answer = await call(upstreams(url))
    assert (answer.status, answer.raw, answer.headers) == (200, b"abcde", [])  # transfer-encoding is hop-by-hop


async def test_an_answer_that_ends_with_the_connection_is_whole(upstreams: MakeUpstream) -> None:
    answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"
    script = Scripted([answer, answer])
    async with serving(script) as url:
        upstream = upstreams(url)
        assert (await call(upstream)).raw == b"until the end"
        assert (await call(upstream)).raw == b"until the end"
    assert script.connections == 2  # the first connection ended with its answer


async def test_a_create_reaches_the_upstream_once_even_when_a_kept_connection_closes(upstreams: MakeUpstream) -> None:
    # RFC 9112 section 9.3.1.1: a request that is not idempotent is never sent again by itself.
    script = Scripted(CLOSE_AFTER_ONE, each_connection=True)
    async with serving(script) as url:
        upstream = upstreams(url)
        outcomes = []
        for uid in (b"u1", b"u2", b"u3"):
            try:
                outcomes.append((await call(upstream, "POST", b'{"uid":"%s"}' % uid)).status)
            except ApiError as failed:
                outcomes.append(failed.status)
                assert failed.message.startswith(f"upstream {url} closed the connection without a complete answer")
    assert outcomes == [200, 502, 200]
    assert [body for _, body in script.arrivals] == [b'{"uid":"u1"}', b'{"uid":"u2"}', b'{"uid":"u3"}']


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])
async def test_an_idempotent_request_is_sent_again_once_on_a_new_connection(
    upstreams: MakeUpstream, method: str
) -> None:
    ok = OK.removesuffix(b"{}") if method == "HEAD" else OK  # an answer to HEAD has no body
    script = Scripted([ok, None], each_connection=True)
    async with serving(script) as url:
        upstream = upstreams(url)
        assert (await call(upstream, method)).status == 200
        assert (await call(upstream, method)).status == 200
    assert (len(script.arrivals), script.connections) == (3, 2)


async def test_the_upstream_keeps_no_cookies(upstreams: MakeUpstream) -> None:
    script = Scripted([b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=abc; Path=/\r\nContent-Length: 0\r\n\r\n", OK])
    async with serving(script) as url:
        upstream = upstreams(url)
        assert (await call(upstream)).header(b"set-cookie") == "sid=abc; Path=/"  # passed on to the client
        await call(upstream)
    assert b"cookie" not in script.heads[1].lower()  # ... and not sent back by the proxy itself


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000,
            502,
            "answered GET /x with more than 1000 bytes, over this proxy's limit (--max-body-bytes)",
            id="too-large-by-its-length",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * 5000,
            502,
            "answered GET /x with more than 1000 bytes, over this proxy's limit (--max-body-bytes)",
            id="too-large-as-it-arrives",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nX-Big: " + b"y" * 9000 + b"\r\nContent-Length: 0\r\n\r\n",
            502,
            "answered GET /x with what is not a usable HTTP/1.1 answer (",
            id="head-too-large",
        ),
        pytest.param(
            b"SSH-2.0-OpenSSH\r\n\r\n", 502, "answered GET /x with what is not a usable HTTP/1.1 answer", id="not-http"
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\nhalf",
            502,
            "closed the connection without a complete answer",
            id="cut-short",
        ),
        pytest.param(None, 502, "closed the connection without a complete answer", id="closed-before-answering"),
    ],
)
async def test_an_answer_that_cannot_be_used_is_a_502_naming_why(
    upstreams: MakeUpstream, answer: bytes | None, status: int, message: str
) -> None:
    async with serving(Scripted([answer])) as url:
        failed = await refusal(upstreams(url))
    assert failed.status == status
    assert failed.message.startswith(f"upstream {url} ")
    assert message in failed.message


async def test_no_answer_in_time_is_a_504(upstreams: MakeUpstream) -> None:
    class Silent(Scripted):
        async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()  # until the client goes away
            writer.close()

    async with serving(Silent([])) as url:
        failed = await refusal(upstreams(url, timeout=0.2))
    assert (failed.status, failed.message) == (
        504,
        f"upstream {url} did not answer GET /x within 0.2 s (waiting for the answer); --upstream-timeout sets the limit",
    )


async def test_a_refused_connection_is_a_502_naming_the_upstream(upstreams: MakeUpstream) -> None:
    async with serving(Scripted([])) as url:
        pass  # closed: nothing listens there any more
    failed = await refusal(upstreams(url))
    assert failed.status == 502 and failed.message.startswith(f"upstream {url} is unreachable (")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_server(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


async def test_a_tls_upstream_is_reached_with_its_ca(
    upstreams: MakeUpstream, tls_server: ssl.SSLContext, ca_file: str
) -> None:
    async with serving(Scripted([OK]), tls=tls_server) as url:
        answer = await call(upstreams(url, upstream_ca=ca_file))
    assert (answer.status, answer.raw) == (200, b"{}")


async def test_a_tls_upstream_whose_ca_is_not_trusted_is_a_502_naming_the_certificate(
    upstreams: MakeUpstream, tls_server: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    script = Scripted([OK])
    async with serving(script, tls=tls_server) as url:
        failed = await refusal(upstreams(url))  # the system's trust store: the test CA is not in it
    assert failed.status == 502
    assert failed.message.startswith(f"upstream {url}: its TLS certificate was refused (")
    assert "certificate verify failed" in failed.message and failed.message.endswith(
        "--upstream-ca FILE names the CA to trust"
    )
    assert script.arrivals == []


async def test_the_system_store_reads_ssl_cert_file(
    upstreams: MakeUpstream, tls_server: ssl.SSLContext, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    async with serving(Scripted([OK]), tls=tls_server) as url:
        assert (await call(upstreams(url))).status == 200


@pytest.mark.parametrize(
    ("environment", "env_proxy", "through"),
    [
        pytest.param({"HTTPS_PROXY": "{proxy}"}, True, True, id="https-proxy"),
        pytest.param({"https_proxy": "{proxy}"}, True, True, id="lower-case"),
        pytest.param({"HTTPS_PROXY": "{proxy}", "NO_PROXY": "example.com,127.0.0.1"}, True, False, id="no-proxy"),
        pytest.param({"HTTPS_PROXY": "{proxy}"}, False, False, id="no-env-proxy"),
        pytest.param({"HTTP_PROXY": "{proxy}"}, True, False, id="http-proxy-is-for-http"),
    ],
)
async def test_an_https_upstream_is_reached_through_the_environments_proxy_with_connect(
    upstreams: MakeUpstream,
    tls_server: ssl.SSLContext,
    ca_file: str,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    env_proxy: bool,
    through: bool,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    proxy = ForwardProxy()
    async with proxying(proxy) as proxy_url, serving(Scripted([OK]), tls=tls_server) as url:
        for name, value in environment.items():
            monkeypatch.setenv(name, value.format(proxy=proxy_url))
        upstream = upstreams(url, upstream_ca=ca_file, env_proxy=env_proxy)
        assert (await call(upstream)).status == 200
    assert proxy.seen == ([f"CONNECT {url.removeprefix('https://')} HTTP/1.1"] if through else [])


async def test_an_http_upstream_is_reached_through_http_proxy(
    upstreams: MakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = ForwardProxy()
    async with proxying(proxy) as proxy_url, serving(Scripted([OK])) as url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert (await call(upstreams(url))).status == 200
    assert proxy.seen == [f"GET {url}/x HTTP/1.1"]


async def test_an_unreachable_proxy_is_a_502_naming_it_without_its_credentials(
    upstreams: MakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with proxying(ForwardProxy()) as proxy_url:
        pass  # nothing listens there any more
    monkeypatch.setenv("HTTPS_PROXY", proxy_url.replace("http://", "http://me:s3cret@"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    failed = await refusal(upstreams("https://127.0.0.1:9"))
    assert failed.status == 502 and failed.message.startswith(f"proxy {proxy_url} is unreachable (")
    assert "s3cret" not in failed.message

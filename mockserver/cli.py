"""`mockserver serve`: flags over environment (`MOCKSERVER_*`) over the config file over defaults."""

from __future__ import annotations

import argparse
import gc
import os
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, NoReturn

from mockserver.config import (
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_HEADER,
    ConfigError,
    KeyPolicy,
    Settings,
    display_url,
    is_memory,
    keys_from_env,
    load_config_file,
    parse_ip_rate_limit,
    split_hosts,
)
from mockserver.core.clock import ClockError
from mockserver.core.tokens import ALGORITHMS, SigningKeyError
from mockserver.diff.usage import CoverageError
from mockserver.proxy.settings import DEFAULT_TIMEOUT, ProxySettings, origin, shown_proxy
from mockserver.server.prefer import MODES
from mockserver.spec.contract import ContractError
from mockserver.spec.coverage_report import FORMATS, render
from mockserver.spec.overlay import OverlayError
from mockserver.workers import SETTINGS_ENV, settings_to_json

if TYPE_CHECKING:
    from mockserver.diff.model import Report

STARTUP_ERRORS = (ContractError, OverlayError, ConfigError, SigningKeyError, ClockError)
APP_FACTORY = "mockserver.workers:app_from_env"


def _env(name: str) -> str | None:
    return os.environ.get(f"MOCKSERVER_{name.upper()}")


def _env_flag(name: str) -> bool:
    """An on/off flag from the environment: MOCKSERVER_<NAME>=1, true or yes."""
    return (_env(name) or "").lower() in ("1", "true", "yes")


class _Parser(argparse.ArgumentParser):
    """argparse's refusals as one line, as every other start-up error is (no usage block in front)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} ({self.prog} --help lists every flag)\n")


def _number(kind: type[int] | type[float], variable: str, from_env: str | None) -> Callable[[str], int | float]:
    """A numeric flag's reader; a value that is not a number names the variable it came from, if it did."""

    def parse(text: str) -> int | float:
        try:
            return kind(text)
        except ValueError:
            source = f" (from {variable})" if text == from_env else ""
            noun = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{text!r} is not a {noun}{source}") from None

    return parse


def _env_option(parser: argparse.ArgumentParser) -> Callable[..., argparse.Action]:
    """`parser.add_argument`, with the flag's default taken from MOCKSERVER_<FLAG> (`--no-admin`: MOCKSERVER_NO_ADMIN).

    An on/off flag counts as given when its variable is 1, true or yes; unset, every default is None, so the
    config file and then `Settings` decide.
    """

    def option(flag: str, **kwargs: Any) -> argparse.Action:
        name = flag.lstrip("-").replace("-", "_")
        action = kwargs.get("action")
        if action in ("store_true", "store_false"):
            default: Any = (action == "store_true") if _env_flag(name) else None
        else:
            default = _env(name)
        if kwargs.get("type") in (int, float):
            kwargs["type"] = _number(kwargs["type"], f"MOCKSERVER_{name.upper()}", default)
        return parser.add_argument(flag, default=default, **kwargs)

    return option


def _where(option: Callable[..., argparse.Action], command: argparse.ArgumentParser) -> None:
    """Where a server listens and which document it holds to: `serve` and `proxy` alike."""
    option("--host", help="address to listen on (default 127.0.0.1)")
    option("--port", type=int, help="port to listen on; 0 picks a free one (default 8000)")
    option(
        "--spec",
        help="OpenAPI document to serve and validate against (default: the bundled openapi.yaml)",
    )
    command.add_argument(
        "--overlay",
        action="append",
        dest="overlays",
        metavar="FILE",
        help="an OpenAPI Overlay 1.0 file of your own, applied after the mock's (repeatable, in order)",
    )
    option(
        "--config",
        help="YAML config file: api_keys with per-key models, audience, frame_ancestors, ...",
    )


def _watching(option: Callable[..., argparse.Action]) -> None:
    """The clock, the body limit, logs, the admin API and the journal: `serve` and `proxy` alike."""
    option("--clock", help="real (default), frozen, frozen:<ISO time> or offset:<seconds>")
    option(
        "--max-body-bytes",
        type=int,
        help=f"largest request body accepted (default {DEFAULT_MAX_BODY})",
    )
    option(
        "--max-header-bytes",
        type=int,
        help=f"largest request line and headers accepted, together; larger get a 431 (default {DEFAULT_MAX_HEADER})",
    )
    option(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="(default info)",
    )
    option("--no-access-log", action="store_false", dest="access_log", help="do not log one line per request")
    option("--no-admin", action="store_false", dest="admin", help="turn off the /__mock/ admin API and page")
    option(
        "--admin-key",
        help="protect the admin API: it then wants 'Authorization: Bearer <admin key>'",
    )
    option(
        "--allowed-hosts",
        metavar="HOST,HOST",
        help="host names the admin API answers besides localhost, 127.0.0.1 and [::1]; without it, only those, "
        "and only on connections to a loopback address; with it, on every address",
    )
    option(
        "--journal-size",
        type=int,
        help=f"requests the journal (GET /__mock/requests) keeps per session (default {DEFAULT_JOURNAL_SIZE})",
    )


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="mockserver", description="A contract-true mock of camelAI's iframe API.")
    commands = top.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the mock",
        description="Run the mock. Every flag can also be set "
        "as an environment variable MOCKSERVER_<FLAG> (e.g. MOCKSERVER_PORT=9000).",
    )
    option = _env_option(serve)
    _where(option, serve)
    serve.add_argument(  # MOCKSERVER_API_KEYS is a comma-separated list, read by keys_from_env
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this bearer key (repeatable; also MOCKSERVER_API_KEYS=k1,k2); "
        "with none, any non-empty key is accepted",
    )
    option(
        "--allow-anonymous",
        action="store_true",
        help="accept creates without an Authorization header, as the vendor's security: [{}] allows",
    )
    option("--alg", choices=ALGORITHMS, help="JWT signing algorithm (default ES256)")
    option(
        "--signing-key",
        help="PEM private key (or, for HS256, a file holding the secret) so tokens stay verifiable across restarts; "
        "default: a new key each start",
    )
    option("--audience", help="the JWT 'aud' claim (default camelai-iframe)")
    option(
        "--public-url",
        help="base URL for iframe_url and 'iss' (default: the URL each request came in on)",
    )
    option("--frame-ancestors", help="CSP frame-ancestors of the iframe page (default *)")
    option(
        "--store",
        metavar="URL",
        help="where state lives: memory (default, this process only) or redis://host:port/db, shared by every "
        "worker and replica using the same Redis and prefix",
    )
    option(
        "--store-prefix",
        metavar="PREFIX",
        help="namespace of this mock's keys in Redis (default camelai-mock); replicas that share state share it",
    )
    option(
        "--workers",
        type=int,
        help="worker processes serving one port (default 1); more than one needs --store redis://...",
    )
    _watching(option)
    option(
        "--ip-rate-limit",
        metavar="N/minute",
        help="limit each client address to N requests a minute on the iframe endpoints (default: off)",
    )
    option(
        "--responses",
        choices=MODES,
        help="realistic (default): stateful answers; fuzz: every accepted create answered with a body drawn "
        "from the spec's documented responses (200 and 400)",
    )
    option("--seed", type=int, help="seed of the fuzz draws (default 0)")
    option(
        "--replay",
        metavar="FILE.har",
        help="answer each request that matches one recorded in FILE (method, path, query, JSON body) with the "
        "recorded answer; any other request gets the mock's own",
    )
    option(
        "--replay-only",
        action="store_true",
        help="with --replay: any request not recorded is a 404 naming the closest recorded one",
    )
    option(
        "--seed-data",
        metavar="FILE",
        help="YAML mapping each collection's name to the resources every session's collection starts with",
    )
    option(
        "--diff-from",
        metavar="OLD",
        help="an older document: print at start-up the breaking and behaviour changes from it to --spec, "
        "and serve them all at GET /__mock/diff",
    )
    proxy = commands.add_parser(
        "proxy",
        help="forward to the real API, checking every exchange against the document",
        description="Forward every request to --upstream unchanged and answer with the upstream's answer, plus "
        "X-Mock-Violations: <count>; each violation of the document (request or answer) goes to the journal, "
        "to GET /__mock/violations and, with --record, to a HAR file. Every flag can also be set as an "
        "environment variable MOCKSERVER_<FLAG> (e.g. MOCKSERVER_UPSTREAM=https://api.camelai.com).",
    )
    option = _env_option(proxy)
    option("--upstream", metavar="URL", help="the real API: scheme://host[:port], e.g. https://api.camelai.com")
    option(
        "--upstream-timeout",
        type=float,
        metavar="SECONDS",
        help="for the whole exchange, connecting included; past it the client gets a 504 (default 30)",
    )
    option(
        "--upstream-ca",
        metavar="FILE",
        help="trust only the CA certificates in this PEM file for an https upstream (default: the system's store, "
        "which also reads SSL_CERT_FILE)",
    )
    option(
        "--no-env-proxy",
        action="store_true",
        help="connect to the upstream directly, ignoring HTTPS_PROXY, HTTP_PROXY and NO_PROXY (by default an "
        "http:// proxy they name for the upstream is used, CONNECT for https)",
    )
    option(
        "--refuse-invalid",
        action="store_true",
        help="answer a request that breaks the contract with the mock's own 400 (404, 405, 415) and do not forward it",
    )
    option(
        "--record",
        metavar="FILE.har",
        help="append every exchange to this HAR 1.2 file, credentials and JWTs redacted (replay it with "
        "mockserver serve --replay)",
    )
    _where(option, proxy)
    _watching(option)
    proxy.set_defaults(api_keys=None, ip_rate_limit=None)  # settings_from reads them; a proxy has none
    verify = commands.add_parser(
        "verify",
        help="run the contract suite against a server",
        description="Run the contract suite (schemathesis over openapi.yaml plus the behavioural properties) "
        "against URL. Arguments after -- go to pytest (e.g. -- --max-examples 20 -k ttl). "
        "Needs pytest, hypothesis, schemathesis and httpx (not pytest-asyncio); it names any that is missing.",
    )
    verify.add_argument("url", help="base URL of the server to check, e.g. http://127.0.0.1:8000")
    verify.add_argument("--api-key", default=_env("api_key"), help="bearer key the server accepts")
    verify.add_argument(
        "--spec",
        default=_env("spec"),
        help="the document to check against, for a server that does not serve its own at /openapi.json",
    )
    cover = commands.add_parser(
        "coverage",
        help="which documented answers a test run received, from a running mock",
        description="Read GET /__mock/coverage of the mock at URL and print it: text (a table, like pytest-cov), "
        "markdown (for a pull-request comment), json, html or junit (one test case per documented answer). "
        "Exits 1 when --fail-under is given and coverage is below it.",
    )
    cover.add_argument("--url", required=True, help="base URL of the running mock, e.g. http://127.0.0.1:8000")
    cover.add_argument("--format", dest="form", choices=FORMATS, default="text")
    cover.add_argument("--coverage-operations", dest="operations", metavar="GLOB", help="only operation ids matching")
    cover.add_argument("--admin-key", default=_env("admin_key"), help="the mock's --admin-key, if it has one")
    cover.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 when coverage is below PCT percent")
    cover.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of printing it")
    _diff_parser(commands)
    return top


def _diff_parser(commands: Any) -> None:
    from mockserver.diff.render import FORMATS

    diff = commands.add_parser(
        "diff",
        help="what a new document changes for your client",
        description="Compare two OpenAPI documents as the mock reads them and list each change with its place, "
        "old and new value, and its class from the client's side: breaking (a valid request is refused, or "
        "parsing an answer can break), behaviour (the same request means something else) or additive. "
        "With --coverage or --url, the changes your tests exercise come first.",
    )
    diff.add_argument("old", help="the document your client was written against (e.g. the committed one)")
    diff.add_argument("new", help="the new document (e.g. the live one, fetched)")
    used = diff.add_mutually_exclusive_group()
    used.add_argument("--coverage", metavar="FILE", help="a coverage report (JSON) of your tests' run on the mock")
    used.add_argument("--url", metavar="MOCK", help="a running mock whose GET /__mock/coverage says what was used")
    diff.add_argument("--format", choices=FORMATS, default="text", help="text (default), markdown, json or html")
    diff.add_argument("--output", "-o", metavar="FILE", help="write the report there instead of standard output")
    diff.add_argument(
        "--fail-on",
        choices=("breaking", "behaviour"),
        help="exit 1 when a change is of this class or worse (default: exit 0 whatever changed)",
    )


def diff_command(args: argparse.Namespace) -> int:
    """`mockserver diff`: 0, or 1 when --fail-on finds a change that bad; 2 for a document that cannot be used."""
    from pathlib import Path

    from mockserver.diff.documents import diff_documents
    from mockserver.diff.render import render
    from mockserver.diff.usage import fetch_coverage, load_coverage

    usage = load_coverage(args.coverage) if args.coverage else fetch_coverage(args.url) if args.url else None
    report = diff_documents(args.old, args.new, usage)
    for name, found in report.warnings.items():
        _warn([f"{name}: {w}" for w in found])
    out = render(report, args.format)
    if args.output:
        Path(args.output).write_text(out)
    else:
        sys.stdout.write(out)
    return 1 if report.fails(args.fail_on) else 0


def coverage(args: argparse.Namespace) -> int:
    """`mockserver coverage`: the running mock's report, rendered."""
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    query = urllib.parse.urlencode({"operations": args.operations} if args.operations else {})
    request = urllib.request.Request(f"{args.url.rstrip('/')}/__mock/coverage" + (f"?{query}" if query else ""))
    if args.admin_key:
        request.add_header("Authorization", f"Bearer {args.admin_key}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            data = json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"mockserver: error: cannot read {args.url}/__mock/coverage: {exc}", file=sys.stderr)
        return 2
    text = render(data, args.form)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 1 if args.fail_under is not None and data["coverage"] * 100 < args.fail_under else 0


def settings_from(args: argparse.Namespace) -> Settings:
    """Each `serve` flag's dest is the name of the Settings field it sets; three need reading first."""
    settings = load_config_file(args.config) if args.config else Settings()
    flags = {f.name: getattr(args, f.name) for f in fields(Settings) if hasattr(args, f.name)}
    keys: dict[str, KeyPolicy] = {**keys_from_env(), **{k: KeyPolicy() for k in args.api_keys or ()}}
    flags["api_keys"] = {**settings.api_keys, **keys} if keys else None
    flags["overlays"] = tuple(args.overlays) if args.overlays else None
    flags["ip_rate_limit"] = parse_ip_rate_limit(args.ip_rate_limit) if args.ip_rate_limit else None
    flags["allowed_hosts"] = split_hosts(args.allowed_hosts) if args.allowed_hosts else None
    return settings.with_overrides(**flags)


def banner(settings: Settings, url: str, generated_key: bool, alg: str) -> str:
    if settings.api_keys:
        auth = f"{len(settings.api_keys)} API key(s) accepted"
    else:
        auth = "ANY non-empty bearer key accepted (no --api-key configured)"
    if settings.allow_anonymous:
        auth += ", anonymous allowed"
    if not generated_key:
        key = f"key {settings.signing_key}"
    elif is_memory(settings.store):
        key = "new signing key"
    else:
        key = f"signing key shared under {settings.store_prefix}"
    store = "memory store" if is_memory(settings.store) else f"store {display_url(settings.store or '')}"
    workers = f", {settings.workers} workers" if settings.workers > 1 else ""
    if not settings.admin:
        admin = "admin API off"
    else:
        admin = f"admin API at {url}/__mock/" + (" (admin key required)" if settings.admin_key else "")
    limit = f"; {settings.ip_rate_limit}/minute per address on iframe endpoints" if settings.ip_rate_limit else ""
    return f"camelAI mock listening on {url} ({alg}, {key}; {auth}; {store}{workers}); {admin}{limit}"


def _listen(settings: Settings) -> tuple[socket.socket, str]:
    """The listening socket, and its URL; bound before the banner, so a client that reads it can connect at once."""
    sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
        sock.listen(2048)  # before the banner: a client that reads it can connect at once, even before workers run
    except OSError as exc:
        raise ConfigError(
            f"--host {settings.host} --port {settings.port}: cannot listen there ({exc.strerror})"
        ) from None
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return sock, f"http://{shown}:{port}"


def _warn(lines: Sequence[str], most: int = 20) -> None:
    for line in lines[:most]:
        print(f"mockserver: warning: {line}", file=sys.stderr, flush=True)
    if len(lines) > most:
        print(f"mockserver: warning: ... and {len(lines) - most} more like these", file=sys.stderr, flush=True)


def _print_diff(report: Report) -> None:
    """`--diff-from`: the breaking and behaviour changes, as `mockserver diff` writes them, before the banner."""
    from mockserver.diff.render import text

    for name, found in report.warnings.items():
        if name != report.new:  # the document in use was warned about already
            _warn([f"{name}: {w}" for w in found])
    print(text(report, ("breaking", "behaviour")).rstrip("\n"), flush=True)


def serve(settings: Settings) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from mockserver.mock import build_mock
    from mockserver.proxy.replay import ReplayIndex, replay_layers
    from mockserver.server.app import create_app
    from mockserver.server.wire import protocol_options

    mock = build_mock(settings)  # every start-up check, once, before any worker starts
    _warn(mock.contract.warnings)  # the vendor's mistakes, each naming what the mock ignored
    if mock.diff is not None:
        _print_diff(mock.diff)
    replaying = ""
    index = None
    if settings.replay:
        index = ReplayIndex(settings.replay, mock.contract)
        _warn(index.warnings)
        only = ", nothing else" if settings.replay_only else ""
        own = f" ({index.skipped} for the mock's own operations left to the mock)" if index.skipped else ""
        own += f" ({index.unanswered} unanswered left out)" if index.unanswered else ""
        replaying = f"; replaying {index.size} recorded answer(s) from {settings.replay}{own}{only}"
    sock, url = _listen(settings)
    print(banner(settings, url, mock.signing_key_generated, mock.signer.alg) + replaying, flush=True)
    if mock.signer.alg == "HS256" and mock.signing_key_generated:
        print(f"HS256 secret (hex) for verifying tokens: {mock.signer.key.hex()}", flush=True)
    options = {"log_level": settings.log_level, "access_log": settings.access_log, **protocol_options(settings)}
    if settings.workers > 1:
        os.environ[SETTINGS_ENV] = settings_to_json(settings)
        config = uvicorn.Config(APP_FACTORY, factory=True, workers=settings.workers, server_header=False, **options)
        Multiprocess(config, sockets=[sock]).run()
        return 0
    # Everything built so far lives as long as the process: keep it out of the garbage collector's scans.
    gc.freeze()
    config = uvicorn.Config(create_app(mock, replay_layers(mock, index)), server_header=False, **options)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def proxy_settings_from(args: argparse.Namespace) -> ProxySettings:
    if not args.upstream:
        raise ConfigError("--upstream URL is required (or MOCKSERVER_UPSTREAM), e.g. https://api.camelai.com")
    timeout = args.upstream_timeout if args.upstream_timeout is not None else DEFAULT_TIMEOUT
    settings = ProxySettings(
        args.upstream, timeout, bool(args.refuse_invalid), args.record, args.upstream_ca, not args.no_env_proxy
    )
    settings.check()
    return settings


def proxy_banner(settings: Settings, proxy: ProxySettings, url: str) -> str:
    spec = settings.spec or "the bundled openapi.yaml"
    refusing = "; refusing requests that break it" if proxy.refuse_invalid else ""
    recording = f"; recording to {proxy.record}" if proxy.record else ""
    through = proxy.proxy()
    via = f" through proxy {shown_proxy(through)}" if through else ""
    if settings.admin:
        where = f"violations at {url}/__mock/violations, journal at {url}/__mock/requests"
        where += " (admin key required)" if settings.admin_key else ""
    else:
        where = "admin API off: violations only in each answer's X-Mock-Violations" + (
            " and the recording" if proxy.record else ""
        )
    return (
        f"camelAI mock proxy listening on {url} (forwarding to {origin(proxy.upstream)}{via}; checking against {spec}"
        f"{refusing}{recording}); {where}"
    )


def proxy(settings: Settings, upstream: ProxySettings) -> int:
    import uvicorn

    from mockserver import __version__
    from mockserver.mock import build_mock
    from mockserver.proxy.app import create_proxy_app
    from mockserver.proxy.har import HarFile
    from mockserver.server.wire import protocol_options

    mock = build_mock(settings)
    _warn(mock.contract.warnings)
    recording = HarFile(upstream.record, __version__) if upstream.record else None
    sock, url = _listen(settings)
    print(proxy_banner(settings, upstream, url), flush=True)
    gc.freeze()
    app = create_proxy_app(mock, upstream, recording)
    # The upstream's own Date goes through unchanged; the proxy adds none of its own.
    options = {"log_level": settings.log_level, "access_log": settings.access_log, **protocol_options(settings)}
    config = uvicorn.Config(app, server_header=False, date_header=False, **options)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:  # `mockserver verify URL -- -k ttl`: the rest goes to pytest
        argv, extra = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    args = parser().parse_args(argv)
    if extra and args.command != "verify":
        parser().error(f"arguments after -- are only for verify, not {args.command}: {' '.join(extra)}")
    try:
        if args.command == "serve":
            return serve(settings_from(args))
        if args.command == "proxy":
            return proxy(settings_from(args), proxy_settings_from(args))
        if args.command == "coverage":
            return coverage(args)
        if args.command == "verify":
            from mockserver.testing.verify import verify

            return verify(args.url, args.api_key, extra, args.spec)
        if args.command == "diff":
            return diff_command(args)
    except (*STARTUP_ERRORS, CoverageError) as exc:
        print(f"mockserver: error: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

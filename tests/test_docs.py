"""The documentation: every page's snippets run as written, the site builds strictly, the generated reference names
every flag, setting and pytest option, and the pages render in Chromium.

The conventions of the pages (docs/*, README.md), which the runner below implements:
- Fenced blocks tagged `sh` or `bash` are shell, `python` blocks are Python; other tags are not run, but `yaml`,
  `json` and `toml` blocks must parse.
- `<!-- not-run: the reason -->` on the line right before a fence turns a runnable block off (the reason is
  mandatory); `<!-- background -->` there runs it in the background until the page ends.
- Each page is one script: its blocks run in order in one `bash -euo pipefail` process, in a fresh temporary
  directory, with `MOCK` set to this checkout and `PATH` starting with a fresh virtual environment holding this
  checkout installed with `[testing]` (from a wheel, as a user installs it), shared by every page.
- A `python` block whose first line is `# file: NAME` is written to NAME at its place in the order; any other
  `python` block is run there with `python`.
- The ports 8000..8009 in any block are replaced by free ones, the same throughout the page; MOCKSERVER_PORT is
  set to the one standing for 8000, so a bare `mockserver serve` (whose default is 8000) listens there too.
- `<!-- needs: redis -->` (or browser, container, node) gives the page's test that marker.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.cli import parser
from tests.services import SERVICES, missing
from tests.snippets import SHELL, Page, problems, read_page, write_script

ROOT = Path(__file__).parent.parent
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md") if "hooks" not in p.parts)
PAGE_TIMEOUT = 300  # seconds: a page whose script hangs fails, naming the block it was in
PARALLEL = 2  # pages run at once (each mostly waits on a mock it started)


def run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS")}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def dependency_wheels() -> Path:
    """Wheels of the documented install's dependencies, built once per pyproject.toml and Python version and kept
    in the user's cache (pip's own cache makes even the first build quick): a fresh environment then installs
    without reaching an index."""
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + sys.version.encode()).hexdigest()[:16]
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "camelai-iframe-mock-tests"
    wheels = home / f"wheels-{key}"
    if not wheels.is_dir():
        home.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="building-", dir=home))
        built = run(sys.executable, "-m", "pip", "wheel", "-q", "-w", building, f"{ROOT}[testing]")
        assert built.returncode == 0, built.stderr
        for own in building.glob("camelai_iframe_mock-*.whl"):  # this checkout's is built afresh each session
            own.unlink()
        with contextlib.suppress(OSError):  # another session got there first: theirs is as good
            building.rename(wheels)
    return wheels


def fresh_venv(where: Path) -> Path:
    """A new virtual environment holding what the pages document installing, `camelai-iframe-mock[testing]`: this
    checkout as a wheel and the wheels of its dependencies. Returns its bin directory."""
    own = where / "wheel"
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", own, ROOT)
    assert built.returncode == 0, built.stderr
    venv = where / "venv"
    made = run(getattr(sys, "_base_executable", sys.executable), "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    installed = run(
        *(venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index"),
        *("--find-links", own, "--find-links", dependency_wheels(), "camelai-iframe-mock[testing]"),
    )
    assert installed.returncode == 0, installed.stderr
    return venv / "bin"


def free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


def run_page(page: Page, bin_dir: Path, where: Path) -> str | None:
    """Run a page as its script; None when it passed, else what failed: the block, its line, the output."""
    blocks_dir, work = where / "blocks", where / "page"
    blocks_dir.mkdir(parents=True)
    work.mkdir()
    ports = free_ports(10)
    script = write_script(page, blocks_dir, ports)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    env.update(MOCK=str(ROOT), VIRTUAL_ENV=str(bin_dir.parent), PATH=f"{bin_dir}{os.pathsep}{env['PATH']}")
    env["MOCKSERVER_PORT"] = str(ports[0])  # a bare `mockserver serve` listens on the page's 8000 too
    # On exit, end whatever the page left running (its background blocks, the servers they started).
    cleanup = "trap 'trap \"\" TERM; kill -TERM 0 2>/dev/null; wait' EXIT\n"
    done = subprocess.Popen(
        ["bash", "-c", cleanup + f"source {shlex.quote(str(script))}"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = done.communicate(timeout=PAGE_TIMEOUT)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(done.pid, signal.SIGKILL)
        output, _ = done.communicate()
        timed_out = True
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(done.pid, signal.SIGKILL)  # anything that outlived the trap
    if done.returncode == 0 and not timed_out:
        return None
    current = (blocks_dir / "current").read_text().strip() if (blocks_dir / "current").exists() else ""
    why = f"timed out after {PAGE_TIMEOUT} s" if timed_out else f"exit status {done.returncode}"
    if current.isdigit():
        block = page.blocks[int(current)]
        head = f"{page.path.name}:{block.line}: the `{block.tag}` block failed ({why}):\n{block.code}"
    else:
        head = f"{page.path.name}: the script failed after its last block ({why})"
    logs = "".join(
        f"\n--- background block at line {page.blocks[int(log.stem)].line}:\n{log.read_text()[-3000:]}"
        for log in sorted(blocks_dir.glob("*.log"))
    )
    return f"{head}\n--- output:\n{output[-6000:]}{logs}"


@pytest.fixture(scope="session")
def page_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_venv(tmp_path_factory.mktemp("docs-venv"))


@pytest.fixture(scope="session")
def page_runs(
    request: pytest.FixtureRequest, page_bin: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, concurrent.futures.Future[str | None]]]:
    """Every selected page started at once, PARALLEL at a time (their ports differ): page -> its outcome."""
    selected = [
        item.callspec.params["page"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_page_runs" and hasattr(item, "callspec")
    ]
    pages = [read_page(ROOT / page) for page in selected]
    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        yield {
            page.path.relative_to(ROOT).as_posix(): pool.submit(
                run_page, page, page_bin, tmp_path_factory.mktemp("page")
            )
            for page in pages
            if not any(missing(need) for need in page.needs if need in SERVICES)  # those error at set-up instead
        }


def page_param(page: str) -> object:
    needs = read_page(ROOT / page).needs
    return pytest.param(page, id=page, marks=[getattr(pytest.mark, n) for n in needs if n in SERVICES])


@pytest.mark.parametrize("page", [page_param(page) for page in PAGES])
def test_page_runs(page: str, page_runs: dict[str, concurrent.futures.Future[str | None]]) -> None:
    """The page follows the conventions, and its script runs to the end."""
    found = read_page(ROOT / page)
    assert not problems(found, set(SERVICES)), "\n".join(problems(found, set(SERVICES)))
    failure = page_runs[page].result()
    assert failure is None, failure


def test_the_commands_that_are_not_run_still_parse() -> None:
    """Each `mockserver ...` command of a shell block that does not run (it needs the real API, say) parses."""
    refused = []
    for page in [*PAGES]:
        for block in read_page(ROOT / page).blocks:
            if block.tag not in SHELL or block.not_run is None:
                continue
            for line in block.code.replace("\\\n", " ").splitlines():
                words = list(shlex.shlex(line, posix=True, punctuation_chars=True))
                if words[:1] != ["mockserver"]:
                    continue
                end = next((i for i, w in enumerate(words) if w in ("|", "||", "&&", ";", ">", "&", "--")), len(words))
                try:
                    parser().parse_args(words[1:end])
                except SystemExit:
                    refused.append(f"{page}:{block.line}: {line.strip()}")
    assert not refused, "commands that mockserver refuses:\n" + "\n".join(refused)

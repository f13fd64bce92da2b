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
import functools
import hashlib
import http.server
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import zlib
from collections.abc import Iterator
from dataclasses import fields
from html import unescape
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from mockserver.cli import parser, settings_from
from mockserver.config import Settings
from tests.processes import ServerProcess
from tests.services import SERVICES, launch, missing
from tests.snippets import SHELL, Page, problems, read_page, write_script

ROOT = Path(__file__).parent.parent
DOCS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md") if "hooks" not in p.parts)
PAGES = ["README.md", *DOCS]
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
    # The machine's own settings stay out: a page sees what a reader's fresh shell has.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTEST_ADDOPTS") and not k.startswith("MOCKSERVER_")
    }
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


RUNNER_PAGE = """\
<!-- needs: redis -->
A file block, a background block, shell blocks that use both:

```python
# file: hello.py
print("hello from", 8000)
```

```sh
mkfifo ready
```

<!-- background -->
```sh
echo $BASHPID > ready
exec tail -f /dev/null
```

```sh
read -r pid < ready && echo "$pid" > background.pid
python hello.py > said.txt
echo "$MOCK" > mock.txt
```

<!-- not-run: it would fail -->
```sh
false
```

```python
from pathlib import Path

assert Path("said.txt").read_text().startswith("hello from ")
```

```sh
false
```
"""


def test_the_runner_runs_a_page_in_order_and_names_the_block_that_failed(tmp_path: Path) -> None:
    source = tmp_path / "page.md"
    source.write_text(RUNNER_PAGE)
    page = read_page(source)
    assert page.needs == ("redis",)
    where = tmp_path / "run"
    failure = run_page(page, Path(sys.executable).parent, where)
    assert failure is not None and failure.startswith("page.md:36: the `sh` block failed (exit status 1):\nfalse"), (
        failure
    )
    said = (where / "page" / "said.txt").read_text().split()
    assert said[:2] == ["hello", "from"] and said[2] != "80" + "00"  # the page's 8000 became a free port
    assert (where / "page" / "mock.txt").read_text().strip() == str(ROOT)
    background = int((where / "page" / "background.pid").read_text())
    with pytest.raises(ProcessLookupError):  # ended with the page
        os.kill(background, 0)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("<!-- not-run: -->\n```sh\nls\n```\n", "needs its reason", id="no-reason"),
        pytest.param("```yaml\na: [1\n```\n", "does not parse", id="yaml"),
        pytest.param('```json\n{"a": 1,}\n```\n', "does not parse", id="json"),
        pytest.param("<!-- background -->\n```text\nls\n```\n", "never runs", id="background-text"),
        pytest.param("<!-- needs: gpu -->\n", "names no service marker", id="needs"),
    ],
)
def test_the_runner_refuses_a_page_that_breaks_the_conventions(tmp_path: Path, text: str, problem: str) -> None:
    source = tmp_path / "page.md"
    source.write_text(text)
    found = problems(read_page(source), set(SERVICES))
    assert len(found) == 1 and problem in found[0], found


def test_the_commands_that_are_not_run_still_parse() -> None:
    """Each `mockserver ...` command of a shell block that does not run (it needs the real API, say) parses."""
    refused = []
    for page in PAGES:
        for block in read_page(ROOT / page).blocks:
            if block.tag not in SHELL or block.not_run is None:
                continue
            for line in block.code.replace("\\\n", " ").splitlines():
                words = shlex.split(line, comments=True)
                if words[:1] != ["mockserver"]:
                    continue
                end = next((i for i, w in enumerate(words) if w in ("|", "||", "&&", ";", ">", "&", "--")), len(words))
                try:
                    parser().parse_args(words[1:end])
                except SystemExit:
                    refused.append(f"{page}:{block.line}: {line.strip()}")
    assert not refused, "commands that mockserver refuses:\n" + "\n".join(refused)


def test_the_readme_quick_start_works_from_a_fresh_clone(tmp_path: Path) -> None:
    """`scripts/serve`, in a copy of the checkout's tracked files with no .venv, installs the mock and starts it;
    the mock then answers a create (the README's first command, with `--port 0` passed on so no port is taken)."""
    clone = tmp_path / "clone"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():  # a file deleted in the work tree is not in a clone made from it
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV") and "MOCKSERVER_" not in k}
    serving = ServerProcess(
        [str(clone / "scripts" / "serve"), "--port", "0"], base_env=env, cwd=clone, timeout=PAGE_TIMEOUT
    )
    try:
        answer = httpx.post(
            f"{serving.url}/api/v1/iframe/create",
            headers={"Authorization": "Bearer sk-test"},
            json={"uid": "user-1", "srcs": ["123"], "ttl": 900},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["iframe_url"].startswith(serving.url)
    finally:
        serving.stop()


# The site: built once per session, strictly, as CI builds it; the reference and browser tests read that build.


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = tmp_path_factory.mktemp("site")
    done = run(sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", built, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return built


def test_the_site_builds_strictly(site: Path) -> None:
    """`mkdocs build --strict` passes: every page of the nav exists, and no link or generated section is broken."""
    assert (site / "index.html").is_file()
    for page in PAGES:
        if page.startswith("docs/"):
            html = site / page.removeprefix("docs/").removesuffix(".md").removesuffix("index") / "index.html"
            assert html.is_file(), f"{page} was not built"


def section_tables(html: str) -> dict[str, str]:
    """A built page's tables, by the id of the heading (h2) they stand under; their text, tags removed."""
    found: dict[str, str] = {}
    for part in re.split(r'(?=<h2 id=")', html):
        heading = re.match(r'<h2 id="([^"]+)"', part)
        tables = "".join(re.findall(r"<table>.*?</table>", part, re.S))
        found[heading.group(1) if heading else ""] = unescape(re.sub(r"<[^>]+>", " ", tables))
    return found


def mentioned(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def help_of(*args: str) -> str:
    done = run(Path(sys.executable).parent / "mockserver", *args, "--help")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_flag_of_every_command_has_a_reference_entry(site: Path) -> None:
    """Each subcommand `mockserver --help` lists, and each flag its own `--help` lists, is in its section's table of
    the generated command-line reference (not only in the usage line above it)."""
    tables = section_tables((site / "reference" / "cli" / "index.html").read_text())
    commands = re.search(r"\{([\w,]+)\}", help_of()).group(1).split(",")  # type: ignore[union-attr]
    assert {"serve", "proxy", "verify", "coverage", "diff"} <= set(commands)
    missing_entries = []
    for command in commands:
        section = tables.get(f"mockserver-{command}")
        if section is None:
            missing_entries.append(f"mockserver {command}: no section")
            continue
        text = help_of(command)
        options = text.split("\noptions:\n", 1)[1]
        # An option's line starts with its flags: `  -o FILE, --output FILE   help...`
        flags = {
            name.split()[0]
            for line in options.splitlines()
            if line.startswith("  -")
            for name in re.split(r",\s+", line.strip().split("  ")[0])
        } - {"-h", "--help"}
        arguments = text.split("\npositional arguments:\n", 1)[1].split("\n\n")[0] if "positional" in text else ""
        positionals = re.findall(r"^  (\w+)", arguments, re.M)
        missing_entries += [f"mockserver {command} {flag}" for flag in sorted(flags) if not mentioned(flag, section)]
        missing_entries += [f"mockserver {command} {name}" for name in positionals if not mentioned(name, section)]
    assert not missing_entries, "no entry in docs/reference/cli.md's tables for:\n" + "\n".join(missing_entries)


def test_every_setting_has_a_reference_entry_and_its_variable_works(site: Path) -> None:
    """Each field of Settings has a row of the settings reference; each environment variable the row names sets
    that field when `mockserver serve` starts (a variable that did nothing would be a wrong entry)."""
    html = (site / "reference" / "settings" / "index.html").read_text()
    rows = {
        match.group(1): unescape(re.sub(r"<[^>]+>", " ", match.group(0)))
        for match in re.finditer(r"<tr>\s*<td><code>(\w+)</code>.*?</tr>", html, re.S)
    }
    assert sorted(rows) == sorted(f.name for f in fields(Settings))
    plain = settings_from(parser().parse_args(["serve"]))
    wrong = []
    for name, row in rows.items():
        for variable in re.findall(r"MOCKSERVER_\w+", row):
            probe = {bool: "1", int: "7"}.get(type(getattr(plain, name)), "7")
            with pytest.MonkeyPatch.context() as env:
                for other in [v for v in os.environ if v.startswith("MOCKSERVER_")]:
                    env.delenv(other)
                env.setenv(variable, probe)
                try:
                    changed = getattr(settings_from(parser().parse_args(["serve"])), name) != getattr(plain, name)
                except Exception:  # refused as a value of this setting: read, so the variable does reach it
                    changed = True
            if not changed:
                wrong.append(f"{name}: {variable}={probe} changes nothing")
    assert not wrong, "\n".join(wrong)


def test_every_pytest_option_has_a_reference_entry(site: Path) -> None:
    """Each option and ini key of the plugin's group in `pytest --help` is in the pytest options reference."""
    done = run(sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider", cwd=site)
    assert done.returncode == 0, done.stderr
    group = done.stdout.split("camelAI iframe mock:", 1)[1].split("\n\n", 1)[0]
    options = set(re.findall(r"--camel-mock-[\w-]+", group))
    inis = set(re.findall(r"^  (camel_mock_\w+) \(", done.stdout, re.M))
    assert options and inis
    text = "".join(section_tables((site / "reference" / "pytest-options" / "index.html").read_text()).values())
    absent = [name for name in sorted(options | inis) if not mentioned(name, text)]
    assert not absent, "no entry in docs/reference/pytest-options.md for: " + ", ".join(absent)


# The built site in Chromium, as a reader sees it.

ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No line per file served in the test's output."""


def distinct_pixels(png: bytes) -> int:
    """How many different byte values a PNG's image data holds: a blank page holds a handful, a rendered one many."""
    data = b"".join(
        png[at + 8 : at + 8 + int.from_bytes(png[at : at + 4], "big")]
        for at in (match.start() - 4 for match in re.finditer(b"IDAT", png))
    )
    return len(set(zlib.decompress(data)))


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "heading", "shown"),
    [
        pytest.param("", "camelAI iframe mock", ("article a", "first mock"), id="home"),
        pytest.param("reference/cli/", "Command line", ("td code", "--max-body-bytes"), id="reference-cli"),
    ],
)
def test_the_page_renders_in_chromium(site_url: str, path: str, heading: str, shown: tuple[str, str]) -> None:
    """The page's title, heading, a piece of its content and the site's navigation are visible; nothing failed to
    load, no script failed, and the screenshot (kept in artifacts/) is not blank."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("requestfailed", lambda request: problems.append(f"{request.url}: {request.failure}"))
            page.goto(f"{site_url}/{path}", wait_until="networkidle")
            expect(page).to_have_title(re.compile(re.escape(heading)))
            expect(page.locator("article h1")).to_contain_text(heading)
            expect(page.locator(shown[0], has_text=shown[1]).first).to_be_visible()
            sidebar = page.locator(".md-sidebar--primary")
            expect(sidebar.get_by_role("link", name="Command line", exact=True).first).to_be_visible()
            png = page.screenshot(path=str(ARTIFACTS / f"docs-{path.strip('/').replace('/', '-') or 'home'}.png"))
            assert distinct_pixels(png) > 64, "the screenshot is blank"
            assert not problems, problems
        finally:
            browser.close()

"""A documentation page as a script (the conventions of tests/test_docs.py, stated in its docstring).

`read_page` finds a page's fenced blocks and the HTML comments in front of them; `write_script` lays the runnable
ones out as one bash script in a directory of their own, so that a failure names the block and its line in the page.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml

SHELL = ("sh", "bash")
RUNNABLE = (*SHELL, "python")
PARSED = ("yaml", "json", "toml")
# A fence at any indentation (inside an admonition or a tab too), its tag, its body, its closing fence.
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<tag>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.S | re.M,
)
COMMENT = re.compile(r"^[ \t]*<!--\s*(?P<kind>not-run|background|needs)\b(?P<rest>.*?)-->[ \t]*$")
FILE = re.compile(r"^#\s*file:\s*(?P<name>[\w./-]+)\s*$")
PORT = re.compile(r"(?<![0-9])800([0-9])(?![0-9])")


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    tag: str
    code: str
    not_run: str | None  # the reason given, "" for none; None when the block is not turned off
    background: bool
    file: str | None  # a python block's `# file: NAME`

    @property
    def runs(self) -> bool:
        return self.tag in RUNNABLE and self.not_run is None


@dataclass(frozen=True)
class Page:
    path: Path
    blocks: tuple[Block, ...]
    needs: tuple[str, ...]  # `<!-- needs: redis, node -->`: the services (pytest markers) the page's script needs


def _dedent(body: str, indent: str) -> str:
    return "".join(line[len(indent) :] if line.startswith(indent) else line for line in body.splitlines(True))


def read_page(path: Path) -> Page:
    text = path.read_text()
    lines = text.splitlines()
    blocks = []
    for found in FENCE.finditer(text):
        line = text.count("\n", 0, found.start()) + 1
        before = lines[line - 2] if line >= 2 else ""
        comment = COMMENT.match(before)
        kind = comment.group("kind") if comment else None
        code = _dedent(found.group("body"), found.group("indent"))
        first = code.splitlines()[0] if code.strip() else ""
        named = FILE.match(first) if found.group("tag") == "python" else None
        blocks.append(
            Block(
                line=line,
                tag=found.group("tag"),
                code=code,
                not_run=comment.group("rest").lstrip(" :").strip() if comment and kind == "not-run" else None,
                background=kind == "background",
                file=named.group("name") if named else None,
            )
        )
    needs = [
        name.strip()
        for match in re.finditer(r"^<!--\s*needs:(.*?)-->", text, re.M)
        for name in match.group(1).split(",")
        if name.strip()
    ]
    return Page(path, tuple(blocks), tuple(needs))


def problems(page: Page, known_needs: set[str]) -> list[str]:
    """What breaks the conventions: a not-run without its reason, a not-run or background on a block that never
    runs, a yaml/json/toml block that does not parse, a `needs` naming no marker."""
    found = []
    for block in page.blocks:
        where = f"{page.path.name}:{block.line}"
        if block.not_run == "":
            found.append(f"{where}: <!-- not-run: ... --> needs its reason after the colon")
        if (block.not_run is not None or block.background) and block.tag not in RUNNABLE:
            found.append(f"{where}: a `{block.tag}` block never runs; the comment before it turns nothing off or on")
        if block.not_run is not None and block.background:
            found.append(f"{where}: a block cannot be both not-run and background")
        if block.tag in PARSED:
            try:
                {"yaml": yaml.safe_load, "json": json.loads, "toml": tomllib.loads}[block.tag](block.code)
            except Exception as exc:
                found.append(f"{where}: this {block.tag} block does not parse: {exc}")
    found += [
        f"{page.path.name}: <!-- needs: {name} --> names no service marker"
        for name in page.needs
        if name not in known_needs
    ]
    return found


def with_ports(code: str, ports: list[int]) -> str:
    """The page's ports 8000..8009 replaced by free ones, the same in every block of the page."""
    return PORT.sub(lambda m: str(ports[int(m.group(1))]), code)


def write_script(page: Page, blocks_dir: Path, ports: list[int]) -> Path:
    """The page's runnable blocks, in order, as one bash script: each block is a file in `blocks_dir`, sourced
    (shell), copied into place (a python block named by `# file:`) or run (another python block); before each, the
    block's number goes to `blocks_dir/current`, so that a failure names it."""
    lines = ["set -euo pipefail"]
    for index, block in enumerate(page.blocks):
        if not block.runs:
            continue
        suffix = ".sh" if block.tag in SHELL else ".py"
        source = blocks_dir / f"{index}{suffix}"
        source.write_text(with_ports(block.code, ports))
        quoted = shlex.quote(str(source))
        if block.tag in SHELL:
            command = f"source {quoted}"
        elif block.file:
            command = f'mkdir -p "$(dirname {shlex.quote(block.file)})" && cp {quoted} {shlex.quote(block.file)}'
        else:
            command = f"python - <{quoted}"  # run where the page's files are: the directory is on sys.path
        lines.append(f"echo {index} >{shlex.quote(str(blocks_dir / 'current'))}")
        if block.background:
            log = shlex.quote(str(blocks_dir / f"{index}.log"))
            lines.append(f"{{ {command}; }} >{log} 2>&1 </dev/null &")
        else:
            lines.append(command)
    lines.append(f"echo done >{shlex.quote(str(blocks_dir / 'current'))}")
    script = blocks_dir / "page.sh"
    script.write_text("\n".join(lines) + "\n")
    return script

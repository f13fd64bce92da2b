"""Strings built to meet a string shape: a `pattern` through rstr (seeded), a `format`, `minLength`/`maxLength`.

A pattern is turned into a string by rstr's Xeger, driven by the caller's `random.Random`, so the same seed gives
the same string. Two of its steps are replaced (and rstr's version is pinned below its next minor release):
each repeat is drawn from a narrow window that later tries move up or down (shared among the pattern's repeats)
until the string fits `minLength`/`maxLength`; and a negated class draws from an alphabet in a fixed order (rstr
draws from a `set`, whose order follows the process's hash seed, so two processes would answer differently).
A `pattern` is ECMA 262 (or the Rust syntax jsonschema-rs also reads); `python_pattern` rewrites the spellings
Python's `re` lacks, reading a Unicode property class as a few characters of it.
"""

from __future__ import annotations

import base64
import random
import re
import string
import threading
import uuid
import warnings
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain
from typing import Any

from rstr.xeger import Xeger

from mockserver.spec.constraints import Constraints, GenerationError, Hopeless

try:
    import re._parser as sre_parse  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef,unused-ignore]

TEXTS = ("", "a", "x" * 2048, "日本語のテキスト", "🐪 camel ✓", "Ünïcødé – “quoted” ‘text’", "line\nbreak\ttab", "0")
HARD_LENGTH = 65536  # the longest string built
_ID_MAX = 2**31 - 1  # identifiers from a wide range, so two answers seldom name the same resource
_EPOCH_2000 = 946684800.0
# What `.` and a negated class draw from: printable, and no line breaks or control characters.
_PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "
_NONWORD = "".join(c for c in string.printable if not (c.isalnum() or c == "_"))


def identifier(name: str) -> bool:
    """`id`, `thread_id`, `sourceId`: a property that names a resource."""
    return name == "id" or name.endswith(("_id", "Id"))


def text(shape: Constraints, rng: random.Random, *, fuzz: bool, name: str, now: float) -> str:
    """A string meeting `shape`'s patterns (each of them), length bounds and, where it has no pattern, its format."""
    low, high = shape.min_length, shape.max_length
    if high is not None and high < low:
        raise GenerationError(f"minLength {low} is above maxLength {high}")
    if low > HARD_LENGTH:
        raise Hopeless(f"minLength {low} is more than the mock builds ({HARD_LENGTH})")
    made = formatted(shape.format, rng, now, name, fuzz, low, high) if shape.format else None
    fits = made is not None and low <= len(made) and (high is None or len(made) <= high)
    if made is not None and fits and all(_compiled(p).search(made) for p in shape.patterns):
        return made  # a value of the format that matches the patterns too (`https+` beside `format: uri`)
    if shape.patterns:
        return _from_patterns(shape.patterns, low, high, rng)
    if made is not None and fits:
        return made
    if fuzz:
        value = rng.choice(TEXTS)
        if rng.random() < 0.3:
            value = rng.choice("aZ9_-é日") * rng.choice([n for n in (low, high) if n is not None] or [1])
    elif identifier(name):  # digits, as they would be in a path that takes an integer too
        value = str(rng.randint(1, _ID_MAX)).zfill(low)
    else:
        value = f"{name} {rng.randint(1, 9999)}"
    value += "x" * max(0, low - len(value))
    return value[:high] if high is not None else value


def formatted(
    fmt: str | None, rng: random.Random, now: float, name: str, fuzz: bool, low: int, high: int | None
) -> str | None:
    """A value of a known format (realistic, or one of its edges when `fuzz`); None for a format this doesn't know."""
    n = rng.randint(1, 9999)
    if fmt == "date-time":  # on the mock's clock: a moment of the last thirty days
        moment = datetime.fromtimestamp(int(max(now - rng.uniform(0, 30 * 86400), _EPOCH_2000)), UTC)
        plain = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        edges = (plain, moment.strftime("%Y-%m-%dT%H:%M:%S.%f+05:30"), "2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z")
        return rng.choice(edges) if fuzz else plain
    if fmt == "date":
        today = datetime.fromtimestamp(int(now), UTC).strftime("%Y-%m-%d")
        return rng.choice((today, "2024-02-29", "1970-01-01", "9999-12-31")) if fuzz else today
    if fmt == "time":
        return rng.choice(("00:00:00Z", "23:59:59.999+01:00")) if fuzz else f"{n % 24:02d}:{n % 60:02d}:00Z"
    if fmt == "duration":
        return rng.choice(("P0D", "P1Y2M3DT4H5M6S", "PT1H")) if fuzz else f"PT{n % 60 + 1}M"
    if fmt in ("email", "idn-email"):
        return rng.choice((f"user{n}@example.com", "first.last+tag@example.co.uk")) if fuzz else f"user{n}@example.com"
    if fmt in ("hostname", "idn-hostname"):
        return f"host{n}.example.com"
    if fmt == "ipv4":
        return (
            rng.choice(("0.0.0.0", "255.255.255.255", f"192.0.2.{n % 254 + 1}")) if fuzz else f"192.0.2.{n % 254 + 1}"
        )
    if fmt == "ipv6":
        return rng.choice(("::1", "::", f"2001:db8::{n:x}")) if fuzz else f"2001:db8::{n:x}"
    if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
        realistic = f"https://example.com/{name}/{n}"
        return rng.choice((realistic, f"https://example.com/{n}?q=a%20b#top")) if fuzz else realistic
    if fmt == "uri-template":
        return f"https://example.com/{name}/{{id}}"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "byte":  # base64 of as many bytes as fit the length bounds (four characters per three bytes)
        chars = -(-max(low, 16) // 4) * 4
        if high is not None and chars > high:
            chars = high // 4 * 4
        return base64.b64encode(rng.randbytes(chars // 4 * 3)).decode()
    if fmt == "binary":
        return f"file contents {n}"
    if fmt == "password":
        return rng.choice(("p@ssw0rd!ü", f"secret-{n}")) if fuzz else f"secret-{n}"
    if fmt == "json-pointer":
        return f"/{name}/0"
    if fmt == "relative-json-pointer":
        return f"0/{name}"
    if fmt == "regex":
        return "^[a-z]+$"
    return None


class _Xeger(Xeger):
    """rstr's Xeger with each repeat drawn from [its minimum + `boost`, + `spread`], and negated classes in a fixed
    order."""

    def __init__(self, rng: random.Random, boost: int, spread: int) -> None:
        super().__init__(rng, printable=_PRINTABLE, nonword=_NONWORD)
        self.boost, self.spread = boost, spread
        self._classes: dict[int, tuple[Any, list[str]]] = {}

    def build(self, parsed: Any) -> str:
        try:
            return str(self._build_string(parsed))
        finally:
            self._cache.clear()

    def _handle_repeat(self, start_range: int, end_range: int, value: Any) -> str:
        low = min(start_range + self.boost, end_range)
        times = self._random.randint(low, min(end_range, low + self.spread))
        return "".join("".join(self._handle_state(i) for i in value) for _ in range(times))

    def _handle_in(self, value: Any) -> Any:
        known = self._classes.get(id(value))
        if known is None or known[0] is not value:  # a class's characters are listed once (the parse is kept)
            candidates = list(chain(*(self._handle_state(i) for i in value)))
            if candidates and candidates[0] is False:
                left_out = set(candidates[1:])
                candidates = [c for c in _PRINTABLE if c not in left_out]
            if len(self._classes) > 4096:
                self._classes.clear()
            known = self._classes[id(value)] = (value, candidates)
        return self._random.choice(known[1])


_LOCAL = threading.local()  # one Xeger a thread: building one costs more than most strings drawn with it


def _xeger(rng: random.Random, boost: int, spread: int) -> _Xeger:
    xeger: _Xeger | None = getattr(_LOCAL, "xeger", None)
    if xeger is None:
        xeger = _LOCAL.xeger = _Xeger(rng, boost, spread)
    xeger._random, xeger.boost, xeger.spread = rng, boost, spread
    return xeger


_TRIES = 10  # each a cheap build; the repeats are moved towards the length bounds between them


def _from_patterns(patterns: list[str], low: int, high: int | None, rng: random.Random) -> str:
    checks = [_compiled(p) for p in patterns]
    parsed = _parsed(patterns[0])
    shortest, longest = parsed.getwidth()
    main = patterns[0]
    open_start, open_end = not main.startswith("^"), not re.search(r"(?<!\\)\$$", main)
    if (high is not None and shortest > high) or (longest < low and not (open_start or open_end)):
        raise GenerationError(_why(patterns, low, high))
    repeats = max(1, _repeats(parsed))  # a change of length is shared among them
    boost, spread = 0, 3 if high is None else max(0, min(3, (high - shortest) // repeats, (high - low) // repeats))
    for _ in range(_TRIES):
        try:
            value = _xeger(rng, boost, spread).build(parsed)
        except (KeyError, ValueError, IndexError, TypeError):  # a construct rstr cannot build (a conditional group)
            value = ""
        if len(value) < low and (open_end or open_start):  # the pattern is searched for, so padding keeps it
            value = value + "x" * (low - len(value)) if open_end else "x" * (low - len(value)) + value
        fits = low <= len(value) and (high is None or len(value) <= high)
        if fits and all(c.search(value) for c in checks):
            return value
        if len(value) < low:
            boost += -(-(low - len(value)) // repeats)
        elif high is not None and len(value) > high:
            over = -(-(len(value) - high) // repeats)
            boost, spread = (max(0, boost - over), spread) if boost else (0, max(0, spread - 1))
    raise GenerationError(_why(patterns, low, high))


def _repeats(parsed: Any) -> int:
    """How many repeats of a variable count the parsed pattern holds."""
    count = 0
    for op, arg in parsed:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            count += (arg[1] > arg[0]) + _repeats(arg[2])
        elif name == "SUBPATTERN":
            count += _repeats(arg[-1])
        elif name == "BRANCH":
            count += max(_repeats(b) for b in arg[1])
    return count


def _why(patterns: list[str], low: int, high: int | None) -> str:
    bounds = (
        f" of {low} to {high if high is not None else 'any number of'} characters" if low or high is not None else ""
    )
    every = " and ".join(repr(p) for p in patterns)
    return f"no string{bounds} matching {every} was found"


# Where JSON Schema's regular expressions (ECMA 262, and the Rust syntax jsonschema-rs also reads) differ from
# Python's `re`: named groups, `\z`, `\x{...}`, and Unicode property classes, each read as a few characters of its
# class (a string built from them matches the property's class too).
_PROPERTIES = {
    **dict.fromkeys(("L", "Letter", "IsLetter", "Alphabetic", "IsAlphabetic"), "a-zA-Z"),
    **dict.fromkeys(("Lu", "Uppercase_Letter", "Lt", "IsUpper", "IsUppercase"), "A-Z"),
    **dict.fromkeys(("Ll", "Lowercase_Letter", "IsLower", "IsLowercase"), "a-z"),
    **dict.fromkeys(("Lo", "Other_Letter"), "\u4e00-\u4e10"),
    **dict.fromkeys(("M", "Mark", "Mn", "Nonspacing_Mark"), "\u0300-\u0310"),
    **dict.fromkeys(("N", "Number", "Nd", "Decimal_Number", "IsDigit"), "0-9"),
    **dict.fromkeys(("P", "Punctuation", "Po", "Other_Punctuation"), "!#%&*,./:;?@"),
    **dict.fromkeys(("S", "Symbol", "Sm", "Math_Symbol"), "+<=>|~"),
    **dict.fromkeys(("Z", "Separator", "Zs", "Space_Separator", "Blank", "Space", "IsWhite_Space"), " "),
    **dict.fromkeys(("C", "Other", "Cc", "Control", "Cntrl"), "\\x00-\\x1f"),  # AWS's `^\P{C}*$`: no control characters
    # POSIX classes, as Java and Rust spell them
    **dict.fromkeys(("Alnum", "ASCII", "IsAlnum"), "a-zA-Z0-9"),
    **dict.fromkeys(("Alpha", "IsAlpha"), "a-zA-Z"),
    **dict.fromkeys(("Digit",), "0-9"),
    **dict.fromkeys(("Upper",), "A-Z"),
    **dict.fromkeys(("Lower",), "a-z"),
    **dict.fromkeys(("Punct", "IsPunctuation"), "!#%&*,./:;?@"),
    **dict.fromkeys(("Graph", "Print"), "a-zA-Z0-9!#%&*,./:;?@"),
    **dict.fromkeys(("XDigit",), "0-9a-f"),
}


def _outside(letters: str) -> str | None:
    """A few characters outside a property's class, for `\\P{...}`; None when none of these is."""
    inside = re.compile(f"[{letters}]")
    for chars, sample in (("0-9", "0123456789"), ("g-z", "ghijklmnopqrstuvwxyz"), (" ", " ")):
        if not any(inside.match(c) for c in sample):
            return chars
    return None


_ECMA = re.compile(r"\\[pP]\{(\w+)\}|\(\?<(?=[A-Za-z_])|\\k<(\w+)>|\\x\{([0-9a-fA-F]{1,6})\}|\\z|\\.|\[|\]")


@lru_cache(maxsize=1024)
def python_pattern(pattern: str) -> str:
    """`pattern` as Python's `re` reads it."""
    inside = False

    def swap(m: re.Match[str]) -> str:
        nonlocal inside
        found = m.group(0)
        if m.group(1) is not None:
            letters = _PROPERTIES.get(m.group(1))
            if letters is not None and found[1] == "P":
                letters = _outside(letters)
            if letters is None:
                return found  # Python refuses it: the pattern is named as unreadable
            return letters if inside else f"[{letters}]"
        if m.group(3) is not None:
            return f"\\U{int(m.group(3), 16):08x}"
        if found.startswith("(?<"):
            return "(?P<"
        if m.group(2) is not None:
            return f"(?P={m.group(2)})"
        if found == "\\z":
            return "\\Z"
        if found in "[]":
            inside = found == "["
        return found

    return _ECMA.sub(swap, pattern)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    try:
        with warnings.catch_warnings():  # `[[` and `||` in a class: literal in ECMA, a FutureWarning in Python
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile(python_pattern(pattern))
    except re.error as error:
        raise Hopeless(f"pattern {pattern!r} cannot be read: {error}") from None


@lru_cache(maxsize=1024)
def _parsed(pattern: str) -> Any:
    _compiled(pattern)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return sre_parse.parse(python_pattern(pattern))

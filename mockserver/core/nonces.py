"""ES256 nonces made ahead of time by a helper process: the costly half of each ECDSA signature.

An ECDSA signature over a message with digest z is (r, s), where r = (kG).x mod n for a fresh
secret random k, and s = k⁻¹(z + r·d) mod n for the private scalar d. Computing kG is a scalar
multiplication on the curve, almost all of the cost, and it needs neither the message nor the key.
So the helper (`python -m mockserver.core.nonces`, started with the server) draws k with OpenSSL, works
out k⁻¹ and r, and streams the pairs through a pipe; the create endpoint ends each signature with
one multiplication modulo n, off the curve. Each pair is used once and then dropped. When none is
ready (the helper is starting, or cannot keep up), the library signs as usual, so no request waits.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import threading

from cryptography.hazmat.primitives.asymmetric import ec

# The order of P-256's base point (SEC 2, secp256r1 "n").
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
RECORD = 64  # k⁻¹ and r, 32 bytes each, big-endian
BATCH = 64  # records per write: 4096 bytes, which a pipe delivers whole (POSIX PIPE_BUF)


def make_batch(size: int = BATCH) -> bytes:
    """`size` fresh (k⁻¹, r) records."""
    ks: list[int] = []
    rs: list[int] = []
    while len(ks) < size:
        numbers = ec.generate_private_key(ec.SECP256R1()).private_numbers()
        r = numbers.public_numbers.x % ORDER
        if r:  # r = 0 cannot sign (probability about 2⁻²⁵⁶)
            ks.append(numbers.private_value)
            rs.append(r)
    return b"".join(k.to_bytes(32, "big") + r.to_bytes(32, "big") for k, r in zip(_invert_all(ks), rs, strict=True))


def _invert_all(values: list[int]) -> list[int]:
    """Every value's inverse modulo ORDER with one modular inversion (Montgomery's trick)."""
    prefix = [1]
    for v in values:
        prefix.append(prefix[-1] * v % ORDER)
    inverse = pow(prefix[-1], -1, ORDER)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = inverse * prefix[i] % ORDER
        inverse = inverse * values[i] % ORDER
    return out


class NoncePool:
    """The parent's end of the helper: `take()` gives a ready pair, or None when none has arrived."""

    def __init__(self) -> None:
        self._ready: list[tuple[int, int]] = []
        self._partial = b""
        self._process: subprocess.Popen[bytes] | None = None
        self._fd = -1
        self._lock = threading.Lock()
        self.used = 0  # pairs taken, for tests and the benchmark to see the helper at work

    def start(self) -> None:
        if self._process is not None:
            return
        # The pipe is this process's alone: when it ends, the helper's next write fails and the helper ends too.
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "mockserver.core.nonces"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return  # no helper: the library signs every token, as it would without one
        assert self._process.stdout is not None
        try:
            os.set_blocking(self._process.stdout.fileno(), False)
        except OSError:  # a platform whose pipes cannot be read without blocking: no helper, as above
            self.close()
            return
        self._fd = self._process.stdout.fileno()

    def wait_ready(self, timeout: float) -> bool:
        """Block until the helper has delivered pairs (for tests and the benchmark); False on timeout."""
        if not self._ready and self._fd >= 0:
            select.select([self._fd], [], [], timeout)
            self._refill()
        return bool(self._ready)

    def take(self) -> tuple[int, int] | None:
        ready = self._ready
        if not ready and self._fd >= 0:
            self._refill()
        try:
            pair = ready.pop()
        except IndexError:
            return None
        self.used += 1
        return pair

    def _refill(self) -> None:
        with self._lock:
            if self._ready or self._fd < 0:
                return
            try:
                # One batch at a time: reading more at once would stall this request for the parsing.
                data = self._partial + os.read(self._fd, BATCH * RECORD)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if len(data) == len(self._partial):  # end of file: the helper is gone; the library signs from now on
                self._fd = -1
                return
            whole = len(data) - len(data) % RECORD
            self._partial = data[whole:]
            self._ready.extend(
                (int.from_bytes(data[i : i + 32], "big"), int.from_bytes(data[i + 32 : i + RECORD], "big"))
                for i in range(0, whole, RECORD)
            )

    def close(self) -> None:
        process, self._process, self._fd = self._process, None, -1
        self._ready.clear()
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def sign_with(pair: tuple[int, int], digest: bytes, private_value: int) -> bytes | None:
    """The JWS form (r || s) of an ECDSA P-256 signature of `digest` (SHA-256) with a ready pair."""
    k_inverse, r = pair
    s = k_inverse * (int.from_bytes(digest, "big") + r * private_value) % ORDER
    if not s:  # cannot be used (probability about 2⁻²⁵⁶); the caller signs with the library
        return None
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def main() -> None:
    """The helper: write batches until the reader goes away (the pipe then fails, and this ends)."""
    out = sys.stdout.fileno()
    # The server comes first: on a busy machine the helper should wait for a CPU, not take one from it.
    with contextlib.suppress(OSError):
        os.nice(10)
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt, OSError):
        while True:
            os.write(out, make_batch())  # one write of PIPE_BUF bytes or less: it arrives whole


if __name__ == "__main__":
    main()

"""Signing keys, the JWTs behind cache keys, and the JWKS that verifies them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from mockserver.core.json_codec import dumps
from mockserver.core.nonces import NoncePool, sign_with

ALGORITHMS = ("ES256", "RS256", "EdDSA", "HS256")
_KEY_KINDS = {
    "ES256": (ec.EllipticCurvePrivateKey, "an EC P-256 private key"),
    "RS256": (rsa.RSAPrivateKey, "an RSA private key"),
    "EdDSA": (ed25519.Ed25519PrivateKey, "an Ed25519 private key"),
}


class SigningKeyError(ValueError):
    """A signing key that cannot be used; the message names the file and the problem."""


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def b64url(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims, read back from its payload without checking the signature: for tokens this mock signed, whose
    claims were checked as a body already. The stdlib parser, as orjson would read integers beyond 64 bits as floats."""
    payload = token[token.index(".") + 1 : token.rindex(".")]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def _raw_signer(alg: str, key: Any, nonces: NoncePool | None) -> Callable[[bytes], bytes]:
    """The signature primitive for `alg`, in JWS form (RFC 7518: ES256 is r || s, not DER)."""
    if alg == "ES256":
        ecdsa = ec.ECDSA(hashes.SHA256())
        private_value = key.private_numbers().private_value

        def es256(data: bytes) -> bytes:
            pair = nonces.take() if nonces else None
            if pair is not None:  # the curve's half was done ahead by the helper (nonces.py)
                signature = sign_with(pair, hashlib.sha256(data).digest(), private_value)
                if signature is not None:
                    return signature
            r, s = decode_dss_signature(key.sign(data, ecdsa))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")

        return es256
    if alg == "RS256":
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
        return lambda data: bytes(key.sign(data, pkcs1, sha256))
    if alg == "EdDSA":
        return lambda data: bytes(key.sign(data))
    return lambda data: hmac.new(key, data, hashlib.sha256).digest()


class Signer:
    """Signs JWTs with one key; publishes its JWKS. With ES256 it owns a nonce helper process (see nonces.py),
    which a server starts (`start`) and stops (`close`); until then, and whenever none is ready, the library signs."""

    def __init__(self, alg: str, kid: str, key: Any, public_jwk: dict[str, Any] | None) -> None:
        self.alg = alg
        self.kid = kid
        self.key = key  # private key object, or the HS256 secret as bytes
        self.public_jwk = public_jwk  # None for HS256: a shared secret is never published
        self.nonces = NoncePool() if alg == "ES256" else None
        # The header never changes, so its encoding is done once; per token only payload and signature remain.
        self._header = b64url(dumps({"alg": alg, "typ": "JWT", "kid": kid})) + b"."
        self._raw_sign = _raw_signer(alg, key, self.nonces)

    def start(self) -> None:
        """Serving: start making ES256 nonces ahead in a helper process (nothing to do for other algorithms)."""
        if self.nonces is not None:
            self.nonces.start()

    def close(self) -> None:
        if self.nonces is not None:
            self.nonces.close()

    def sign(self, claims: dict[str, Any]) -> str:
        signing_input = self._header + b64url(dumps(claims))
        return (signing_input + b"." + b64url(self._raw_sign(signing_input))).decode()

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk] if self.public_jwk else []}

    def verification_key(self) -> Any:
        """What PyJWT needs to verify this signer's tokens."""
        return self.key if self.alg == "HS256" else self.key.public_key()

    def private_pem(self) -> bytes:
        """The key as a file `--signing-key` accepts (PEM, or the raw HS256 secret)."""
        if self.alg == "HS256":
            return bytes(self.key)
        return bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )


def generate_signer(alg: str) -> Signer:
    if alg == "ES256":
        return _signer(alg, ec.generate_private_key(ec.SECP256R1()))
    if alg == "RS256":
        return _signer(alg, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    if alg == "EdDSA":
        return _signer(alg, ed25519.Ed25519PrivateKey.generate())
    if alg == "HS256":
        # Printable (256 random bits): a secret file is read with surrounding whitespace stripped, as editors add it.
        return _signer(alg, secrets.token_urlsafe(32).encode())
    raise SigningKeyError(f"--alg {alg!r} is not one of {', '.join(ALGORITHMS)}")


def load_signer(alg: str, data: bytes, source: str = "the signing key") -> Signer:
    """From PEM bytes (or, for HS256, the secret itself, at least 32 bytes)."""
    if alg not in ALGORITHMS:
        raise SigningKeyError(f"--alg {alg!r} is not one of {', '.join(ALGORITHMS)}")
    if alg == "HS256":
        secret = data.strip()
        if len(secret) < 32:
            raise SigningKeyError(f"{source}: an HS256 secret needs at least 32 bytes, this one has {len(secret)}")
        return _signer(alg, secret)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise SigningKeyError(f"{source}: the PEM key is encrypted; give an unencrypted key") from None
    except ValueError:
        raise SigningKeyError(f"{source}: not a PEM private key (expected '-----BEGIN PRIVATE KEY-----')") from None
    kind, wanted = _KEY_KINDS[alg]
    if not isinstance(key, kind):
        held = next((text for k, text in _KEY_KINDS.values() if isinstance(key, k)), "an unsupported kind of key")
        raise SigningKeyError(f"{source}: holds {held}, but --alg {alg} needs {wanted}")
    if isinstance(key, ec.EllipticCurvePrivateKey) and not isinstance(key.curve, ec.SECP256R1):
        raise SigningKeyError(f"{source}: the EC key is on {key.curve.name}, but ES256 needs P-256 (secp256r1)")
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:
        raise SigningKeyError(f"{source}: the RSA key has {key.key_size} bits; RS256 needs at least 2048")
    return _signer(alg, key)


def load_signer_file(alg: str, path: str | Path) -> Signer:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read the signing key ({exc.strerror})") from None
    return load_signer(alg, data, str(path))


def _signer(alg: str, key: Any) -> Signer:
    if alg == "HS256":
        return Signer(alg, "hs256", key, None)
    jwk: dict[str, Any] = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
    kid = _thumbprint(jwk)
    return Signer(alg, kid, key, {**jwk, "kid": kid, "alg": alg, "use": "sig"})


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: the same key always gets the same `kid`, across restarts and replicas."""
    members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()

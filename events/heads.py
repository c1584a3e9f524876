"""Signed tree heads: the log's size and Merkle root at a moment, signed with Ed25519.

The signed text is a checkpoint in the C2SP `tlog-checkpoint` layout (origin line, size, base64
root hash, then an extension line with the time), so a head can be checked with nothing but the
public key and these few lines. The private key lives in a file outside the database (mode
0600); the latest head is also written to a file beside the database after every commit, so a
database that loses acknowledged events (a truncated WAL, a restored old copy) is caught by a
head it cannot have produced.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ORIGIN = "reform-timeline"


class SignedHead(msgspec.Struct, frozen=True, kw_only=True):
    """A tree head: `size` events, their Merkle `root` (hex), when it was signed, by which key."""

    size: int
    root: str
    timestamp: int  # milliseconds since the Unix epoch, UTC
    key_id: str
    signature: str  # base64 Ed25519 signature of `checkpoint(size, root, timestamp)`

    @property
    def signed_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp / 1000, UTC)


def checkpoint(size: int, root: str, timestamp: int) -> bytes:
    """The exact bytes a head's signature covers."""
    root_b64 = base64.b64encode(bytes.fromhex(root)).decode()
    return f"{ORIGIN}\n{size}\n{root_b64}\ntimestamp {timestamp}\n".encode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(public: Ed25519PublicKey) -> str:
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def head_is_signed(public: Ed25519PublicKey, head: SignedHead) -> bool:
    """Whether `head` was signed by the key `public`."""
    try:
        public.verify(base64.b64decode(head.signature), checkpoint(head.size, head.root, head.timestamp))
    except (InvalidSignature, ValueError):
        return False
    return head.key_id == key_id(public)


class Signer:
    """The log's private key, read from (or created as) a file outside the database."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)

    @classmethod
    def load(cls, path: str | Path) -> Signer:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(key)

    @classmethod
    def create(cls, path: str | Path) -> Signer:
        """Write a new key to `path` (mode 0600). The file appears whole or not at all; if
        another process created it first, that key is loaded instead."""
        path = Path(path)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
                f.flush()
                os.fsync(f.fileno())
            os.link(temporary, path)  # atomic, and refuses to replace an existing key
        except FileExistsError:
            return cls.load(path)
        finally:
            temporary.unlink(missing_ok=True)
        return cls(private)

    def sign(self, size: int, root: bytes, moment: datetime) -> SignedHead:
        timestamp = int(moment.timestamp() * 1000)
        signature = self._private.sign(checkpoint(size, root.hex(), timestamp))
        return SignedHead(
            size=size,
            root=root.hex(),
            timestamp=timestamp,
            key_id=self.key_id,
            signature=base64.b64encode(signature).decode(),
        )


_encode_head = msgspec.json.Encoder().encode
_decode_head = msgspec.json.Decoder(SignedHead).decode


def read_head_file(path: str | Path) -> SignedHead | None:
    """The head kept beside the database, None if there is none yet."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    try:
        return _decode_head(raw)
    except msgspec.DecodeError as e:
        raise ValueError(f"the head file {path} is not a signed head ({e})") from e


def write_head_file(path: str | Path, head: SignedHead) -> None:
    """Replace the head file with `head`, durably, unless it already holds a larger head (two
    processes committing at once finish in either order; the file never goes back)."""
    path = Path(path)
    with open(f"{path}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = read_head_file(path)
        except ValueError:
            current = None  # a damaged file is replaced; `verify` reports it before that
        if current is not None and current.size >= head.size:
            return
        temporary = path.with_name(path.name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(_encode_head(head) + b"\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

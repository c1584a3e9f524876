"""One settings Struct, decoded from an optional TOML file and `TIMELINE_*` environment variables.

Precedence: explicit overrides (CLI options) > environment > TOML file > defaults.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

PACKAGE_SEEDS = Path(__file__).resolve().parents[1] / "seeds"


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Every knob of the service. Environment variable: `TIMELINE_` + the upper-cased name."""

    db: str = "timeline.db"
    seeds_dir: str = str(PACKAGE_SEEDS)
    tokens: list[str] = []
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    base_url: str | None = None
    max_body_bytes: int = 1_000_000
    header_timeout: float = 10.0  # seconds to receive a request's head
    body_timeout: float = 60.0  # seconds to receive its body after the head
    max_connections: int = 256  # open connections per worker; more are closed at once
    synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"
    read_your_writes_timeout: float = 2.0
    catchup_seconds: float = 2.0
    verify_seconds: float = 3600.0
    verify_full_seconds: float = 86400.0
    # The Ed25519 key that signs tree heads: a file outside the database (`timeline init`
    # creates it, mode 0600). Default: the database path + ".key" (on PostgreSQL,
    # ./timeline-postgresql.key: give every node the same file).
    signing_key: str | None = None
    head_seconds: float = 0.0
    backup_seconds: float = 86400.0
    backup_dir: str = "backups"
    backup_keep: int = 7
    drop_dir: str | None = None
    drop_seconds: float = 60.0
    scheduler: bool = True
    lease_seconds: float = 15.0
    log_level: str = "INFO"
    max_stream_clients: int = 1000
    stream_heartbeat_seconds: float = 15.0
    stream_retry_ms: int = 3000
    webhook_seconds: float = 2.0
    webhook_retry_seconds: float = 10.0
    webhook_max_failures: int = 15
    webhook_allow_private: bool = False
    webhook_connect_timeout: float = 5.0
    webhook_read_timeout: float = 10.0

    @property
    def signing_key_path(self) -> str:
        if self.signing_key:
            return self.signing_key
        # A server database has no folder of its own: the key defaults to the working folder.
        return (
            "timeline-postgresql.key"
            if self.db.startswith(("postgresql://", "postgres://"))
            else f"{self.db}.key"
        )

    @property
    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


_LISTS = {"tokens"}


def load_settings(
    config: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build Settings from a TOML file (or `TIMELINE_CONFIG`), the environment and overrides."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    config = config or environ.get("TIMELINE_CONFIG")
    if config:
        with open(config, "rb") as f:
            data.update(tomllib.load(f))
    for name in Settings.__struct_fields__:
        value = environ.get(f"TIMELINE_{name.upper()}")
        if value is not None:
            data[name] = [v for v in value.split(",") if v] if name in _LISTS else value
    data.update({k: v for k, v in overrides.items() if v is not None})
    return msgspec.convert(data, type=Settings, strict=False)

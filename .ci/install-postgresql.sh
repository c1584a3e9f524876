#!/usr/bin/env bash
# Install PostgreSQL's server binaries (initdb, pg_ctl) for the tests on the PostgreSQL backend:
# each test run starts its own unprivileged cluster in a temporary folder (tests/postgres.py),
# so the packaged cluster is neither needed nor touched. Idempotent; root on a fresh Debian.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends postgresql
fi
ls /usr/lib/postgresql/*/bin/pg_ctl

"""One scheduler per PostgreSQL database across nodes: the lease, and takeover when its holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg

from tests.faults import REPO
from timeline.lease_postgres import PgLease

HOLDER = """
import sys, time
from timeline.lease_postgres import PgLease
lease = PgLease(sys.argv[1], "node-a")
assert lease.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_one_holder_at_a_time_and_a_killed_holder_is_taken_over_at_once(pg_url: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, pg_url], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    other = PgLease(pg_url, "node-b")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not other.acquire()
        assert other.holder() == "node-a"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(30)
        # The server notices the dead session and frees its lock; no expiry to wait out.
        deadline = time.monotonic() + 30
        while not other.acquire():
            assert time.monotonic() < deadline, "the dead holder's lease was never freed"
            time.sleep(0.05)
        assert other.holder() == "node-b"
        assert other.acquire()  # renewing is a no-op for the holder
        other.release()
        assert other.holder() is None
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
        other.close()


def test_a_holder_whose_connection_was_lost_knows_it_no_longer_holds_the_lease(pg_url: str) -> None:
    """A server restart (here: the holder's session terminated) takes the lock with it; the holder
    must not go on believing it leads, while another node takes over."""
    holder, other = PgLease(pg_url, "node-a"), PgLease(pg_url, "node-b")
    admin = psycopg.connect(pg_url, autocommit=True)
    try:
        assert holder.acquire() and not other.acquire()
        terminate = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
        assert admin.execute(terminate, ["node-a"]).fetchone() == (True,)
        deadline = time.monotonic() + 30
        while not other.acquire():
            assert time.monotonic() < deadline, "the lost session's lock was never freed"
            time.sleep(0.05)
        assert not holder.acquire()  # it noticed, reconnected, and found the lease taken
        assert holder.holder() == "node-b" == other.holder()
        other.release()
        assert holder.acquire() and holder.holder() == "node-a"
    finally:
        admin.close()
        holder.close()
        other.close()

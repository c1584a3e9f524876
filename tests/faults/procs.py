"""Starting and killing fault children: a zygote that forks them from a preloaded interpreter.

Starting Python and importing the project costs most of a second on this machine; a fork costs
milliseconds, which is what lets a test kill a writer twenty times and the benchmark hundreds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from tests.faults import REPO


def ready() -> None:
    """Called by a child once it is set up: the parent may now kill it at any moment."""
    os.write(1, f"ready {os.getpid()}\n".encode())


class ChildFailed(AssertionError):
    pass


class Zygote:
    """Client of `tests.faults.zygote`: start children, kill them, reap them."""

    def __init__(self, log: Path, preload: tuple[str, ...] = ("tests.faults.writer",)) -> None:
        self.log = log
        self._stderr = log.open("ab")
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.zygote", *preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=REPO,
            env=env,
            text=True,
            bufsize=1,
        )
        self._seen: set[str] = set()
        self._exits: dict[int, int] = {}
        self._live: set[int] = set()
        self._expect(lambda line: line == "zygote")

    def __enter__(self) -> Zygote:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise ChildFailed(f"the zygote ended; its log says:\n{self.tail()}")
        line = line.strip()
        if line.startswith("exit "):
            _, pid, code = line.split()
            self._exits[int(pid)] = int(code)
        else:
            self._seen.add(line)
        return line

    def _expect(self, wanted: Callable[[str], bool]) -> str:
        while True:
            line = self._line()
            if wanted(line):
                return line

    def _send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def start(self, module: str, *args: object, wait_ready: bool = True) -> int:
        """Fork a child running `module.main(*args)`; with `wait_ready`, return once it said so."""
        self._send(" ".join(["run", module, *map(str, args)]))
        pid = int(self._expect(lambda line: line.startswith("pid ")).split()[1])
        self._live.add(pid)
        if wait_ready:
            self.wait_ready(pid)
        return pid

    def wait_ready(self, pid: int) -> None:
        while f"ready {pid}" not in self._seen:
            self._line()
            if pid in self._exits:
                raise ChildFailed(
                    f"child {pid} exited {self._exits[pid]} before it was ready:\n{self.tail()}"
                )

    def kill(self, pid: int) -> int:
        """SIGKILL the child and reap it; returns its exit code (-9 when the kill hit it)."""
        os.kill(pid, signal.SIGKILL)
        return self.wait(pid)

    def wait(self, pid: int) -> int:
        self._send(f"wait {pid}")
        while pid not in self._exits:
            self._line()
        self._live.discard(pid)
        return self._exits.pop(pid)

    def tail(self, lines: int = 30) -> str:
        self._stderr.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        for pid in list(self._live):  # children a failed test left running
            self.kill(pid)
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()

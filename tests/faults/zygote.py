"""A preloaded Python that forks fault children on request (see `tests.faults.procs.Zygote`).

    python -m tests.faults.zygote MODULE...

Imports MODULEs once, prints `zygote`, then reads commands on stdin:
`run MODULE ARG...` forks a child running `MODULE.main(*ARGS)` and prints `pid <pid>`;
`wait PID` reaps that child and prints `exit <pid> <code>` (a negative code is the signal that
ended it, as in subprocess). The zygote never opens the database, so every child opens its own
connection after the fork: each child is a separate process with its own SQLite state.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback


def _child(module: str, args: list[str]) -> None:
    code = 0
    try:
        importlib.import_module(module).main(*args)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main(preload: list[str]) -> None:
    for module in preload:
        importlib.import_module(module)
    os.write(1, b"zygote\n")
    for line in sys.stdin:
        command, *args = line.split()
        if command == "run":
            pid = os.fork()
            if pid == 0:
                _child(args[0], args[1:])
            os.write(1, f"pid {pid}\n".encode())
        elif command == "wait":
            pid = int(args[0])
            _, status = os.waitpid(pid, 0)
            os.write(1, f"exit {pid} {os.waitstatus_to_exitcode(status)}\n".encode())


if __name__ == "__main__":
    main(sys.argv[1:])

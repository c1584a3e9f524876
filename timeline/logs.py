"""One log format for the whole process: uvicorn's own lines, the app's and the jobs'.

`timeline serve` hands `log_config(level)` to uvicorn, which applies it in every worker before
the app loads; the app itself configures no logging (Litestar's default would put the root
logger at INFO with another format, whatever `TIMELINE_LOG_LEVEL` says). APScheduler logs
every run at INFO: it is held at WARNING so an idle service is quiet.
"""

from __future__ import annotations

import logging
from typing import Any

FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
QUIET_LIBRARIES = ("apscheduler",)


class Quiet(str):
    """A job's message when it found nothing to do: logged at DEBUG, so idle runs stay silent."""


def said(message: str, done: int) -> str:
    """`message`, quiet when nothing was `done`."""
    return message if done else Quiet(message)


def log_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` mapping: everything through one handler, one format."""
    level = level.upper()
    floor = max(logging.getLevelNamesMapping()[level], logging.WARNING)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn's loggers propagate to the root's handler instead of their own.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": level, "propagate": True},
            **{name: {"level": logging.getLevelName(floor)} for name in QUIET_LIBRARIES},
        },
    }

"""A byte-level lint of iCalendar bodies: what lenient parsers let through.

RFC 5545 §3.1: content lines end in CRLF, are folded at 75 octets with CRLF + one space or tab,
and (our rule, which icalendar and ical.js both honour) a fold never splits a UTF-8 sequence, so
every physical line is valid UTF-8 on its own. Control characters other than HTAB never appear.
"""

from __future__ import annotations

import re

NAME = re.compile(rb"^[A-Za-z0-9-]+[;:]")
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def physical_lines(body: bytes) -> list[bytes]:
    return body.split(b"\r\n")[:-1]


def content_lines(body: bytes) -> list[str]:
    """The unfolded content lines, decoded."""
    return body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode().split("\r\n")[:-1]


def lint(body: bytes) -> list[str]:
    """Every problem found, as `line N: what`; empty when the body is clean."""
    problems: list[str] = []
    if not body.endswith(b"\r\n"):
        problems.append("the body does not end with CRLF")
    for number, line in enumerate(physical_lines(body), 1):
        problems += [f"line {number}: {p}" for p in _line_problems(line, first=number == 1)]
    if problems:
        return problems
    return _structure(content_lines(body))


def _line_problems(line: bytes, *, first: bool) -> list[str]:
    found = []
    if b"\r" in line or b"\n" in line:
        found.append("bare CR or LF (line ends must be CRLF)")
    if len(line) > 75:
        found.append(f"{len(line)} octets (at most 75)")
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as e:
        found.append(f"not valid UTF-8 on its own ({e.reason} at octet {e.start})")
    if CONTROL.search(line.replace(b"\r", b"").replace(b"\n", b"")):
        found.append("a control character other than HTAB")
    if not line:
        found.append("an empty line")
    elif line[:1] in b" \t" and first:
        found.append("a continuation line with nothing to continue")
    elif line[:1] not in b" \t" and not NAME.match(line):
        found.append("no property name before ';' or ':'")
    return found


def _structure(lines: list[str]) -> list[str]:
    problems = []
    if not lines or lines[0] != "BEGIN:VCALENDAR" or lines[-1] != "END:VCALENDAR":
        problems.append("the body is not one VCALENDAR")
    stack: list[str] = []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:") and (not stack or stack.pop() != line[4:]):
            problems.append(f"unbalanced {line}")
    if stack:
        problems.append(f"unclosed {', '.join(stack)}")
    return problems

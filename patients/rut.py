"""Chilean RUT: normalise any formatting, check the modulo-11 digit, render `12.345.678-9`."""

import re

_CLEAN = re.compile(r"[\s.\-‐‑–]")
_SHAPE = re.compile(r"^(\d{1,8})([0-9K])$")


def rut_clean(value: str) -> str:
    """Digits and check digit only, uppercase: '12.345.678-k' -> '12345678K'."""
    return _CLEAN.sub("", value or "").upper()


def rut_check_digit(body: str) -> str:
    total, factor = 0, 2
    for digit in reversed(body):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    remainder = 11 - total % 11
    return {11: "0", 10: "K"}.get(remainder, str(remainder))


def rut_is_valid(value: str) -> bool:
    match = _SHAPE.match(rut_clean(value))
    return bool(match) and rut_check_digit(match.group(1)) == match.group(2)


def rut_normalize(value: str) -> str:
    """The stored form ('12345678K'); raises ValueError when the RUT is not valid."""
    cleaned = rut_clean(value)
    if not rut_is_valid(cleaned):
        raise ValueError(value)
    return cleaned.lstrip("0") or cleaned


def rut_format(normalized: str) -> str:
    if not normalized:
        return ""
    body, dv = normalized[:-1], normalized[-1]
    return f"{int(body):,}".replace(",", ".") + f"-{dv}"

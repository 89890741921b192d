"""Every CSV the project writes goes through `writer()`: a cell that a spreadsheet would read as a
formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading
apostrophe, which spreadsheets show as text (OWASP's "CSV injection" advice). Plain numbers keep
their sign. Names, emails and reasons come from people outside the practice (online booking,
registration), and these files are opened by patients, admins and operators."""

import csv
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    """A stream that hands each written line back, for streamed responses."""

    def write(self, value):
        return value


class SafeWriter:
    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])


def writer(stream=None) -> SafeWriter:
    """csv.writer on `stream`; without one, `writerow` returns the line (for a streamed response)."""
    return SafeWriter(stream if stream is not None else _Echo())

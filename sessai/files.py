"""Uploaded files: what one really is, from its bytes (puremagic), never from its name; how
large one may be."""

import puremagic
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

FILE_TOO_LARGE = _("El archivo supera el tamaño máximo de %(size)s")


def too_large(limit: int) -> str:
    """The refusal of a file over `limit` bytes, the limit as people read it ("25,0 MB")."""
    return str(FILE_TOO_LARGE) % {"size": filesizeformat(limit)}


def sniff(head: bytes) -> str:
    """MIME type of a file from its first bytes; `text/plain` for UTF-8 text; '' when unknown."""
    if not head:
        return ""
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        matches = []
    for match in matches:
        if match.mime_type:
            return match.mime_type
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multi-byte character cut at the end of the sample is fine
                return ""
        return "text/plain"
    return ""


# The extension a stored or downloaded file gets for its real (sniffed) type.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "text/plain": ".txt",
    "audio/mpeg": ".mp3",
    "audio/wave": ".wav",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/ogg": ".ogg",
    "application/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "audio/webm": ".webm",
    "video/webm": ".webm",
}


SAME = {
    ".jpg": {".jpg", ".jpeg"},
    ".wav": {".wav", ".wave"},
    ".m4a": {".m4a", ".mp4"},
    ".ogg": {".ogg", ".oga", ".opus"},
}


def name_for(filename: str, mime: str) -> str:
    """`filename` with the extension of what the file really is: a PNG sent as `informe.pdf`
    becomes `informe.png`, so it opens as what it is."""
    extension = EXTENSIONS.get(mime)
    if not extension:
        return filename
    stem, dot, current = filename.rpartition(".")
    if dot and f".{current.lower()}" in SAME.get(extension, {extension}):
        return filename
    return f"{stem if dot else filename}{extension}"

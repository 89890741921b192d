"""What an uploaded file really is, from its bytes (puremagic), never from its name."""

import puremagic


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

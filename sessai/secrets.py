"""Secret links (invitations, calendar feeds): the token goes to the person, only its digest is stored."""

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()

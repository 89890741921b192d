"""Login cost by password hasher (docs/security.md#password-hashing): one password verified, and
`POST /api/auth/login` end to end, for PBKDF2 (the hashes from before Argon2id) and Argon2id.

    DEBUG=1 DATABASE_URL=... .venv/bin/python bench/password_hashing.py   # after `manage.py seed_demo`
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sessai.settings.dev")
os.environ.setdefault("RATELIMIT_ENABLE", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import get_hasher, make_password  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402

PASSWORD = "Demo12345"


def median_ms(run, times: int = 12, before=None) -> float:
    samples = []
    for _ in range(times):
        if before:
            before()  # not timed
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    user = User.objects.get(email="ana.silva@sessai.com")
    client = Client(HTTP_HOST="localhost")
    for algorithm in ("pbkdf2_sha256", "argon2"):
        hasher = get_hasher(algorithm)
        encoded = hasher.encode(PASSWORD, hasher.salt())
        verify = median_ms(lambda hasher=hasher, encoded=encoded: hasher.verify(PASSWORD, encoded))

        def reset(algorithm=algorithm):  # a PBKDF2 hash is upgraded by each login: put it back
            User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher=algorithm))

        def login():
            assert (
                client.post(
                    "/api/auth/login", {"email": user.email, "password": PASSWORD}, content_type="application/json"
                ).status_code
                == 200
            )

        print(f"{algorithm:>14}: verify {verify:.0f} ms, login {median_ms(login, before=reset):.0f} ms (median)")


if __name__ == "__main__":
    main()

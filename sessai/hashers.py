"""Password hashing: Argon2id first (OWASP's first choice for new systems), with OWASP's
recommended minimum parameters rather than Django's defaults.

Django's Argon2 defaults (100 MiB, 8 lanes) make each login hold 100 MiB: ten logins at once on
a 2-core, 2 GiB server are a gigabyte. OWASP's Password Storage Cheat Sheet lists equivalent
configurations; m=19 MiB, t=2, p=1 costs ~18 ms a verification here (PBKDF2's 1,000,000 iterations:
~234 ms; bench/password_hashing.py), keeps memory hardness against GPU guessing,
and is far cheaper in CPU than the PBKDF2 it replaces. Existing PBKDF2 hashes are upgraded to
Argon2id on the user's next successful login (Django rehashes when the preferred hasher changes)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class SessaiArgon2PasswordHasher(Argon2PasswordHasher):
    # the algorithm name stays "argon2", so hashes with other parameters are still verified
    # (and upgraded on login: `must_update` compares the parameters)
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

"""`make fuzz`'s second half: the bare schemathesis CLI, as an outside prober runs it
(`st run <schema> --checks all -n 25 --seed 1`, as the demo admin), against gunicorn serving a
fresh database `sessai_fuzz` with the demo data, on the same PostgreSQL server as `make run`
(the embedded one, or DATABASE_URL's). The repository's schemathesis.toml applies, as it does for
anyone running `st` here. Exits with schemathesis's status: 0 only when it found nothing.

Left out of this run: the operations that end the caller's own sign-in (logout, password change,
remote sign-out, turning MFA off), which would leave every later request a 401. The pytest
harness (sessai/tests/test_schemathesis.py) covers them with a fresh token per case.

Arguments after the script's name go to `st run` as they are, e.g. only some operations:
`.venv/bin/python tools/fuzz_cli.py --include-path-regex 'risk-alerts|outcomes'`."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION_ENDING = [
    "POST /api/auth/logout",
    "POST /api/auth/change-password",
    "DELETE /api/auth/sessions/{id}",
    "POST /api/auth/mfa/totp/disable",
]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sessai.settings.dev")
    import django

    django.setup()

    from sessai.db import as_owner, owner_url

    with as_owner() as connection, connection.cursor() as cursor:  # the owner creates and migrates
        cursor.execute("DROP DATABASE IF EXISTS sessai_fuzz WITH (FORCE)")
        cursor.execute("CREATE DATABASE sessai_fuzz")
        database_url = owner_url(connection.settings_dict, "sessai_fuzz")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,  # the server derives the application's role from it
        "RATELIMIT_ENABLE": "false",
        "DJANGO_SETTINGS_MODULE": "sessai.settings.dev",
        "LOG_LEVEL": "ERROR",
    }
    python = sys.executable
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "sessai.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/api/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        login = urllib.request.Request(
            f"{base}/api/auth/login",
            method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"email": "admin@sessai.com", "password": "admin123"}).encode(),
        )
        token = json.load(urllib.request.urlopen(login, timeout=10))["tokens"]["accessToken"]
        excluded = [argument for name in SESSION_ENDING for argument in ("--exclude-name", name)]
        return subprocess.run(
            [
                str(Path(python).parent / "st"),
                "run",
                f"{base}/api/schema/",
                "--checks",
                "all",
                "-n",
                "25",
                "--seed",
                "1",
                "-H",
                f"Authorization: Bearer {token}",
                *excluded,
                *sys.argv[1:],
            ],
            cwd=ROOT,
        ).returncode
    finally:
        server.terminate()
        server.wait(15)


if __name__ == "__main__":
    sys.exit(main())

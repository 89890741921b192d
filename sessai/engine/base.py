"""The database engine: PostgreSQL through django-prometheus (query counts for /metrics), and each
connection scoped to the practice of the code that uses it (sessai.scope, row-level security):
the scope is set before a statement when it changed, and again after any rollback, which can undo
a setting made inside the rolled-back transaction."""

from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django_prometheus.db.backends.postgresql import base

from sessai import scope

# PostgreSQL's protocol carries at most 65,535 parameters a statement: with values bound on the
# server (prepared statements, sessai/settings) a bulk insert of more is refused, where client-side
# binding, which writes the values into the text, has no limit.
MAX_SERVER_PARAMETERS = 65_535


class DatabaseOperations(PostgresOperations):
    def bulk_batch_size(self, fields, objs):
        if self.connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return max(1, min(len(objs), MAX_SERVER_PARAMETERS // max(1, len(fields))))
        return super().bulk_batch_size(fields, objs)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessai_scope = scope.UNSET
        self.runs_as_owner = False  # sessai.db.as_owner: migrations, the test database's set-up
        # behind a transaction-mode pooler the scope is set per transaction (sessai.scope)
        self.scope_per_transaction = self.settings_dict.get("POOL_MODE") == "transaction"
        self.execute_wrappers.append(scope.scope_statement)

    def connect(self):
        # A new server session has its settings unset; a connection borrowed from Django's pool
        # (DB_POOL_SIZE) may still hold its last borrower's practice or role: set it again.
        self.sessai_scope = scope.UNKNOWN if self.settings_dict["OPTIONS"].get("pool") else scope.UNSET
        super().connect()

    def _commit(self):
        super()._commit()
        if self.scope_per_transaction:
            self.sessai_scope = scope.UNSET  # transaction-local settings end with their transaction

    def _rollback(self):
        self.sessai_scope = scope.UNSET if self.scope_per_transaction else scope.UNKNOWN
        super()._rollback()

    def _savepoint_rollback(self, sid):
        # Marked unknown only once `ROLLBACK TO SAVEPOINT` has run: the statement itself goes
        # through the execute wrapper, and a scope set just before it would be undone by it while
        # the tracker kept it (the next statements then saw no practice's rows).
        try:
            super()._savepoint_rollback(sid)
        finally:
            self.sessai_scope = scope.UNKNOWN

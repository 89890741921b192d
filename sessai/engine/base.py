"""The database engine: PostgreSQL through django-prometheus (query counts for /metrics), and each
connection scoped to the practice of the code that uses it (sessai.scope, row-level security):
the scope is set before a statement when it changed, and again after any rollback, which can undo
a setting made inside the rolled-back transaction."""

from django_prometheus.db.backends.postgresql import base

from sessai import scope


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessai_scope = scope.UNSET
        self.runs_as_owner = False  # sessai.db.as_owner: migrations, the test database's set-up
        self.execute_wrappers.append(scope.scope_statement)

    def connect(self):
        self.sessai_scope = scope.UNSET  # a new server session: the settings are unset
        super().connect()

    def _rollback(self):
        self.sessai_scope = scope.UNKNOWN
        super()._rollback()

    def _savepoint_rollback(self, sid):
        self.sessai_scope = scope.UNKNOWN
        super()._savepoint_rollback(sid)

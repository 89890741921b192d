"""The test database backend: PostgreSQL through django-prometheus, as in production, except the
flush between transactional tests. Django flushes with one TRUNCATE of every table, which costs
about 0.65 s here even when the tables are empty. This backend DELETEs rows instead, which takes
milliseconds for a test's few rows. Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, and
the flush runs in one transaction, so the order of the DELETEs does not matter.

The append-only tables refuse DELETE from anyone (their triggers); they are TRUNCATEd first, as
their triggers allow on test connections only, before any DELETE leaves trigger events pending."""

from sessai import scope
from sessai.db import as_owner, ensure_app_role
from sessai.engine import base

APPEND_ONLY = {"billing_creditledgerentry", "auditlog_logentry"}


class DatabaseOperations(base.DatabaseWrapper.ops_class):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        kept = [table for table in tables if table in APPEND_ONLY]
        truncate = (
            [
                f"{style.SQL_KEYWORD('TRUNCATE')} {', '.join(self.quote_name(t) for t in kept)} {style.SQL_KEYWORD('CASCADE')};"
            ]
            if kept
            else []
        )
        deletes = [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
            for t in tables
            if t not in APPEND_ONLY
        ]
        return truncate + deletes

    def execute_sql_flush(self, sql_list):
        with scope.platform("tests"):  # every practice's rows
            super().execute_sql_flush(sql_list)


class DatabaseCreation(base.DatabaseWrapper.creation_class):
    """The test database is created, migrated and dropped by the owner (DATABASE_URL's user); the
    tests then run as the application role, under row-level security, as production does."""

    def create_test_db(self, *args, **kwargs):
        with as_owner(self.connection.alias):
            name = super().create_test_db(*args, **kwargs)
            ensure_app_role(self.connection, truncate=True)
        return name

    def destroy_test_db(self, *args, **kwargs):
        with as_owner(self.connection.alias):
            return super().destroy_test_db(*args, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    creation_class = DatabaseCreation

"""Every row of a practice's data carries the practice (`practice_id`), also rows that hang off
another one (an addendum off its session, a care-team member off its patient). The column is filled
from the parent, by the model on save and by the database on any insert that leaves it empty
(`practice_from_parent()`, sessai/migrations/0003), and a composite foreign key
(`practice_id, parent_id`) → parent (`practice_id, id`) refuses a child whose practice differs
from its parent's (docs/security.md, "Every row carries its practice")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sessai.scope import PLATFORM_ROLE, PRACTICE_SETTING


def practice_field(**kwargs) -> models.ForeignKey:
    """The `practice` column of a table whose rows hang off another tenant row."""
    return models.ForeignKey(
        "accounts.Practice",
        verbose_name=_("consulta"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        **kwargs,
    )


class PracticeFromParent(models.Model):
    """Fills `practice` from the row named by `practice_parent` before the first save."""

    practice_parent: str = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.practice_id is None:
            parent = getattr(self, self.practice_parent, None)
            if parent is not None:
                self.practice_id = parent.practice_id
        super().save(*args, **kwargs)


def fill_trigger_sql(table: str, parent_table: str, parent_column: str) -> tuple[str, str]:
    """(forward, reverse) SQL: the insert trigger that fills `practice_id` from the parent row."""
    name = f"{table}_practice_fill"
    forward = (
        f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION practice_from_parent('{parent_table}', '{parent_column}')"
    )
    return forward, f"DROP TRIGGER IF EXISTS {name} ON {table}"


def parent_key_sql(table: str, parent_table: str, parent_column: str) -> tuple[str, str]:
    """(forward, reverse) SQL: the composite foreign key that keeps the child in its parent's practice.
    Checked at commit, as Django's own foreign keys are (its deletions do not order parents and
    children)."""
    name = f"{table}_{parent_column}_same_practice"[:63]
    forward = (
        f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (practice_id, {parent_column}) "
        f"REFERENCES {parent_table} (practice_id, id) DEFERRABLE INITIALLY DEFERRED"
    )
    return forward, f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"


def parent_unique_sql(parent_table: str) -> tuple[str, str]:
    """(forward, reverse) SQL: UNIQUE (practice_id, id) on a parent, which the composite keys reference."""
    name = f"{parent_table}_practice_id_key"[:63]
    return (
        f"ALTER TABLE {parent_table} ADD CONSTRAINT {name} UNIQUE (practice_id, id)",
        f"ALTER TABLE {parent_table} DROP CONSTRAINT IF EXISTS {name}",
    )


# The platform paths' role (sessai.scope.platform) has a policy of its own that lets it through;
# the practice policy stays a plain equality, which PostgreSQL can answer from the practice's indexes.

CREATE_PLATFORM_ROLE = f"""
DO $$ BEGIN
    CREATE ROLE {PLATFORM_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$
"""


def row_security_sql(table: str, column: str = "practice_id", *, nullable: bool = False) -> tuple[str, str]:
    """(forward, reverse) SQL: the table's FORCEd policies. Rows of the connection's practice
    (`sessai.practice_id`; none when it is unset), and every row for the platform role. A nullable
    practice (a person's own account mail) leaves the rows without one visible to any scope."""
    # A plain stable expression, not a `(SELECT …)` sub-plan: the planner folds current_setting()
    # when it estimates, so a joined table's policy counts the practice's real rows (a sub-plan's
    # unknown value gave generic estimates, and the dashboard's recent-sessions join went from
    # 0.5 ms to 2 s); beside the query's own `practice_id = …` it becomes a one-time check.
    practice = f"NULLIF(current_setting('{PRACTICE_SETTING}', true), '')::uuid"
    condition = f"{column} = {practice}" + (f" OR {column} IS NULL" if nullable else "")
    forward = (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; ALTER TABLE {table} FORCE ROW LEVEL SECURITY; "
        f"CREATE POLICY practice_isolation ON {table} USING ({condition}); "
        f"CREATE POLICY platform_paths ON {table} TO {PLATFORM_ROLE} USING (true)"
    )
    reverse = (
        f"DROP POLICY IF EXISTS platform_paths ON {table}; DROP POLICY IF EXISTS practice_isolation ON {table}; "
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
    )
    return forward, reverse

"""`migrate` as the tables' owner: the application's own role cannot alter tables, and must not
(an owner could turn row-level security off). After the migrations it creates the database cache
table and gives the application role its privileges (sessai/db.py)."""

from django.core.management import call_command
from django.core.management.commands import migrate

from sessai.db import as_owner, ensure_app_role


class Command(migrate.Command):
    def handle(self, *args, **options):
        with as_owner(options["database"]) as connection:
            super().handle(*args, **options)
            call_command("createcachetable", database=options["database"], verbosity=0)
            ensure_app_role(connection)

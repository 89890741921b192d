"""The ownership rule itself (sessai/tests/ownership.py): no app writes another's rows through
their manager, and the run-time guard catches an instance written from a foreign app."""

import pytest

from sessai.tests.ownership import WriteGuard, foreign_manager_writes


def test_no_app_writes_another_apps_models_through_their_manager():
    assert foreign_manager_writes() == []


@pytest.mark.django_db
def test_the_guard_names_a_foreign_write_and_lets_the_owner_write(practice):
    namespace = {"__name__": "billing.some_module"}
    exec("def rename(practice):\n    practice.name = 'Otra'\n    practice.save()\n", namespace)  # as billing code would
    with WriteGuard() as guard:
        namespace["rename"](practice)
    assert guard.violations and guard.violations[0].endswith("writes accounts.Practice")
    owner = {"__name__": "accounts.some_module"}
    exec("def rename(practice):\n    practice.name = 'Propia'\n    practice.save()\n", owner)
    with WriteGuard() as guard:
        owner["rename"](practice)
    assert guard.violations == []

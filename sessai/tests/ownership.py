"""One owner for every write (docs/development/architecture.md): an app's rows are written by that
app's own code (its services, its jobs, its receivers), never by another app's. Two checks hold it:

- `foreign_manager_writes()`, static: another app's model written through its manager
  (`Patient.objects.create/update/delete/…`, also at the end of a chain: `.filter(...).update()`);
- `WriteGuard`, at run time over the whole suite (root conftest): every `save()` and `delete()` of
  an instance, attributed to the innermost frame of project code that is not the project core
  (`sessai` helpers write on behalf of their caller). Writes from tests and migrations, and
  writes with no project frame at all (Django admin's own views, third-party apps) are the
  owner's by definition.

A write an app needs in another app's tables is a service of the owner, or a signal the owner
receives."""

import ast
import sys
from pathlib import Path

from django.db.models.signals import pre_delete, pre_save

APPS = ("accounts", "patients", "scheduling", "ai_reports", "billing", "console")
MANAGER_WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "bulk_update", "update", "delete"}
ROOT = Path(__file__).resolve().parents[2]


def foreign_manager_writes() -> list[str]:
    found = []
    for app in (*APPS, "sessai"):
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "tests" in rel.parts or "migrations" in rel.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            foreign = {
                alias.asname or alias.name: node.module.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.endswith(".models")
                and node.module.split(".")[0] in APPS
                and node.module.split(".")[0] != app
                for alias in node.names
            }
            # `Model = apps.get_model("other_app", "Model")`
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "attr", "") == "get_model"
                    and node.value.args
                    and isinstance(node.value.args[0], ast.Constant)
                    and node.value.args[0].value in APPS
                    and node.value.args[0].value != app
                ):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            foreign[target.id] = node.value.args[0].value
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in MANAGER_WRITES
                ):
                    continue
                value = node.func.value
                while isinstance(value, (ast.Call, ast.Attribute)):
                    if (
                        isinstance(value, ast.Attribute)
                        and value.attr == "objects"
                        and isinstance(value.value, ast.Name)
                        and value.value.id in foreign
                    ):
                        found.append(f"{rel}:{node.lineno} writes {foreign[value.value.id]}.{value.value.id}")
                        break
                    value = value.func if isinstance(value, ast.Call) else value.value
    return found


def _writer(frame) -> str | None:
    """The app whose code is writing: the innermost project frame outside the core; None when the
    write comes from a test, a migration, or no project code at all."""
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        top = module.split(".", 1)[0]
        if top in APPS or top == "sessai":
            parts = module.split(".")
            if "tests" in parts or "migrations" in parts or module in ("conftest",):
                return None
            if top in APPS:
                return top
        elif top == "conftest":
            return None
        frame = frame.f_back
    return None


class WriteGuard:
    """Records foreign writes while active; a guard opened inside another records them alone."""

    _stack: list["WriteGuard"] = []

    def __init__(self):
        self.violations: list[str] = []

    def _check(self, sender, instance, **kwargs):
        owner = sender._meta.app_label
        if owner not in APPS or self._stack[-1] is not self:
            return
        writer = _writer(sys._getframe(2))
        if writer is not None and writer != owner:
            frame = sys._getframe(2)
            while frame is not None and not frame.f_globals.get("__name__", "").startswith(writer):
                frame = frame.f_back
            where = f"{frame.f_code.co_filename.removeprefix(str(ROOT) + '/')}:{frame.f_lineno}" if frame else writer
            self.violations.append(f"{where} writes {owner}.{sender.__name__}")

    def __enter__(self):
        self._uid = f"ownership.{id(self)}"
        pre_save.connect(self._check, dispatch_uid=self._uid, weak=False)
        pre_delete.connect(self._check, dispatch_uid=self._uid, weak=False)
        self._stack.append(self)
        return self

    def __exit__(self, *exc):
        self._stack.remove(self)
        pre_save.disconnect(dispatch_uid=self._uid)
        pre_delete.disconnect(dispatch_uid=self._uid)

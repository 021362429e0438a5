"""A model's table taken over from another app (migrations only; Django skips modules whose
name starts with '_' when it looks for migrations).

`TakeTable` follows a `SeparateDatabaseAndState` that created the model in this app's state:
when the old app's table is there (clinic mode installed, on an existing or a fresh
database) it is renamed to this app's table, rows, indexes and constraints kept; when it is
not (the old app is not installed) the table is made. Backwards, it is renamed back if the
old app still has the model in its state, else dropped.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation


class TakeTable(Operation):
    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, old_app: str, old_table: str) -> None:
        self.model_name = model_name
        self.old_app = old_app
        self.old_table = old_table

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            self.__class__.__qualname__,
            [],
            {"model_name": self.model_name, "old_app": self.old_app, "old_table": self.old_table},
        )

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # the model is made in the state by the SeparateDatabaseAndState before this

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.old_table in schema_editor.connection.introspection.table_names():
            schema_editor.alter_db_table(model, self.old_table, model._meta.db_table)
        else:
            schema_editor.create_model(model)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if (self.old_app, self.model_name.lower()) in to_state.models:
            schema_editor.alter_db_table(model, model._meta.db_table, self.old_table)
        else:
            schema_editor.delete_model(model)

    def describe(self) -> str:
        return f"Take the table {self.old_table} for {self.model_name}"

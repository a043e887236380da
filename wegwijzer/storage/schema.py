"""Bringing a database made by an older Wegwijzer up to date, without a migration framework.

``create_all`` makes missing tables but never touches existing ones. New columns are therefore
always nullable (or have a server default), and ``add_missing_columns`` adds the columns that a
table made by an older version lacks. It only adds; it never changes or drops anything.
"""
from __future__ import annotations

import logging

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.schema import Column, MetaData

logger = logging.getLogger(__name__)


def _column_sql(engine: Engine, column: Column) -> str:
    kind = column.type.compile(dialect=engine.dialect)
    sql = f'{engine.dialect.identifier_preparer.quote(column.name)} {kind}'
    if column.server_default is not None:
        sql += f" DEFAULT {column.server_default.arg}"
        if not column.nullable:
            sql += " NOT NULL"
    return sql


def missing_columns(engine: Engine, metadata: MetaData) -> list[tuple[str, Column]]:
    """(table name, column) for every model column that an existing table lacks."""
    inspector = inspect(engine)
    missing = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        missing += [(table.name, column) for column in table.columns if column.name not in present]
    return missing


def add_missing_columns(engine: Engine, metadata: MetaData) -> list[str]:
    """Add each missing column (``ALTER TABLE ... ADD COLUMN``); return ``table.column`` names added."""
    added = []
    with engine.begin() as connection:
        for table_name, column in missing_columns(engine, metadata):
            if not column.nullable and column.server_default is None:
                raise RuntimeError(f"column {table_name}.{column.name} is required but has no server default: "
                                   "new columns must be nullable or have one")
            table = engine.dialect.identifier_preparer.quote(table_name)
            connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {_column_sql(engine, column)}")
            added.append(f"{table_name}.{column.name}")
    if added:
        logger.info("database upgraded: added %s", ", ".join(added))
    return added

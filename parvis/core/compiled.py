"""A hot read whose SQL the ORM compiles once per process instead of once per call.

Django builds and compiles a queryset's SQL every time it runs. For a read made for every
publication (the engine's claim: a row with its post, account and workspace, and the
release rules as subqueries), compiling costs more Python than the database spends
running it (measured: ~0.9 ms of CPU per claim, in worker threads that share one
interpreter lock). `CompiledRead` has the ORM compile the queryset once per thread and
database, with stand-in values for its parameters; each call then runs that
same SQL with its own values, adapted by the field they are compared with exactly as the
ORM adapts them, and builds the instances the way Django's own iterator does (related
objects from `select_related`, annotations, every database converter).

What it cannot serve it refuses when it first compiles (a stand-in the SQL does not
carry), so a change to the queryset that breaks it fails at once, in the tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators

_M = TypeVar("_M", bound=Model)

# Values no query of parvis compares with: where the compiled SQL's parameters hold one of
# these (once adapted), the call's own value goes.
STAND_IN_TIME = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
STAND_IN_ID = 987_654_321


@dataclass(frozen=True)
class Param:
    """A parameter of a compiled read: the field its value is compared with (which adapts
    it for the database, as the ORM does) and the stand-in used to compile."""

    field: Field[Any, Any]
    stand_in: Any


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, tuple[int, ...]]  # parameter name -> its positions in `params`
    model: type[Model]
    start: int  # the model's own columns: row[start:end]
    end: int
    init_list: tuple[str, ...]
    converters: dict[int, tuple[list[Callable[..., Any]], Any]]
    related: list[Any]  # django's RelatedPopulator, one per select_related model
    annotations: dict[str, int]


class CompiledRead(Generic[_M]):
    """`build(**values)` returns the queryset; `first(**values)` runs its compiled SQL."""

    def __init__(self, build: Callable[..., QuerySet[_M]], **params: Param) -> None:
        self._build = build
        self._params = params
        # Per thread, as Django's connections are: the converters compiled with a
        # connection are that connection's own.
        self._local = threading.local()

    def first(self, using: str = "default", **values: Any) -> _M | None:
        """The first row for `values` (one per parameter), or None."""
        connection = connections[using]
        compiled = self._for(connection)
        params = list(compiled.params)
        for name, field_param in self._params.items():
            adapted = field_param.field.get_db_prep_value(values[name], connection, prepared=False)
            for position in compiled.slots[name]:
                params[position] = adapted
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        return None if row is None else self._instance(compiled, list(row), connection)

    def _for(self, connection: BaseDatabaseWrapper) -> _Compiled:
        mine: dict[tuple[str, str], _Compiled] = self._local.__dict__.setdefault("compiled", {})
        # The SQL depends on the database's kind (quoting, locking clauses), not its name.
        key = (connection.alias, connection.vendor)
        if key not in mine:
            mine[key] = self._compile(connection)
        return mine[key]

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        queryset = self._build(**{name: p.stand_in for name, p in self._params.items()})
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots: dict[str, tuple[int, ...]] = {}
        for name, field_param in self._params.items():
            adapted = field_param.field.get_db_prep_value(field_param.stand_in, connection, prepared=False)
            slots[name] = tuple(i for i, value in enumerate(params) if value == adapted)
            if not slots[name]:
                raise ImproperlyConfigured(f"the compiled read does not carry its parameter {name!r}")
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql, params=tuple(params), slots=slots, model=klass_info["model"], start=start, end=end,
            init_list=tuple(column[0].target.attname for column in select[start:end]),
            converters=compiler.get_converters([column[0] for column in select[:compiler.col_count]]),
            # Django 5.2's signature; the stubs follow a later one (fetch modes).
            related=get_related_populators(klass_info, select, connection.alias),  # type: ignore[call-arg]
            annotations=dict(compiler.annotation_col_map),
        )

    @staticmethod
    def _instance(compiled: _Compiled, row: list[Any], connection: BaseDatabaseWrapper) -> _M:
        # As `ModelIterable`: each value through the converters of its column (this
        # thread's connection), then the model, its related objects and annotations.
        for position, (converters, expression) in compiled.converters.items():
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        instance = compiled.model.from_db(connection.alias, list(compiled.init_list),
                                          row[compiled.start:compiled.end])
        for populator in compiled.related:
            populator.populate(row, instance)
        for name, position in compiled.annotations.items():
            setattr(instance, name, row[position])
        return instance  # type: ignore[return-value]

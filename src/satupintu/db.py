"""Engine, sessions and the tenant guard every query passes through.

Isolation is enforced twice. Here, in the ORM: a session bound to a tenant adds
``tenant_id = :tenant`` to every query of a tenant-owned model and stamps ``tenant_id`` on
every insert; a session bound to no tenant refuses to touch tenant-owned models at all. In
PostgreSQL, row-level security reads ``app.tenant_id``, which this module sets per transaction
(``set_config(..., true)``), so a pooled connection never carries a tenant to its next borrower.

Every transaction that writes a tenant's rows also adds one to ``tenants.revision`` when it commits.
What the web processes cache is keyed by that number, so they all see a change on the next request
without sharing a cache or being told.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import re
import secrets
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    DateTime,
    Enum,
    Text,
    cast,
    ForeignKey,
    ForeignKeyConstraint,
    Table,
    Integer,
    MetaData,
    UniqueConstraint,
    bindparam,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Insert, Update, UpdateBase
from sqlalchemy.sql.elements import BindParameter, ClauseElement, ColumnClause, Label, TextClause
from sqlalchemy.sql.selectable import Alias, Join, Select, TableClause

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TENANT_SETTING = "app.tenant_id"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class TenantOwned:
    """Mixin for every table that belongs to one tenant.

    The primary key is (tenant_id, id) in spirit: ``id`` is unique on its own, and
    ``(tenant_id, id)`` is declared unique too so that child tables can point at it with a
    composite foreign key; a row then cannot reference another tenant's row, even by mistake.

    ``tenant_id`` cascades when the tenant's row is deleted, which only the schema owner can do
    (``satupintu tenants remove``, after exporting); a table whose rows must never go that way
    (the audit log) sets ``__tenant_ondelete__ = "RESTRICT"``.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    __tenant_ondelete__: str = "CASCADE"

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            Integer, ForeignKey("tenants.id", ondelete=cls.__tenant_ondelete__), nullable=False, index=True
        )

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __extra_table_args__: tuple[Any, ...] = ()
    __table_info__: dict[str, Any] = {}

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("tenant_id", "id"), *cls.__extra_table_args__, {"info": dict(cls.__table_info__)})


READABLE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Characters a citizen reads out and types without mistakes: no 0/O, no 1/I/L."""


def readable_code(length: int) -> str:
    """A random code from :data:`READABLE_ALPHABET` (booking codes, tracking numbers, hand-over codes)."""
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(length))


def str_enum(cls: type[enum.StrEnum], length: int) -> Enum:
    """A string enum stored by its values in a plain VARCHAR (no native enum type to migrate)."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def tenant_fk(columns: list[str], target: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A foreign key that includes tenant_id on both sides: ``(tenant_id, x_id) -> x(tenant_id, id)``."""
    return ForeignKeyConstraint(
        ["tenant_id", *columns],
        [f"{target}.tenant_id", f"{target}.id"],
        ondelete=ondelete,
    )


def tenant_owned_tables() -> list[str]:
    """Every table with a tenant_id column: the ones RLS and the isolation tests must cover."""
    return sorted(t.name for t in Base.metadata.sorted_tables if "tenant_id" in t.c)


PLATFORM = "platform"
"""``__table__.info`` key of a table that belongs to no tenant (see :func:`platform_table`)."""

WRITERS = {
    "owner": "the schema owner's database URL: migrations and `satupintu tenants remove`",
    "cli": "an operator's `satupintu` command run with the app role (tenants load, users create, transfer load)",
    "job": "a background job or the periodic scheduler, as the app role",
    "anyone": "any visitor, before or without signing in",
    "platform_admin": "a platform admin's page",
    "tenant_admin": "a regency admin's page, for that regency only",
}
"""Who may write a platform table: the vocabulary of :func:`platform_table`'s ``writers``."""


def platform_table(*, reason: str, writers: tuple[str, ...], **info: Any) -> dict[str, Any]:
    """The ``info`` of a table without tenant_id (and so without row-level security): why it belongs
    to no tenant, and who writes it (keys of :data:`WRITERS`). Every such table must say so."""
    unknown = set(writers) - set(WRITERS)
    if not reason.strip() or not writers or unknown:
        raise ValueError(f"a platform table needs a reason and writers among {sorted(WRITERS)} (got {sorted(unknown)})")
    return {PLATFORM: {"reason": reason, "writers": tuple(writers)}, **info}


def platform_tables(metadata: MetaData | None = None) -> dict[str, dict[str, Any]]:
    """The declared exceptions: table name -> its reason and writers."""
    metadata = metadata if metadata is not None else Base.metadata
    return {t.name: t.info[PLATFORM] for t in metadata.sorted_tables if PLATFORM in t.info}


def undeclared_tables(metadata: MetaData | None = None) -> list[str]:
    """Tables with neither tenant_id nor a platform declaration: each is a mistake to fix."""
    metadata = metadata if metadata is not None else Base.metadata
    return sorted(t.name for t in metadata.sorted_tables if "tenant_id" not in t.c and PLATFORM not in t.info)


ALL_TENANTS = "all_tenants"
"""Execution option that lifts the ORM's tenant filter for one statement: ``{ALL_TENANTS: "why"}``.

It needs a reason (a non-empty string), lifts only this layer (row-level security on PostgreSQL
still applies) and no code path uses it today: grep for it before adding one."""

RAW_SQL = "raw_sql"
"""Execution option that lets one textual statement through the guard: ``{RAW_SQL: "why"}``."""


class TenantGuardError(RuntimeError):
    """The tenant guard refused a statement or a flush (the message says which rule)."""


class TenantNotBound(TenantGuardError):
    """A tenant-owned table was touched by a session that belongs to no tenant."""


class CrossTenantWrite(TenantGuardError):
    """A write would land in, move a row to, or delete a row of another tenant."""


class UnfilteredStatement(TenantGuardError):
    """A statement the guard cannot filter: raw SQL, or a tenant-owned table named without its model."""


TENANTS = "tenants"
"""The regencies' own table: not tenant-owned, but a row may change only in a session bound to it."""

REVISION_FUNCTION = "bump_tenant_revisions"
"""PostgreSQL function (migration 0017, owned by the schema owner) that adds one to ``tenants.revision``
of the regencies given and changes nothing else: the app role's only way to touch another row of
``tenants`` than the bound regency's."""


def _guard_tenants_row(statement: Any, tenant_id: int | None) -> Any:
    """UPDATE of ``tenants`` only of the bound regency's row; DELETE never (the owner's CLI removes one)."""
    if not isinstance(statement, UpdateBase) or isinstance(statement, Insert):
        return statement
    table = _table_of(statement.table)
    if table is None or table.name != TENANTS:
        return statement
    if not isinstance(statement, Update):
        raise TenantGuardError("regencies are removed only by `satupintu tenants remove`, as the schema owner")
    if tenant_id is None:
        raise TenantNotBound("a regency's row changes only in a session bound to that regency")
    return statement.where(table.c.id == tenant_id)


class TenantSession(Session):
    """The sync session behind every AsyncSession of the app; its events carry the guard."""


def session_tenant(session: Session | AsyncSession) -> int | None:
    return session.info.get("tenant_id")


def insert_ignore(session: AsyncSession, model: type, rows: list[dict[str, Any]]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` of ``rows``, in the session's database's dialect."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).values(rows).on_conflict_do_nothing()


_CHANGED = "changed_tenants"
"""``session.info`` key: the tenants whose rows this transaction wrote, whose revision its commit bumps."""


@event.listens_for(TenantSession, "do_orm_execute")
def _note_written_tenant(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.session.info.get("tenant_id") is not None \
            and any(_bumps_revision(m.class_) or m.local_table.name == TENANTS for m in state.all_mappers):
        state.session.info.setdefault(_CHANGED, set()).add(state.session.info["tenant_id"])


_tenant_tables_cache: tuple[int, frozenset[str]] = (0, frozenset())


def _tenant_tables() -> frozenset[str]:
    global _tenant_tables_cache
    size = len(Base.metadata.tables)
    if _tenant_tables_cache[0] != size:
        _tenant_tables_cache = (size, frozenset(tenant_owned_tables()))
    return _tenant_tables_cache[1]


def _table_of(selectable: Any) -> TableClause | None:
    while isinstance(selectable, Alias):
        selectable = selectable.element
    return selectable if isinstance(selectable, TableClause) else None


def _from_tables(selectable: Any) -> Iterator[tuple[str, bool]]:
    if isinstance(selectable, Join):
        yield from _from_tables(selectable.left)
        yield from _from_tables(selectable.right)
    elif (table := _table_of(selectable)) is not None:
        yield table.name, "parententity" in selectable._annotations


def _references(elements: list[Any]) -> Iterator[tuple[str, bool]]:
    """Each tenant-owned table a statement (its ``elements``, from one ``visitors.iterate``) names,
    and whether the tenant filter can reach it.

    What counts: tables and entities selected, explicit FROMs and joins, DML targets, and columns
    (a SELECT's implicit FROM list is derived from these, so it adds nothing). Named through a
    mapped class, ``with_loader_criteria`` filters it. A raw table (``Model.__table__``,
    ``table("x")``, an alias of either) in a FROM position is not reachable. A raw column is
    harmless when its table is in the statement through its model too (the ORM's own primary-key
    and lazy-load clauses look like that); otherwise it brings in an unfiltered FROM.
    """
    tenant_tables = _tenant_tables()
    raw_columns, mapped = set(), set()
    for element in elements:
        if isinstance(element, ColumnClause) and not element.is_literal:
            table = _table_of(element.table)
            if table is not None and table.name in tenant_tables:
                is_mapped = "parententity" in element._annotations
                (mapped if is_mapped else raw_columns).add(table.name)
                if is_mapped:
                    yield table.name, True
            continue
        if isinstance(element, Select):
            named = [*element._raw_columns, *element._from_obj, *(join[0] for join in element._setup_joins)]
        elif isinstance(element, UpdateBase):
            named = [element.table]
        else:
            continue
        for selectable in named:
            for name, is_mapped in _from_tables(selectable):
                if name in tenant_tables:
                    if is_mapped:
                        mapped.add(name)
                    yield name, is_mapped
    for name in raw_columns - mapped:
        yield name, False


def _raw_text(elements: list[Any]) -> Iterator[str]:
    """The SQL text of every ``text()`` and ``literal_column()`` among a statement's ``elements``."""
    for element in elements:
        if isinstance(element, TextClause):
            yield element.text
        elif isinstance(element, ColumnClause) and element.is_literal and element.name != "*":
            yield element.name


def _names_tenant_table(sql: str) -> bool:
    return not set(re.findall(r"[a-z_][a-z0-9_]*", sql.lower())).isdisjoint(_tenant_tables())


def _reason(state: ORMExecuteState, option: str) -> str | None:
    reason = state.execution_options.get(option)
    if reason is None:
        return None
    if not isinstance(reason, str) or not reason.strip():
        raise TenantGuardError(f"the {option!r} execution option needs a reason (a non-empty string)")
    return reason


def _tenant_values(rows: list[dict[Any, Any]]) -> list[Any]:
    """The tenant_id values among a statement's values or parameters."""
    found = []
    for row in rows:
        for key, value in row.items():
            if (key if isinstance(key, str) else getattr(key, "key", None)) != "tenant_id":
                continue
            if isinstance(value, BindParameter):
                value = value.effective_value
            elif isinstance(value, ClauseElement):
                raise UnfilteredStatement("tenant_id must be a plain value, not an SQL expression")
            found.append(value)
    return found


def _statement_rows(state: ORMExecuteState) -> list[dict[Any, Any]]:
    statement = state.statement
    rows: list[dict[Any, Any]] = [dict(statement._values)] if statement._values else []
    params = state.parameters
    rows.extend(params if isinstance(params, list) else [params] if params else [])
    return rows


def _multi_rows(statement: Any) -> list[dict[Any, Any]]:
    rows = []
    for batch in getattr(statement, "_multi_values", ()):
        for row in batch:
            if not isinstance(row, dict):
                raise UnfilteredStatement("write tenant-owned rows with named values, not positional tuples")
            rows.append(row)
    return rows


def _filtered(statement: Any, tenant_id: int) -> Any:
    """``statement`` with ``tenant_id = :tenant`` on every tenant-owned model it names (subqueries,
    CTEs, joins and aliases too)."""
    return statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


def _insert_select_problems(statement: Insert) -> tuple[str, ...]:
    """Why an INSERT ... SELECT cannot be filtered: a table it reads that is not tenant-owned, or a
    tenant-owned one its SELECT names without the model (the INSERT's target, named through its model,
    does not excuse raw columns of it in the SELECT). Empty when it can."""
    elements = list(visitors.iterate(statement))
    named = {table.name for element in elements
             if (table := _table_of(element.table if isinstance(element, ColumnClause) else element)) is not None}
    others = sorted(named - _tenant_tables())
    if others:
        return (f"INSERT ... SELECT into a tenant-owned table reads only tenant-owned tables "
                f"(not {', '.join(others)})",)
    raw = sorted({name for name, mapped in _references(list(visitors.iterate(statement.select))) if not mapped})
    if raw:
        return (f"{', '.join(raw)}: INSERT ... SELECT reads tenant-owned tables through their models",)
    return ()


def _guard_insert_select(state: ORMExecuteState, tenant_id: int, problems: tuple[str, ...]) -> None:
    """INSERT ... SELECT (the queue numbers and inserts a ticket in one statement, see
    ``queue.service``): allowed only when every table it names is tenant-owned, each through its model,
    and the rows' ``tenant_id`` is the bound tenant as a plain value (given in the statement or with
    the parameters); then every table in it, the SELECT's and its CTEs' (an ``UPDATE ... RETURNING``
    too), is filtered to the bound tenant like any SELECT. Row-level security still applies on PostgreSQL."""
    statement = state.statement
    if problems:
        raise UnfilteredStatement(problems[0])
    names = [getattr(name, "key", name) for name in statement._select_names]
    if "tenant_id" not in names:
        raise UnfilteredStatement("INSERT ... SELECT into a tenant-owned table names tenant_id")
    value = statement.select.selected_columns[names.index("tenant_id")]
    while isinstance(value, Label):
        value = value.element
    if not isinstance(value, BindParameter):
        raise UnfilteredStatement("tenant_id must be a plain value, not an SQL expression")
    params = state.parameters if isinstance(state.parameters, dict) else {}
    if params.get(value.key, value.effective_value) != tenant_id:
        raise CrossTenantWrite(f"refusing to insert rows of another tenant from tenant {tenant_id}")
    state.statement = _filtered(statement, tenant_id)


@dataclass(frozen=True)
class _Shape:
    """What the guard reads of a statement's structure, not of its values: the SQL text in it, the
    tenant-owned tables it names (and whether through their models), and for INSERT ... SELECT why it
    cannot be filtered. SQLAlchemy never changes a statement once built (its methods return copies),
    so a shape is read once per statement object: a statement built once and run with parameters
    is walked once per process."""

    tables: int  # how many tables the metadata had (tests may declare more)
    raw_sql: tuple[str, ...]
    references: tuple[tuple[str, bool], ...]
    insert_select_problems: tuple[str, ...]
    nested_writes: tuple[UpdateBase, ...]  # INSERT/UPDATE/DELETE inside it: a CTE, from_statement()
    reads: bool  # it holds a SELECT (a subquery in VALUES, SET, WHERE or RETURNING, a CTE)


_shapes: weakref.WeakKeyDictionary[Any, _Shape] = weakref.WeakKeyDictionary()


def _shape(statement: Any) -> _Shape:
    tables = len(Base.metadata.tables)
    shape = _shapes.get(statement)
    if shape is not None and shape.tables == tables:
        return shape
    elements = list(visitors.iterate(statement))  # one walk of the statement serves every check
    shape = _Shape(tables, tuple(_raw_text(elements)), tuple(_references(elements)),
                   _insert_select_problems(statement) if isinstance(statement, Insert) and statement.select is not None
                   else (),
                   tuple(e for e in elements if isinstance(e, UpdateBase) and e is not statement),
                   any(isinstance(e, Select) for e in elements))
    _shapes[statement] = shape
    return shape


def _refuse_upsert(statement: Insert) -> None:
    if getattr(getattr(statement, "_post_values_clause", None), "update_values_to_set", None):
        raise UnfilteredStatement("ON CONFLICT DO UPDATE could change another tenant's conflicting row; "
                                  "use DO NOTHING, then select and update")


def _guard_insert(state: ORMExecuteState, tenant_id: int, shape: _Shape) -> None:
    statement = state.statement
    if statement.select is not None:
        _guard_insert_select(state, tenant_id, shape.insert_select_problems)
        return
    _refuse_upsert(statement)
    multi = _multi_rows(statement)
    given = _tenant_values([*_statement_rows(state), *multi])
    if any(value != tenant_id for value in given):
        raise CrossTenantWrite(f"refusing to insert rows of another tenant from tenant {tenant_id}")
    if multi:
        if len(_tenant_values(multi)) != len(multi):
            raise UnfilteredStatement("a multi-row INSERT of tenant-owned rows names tenant_id on every row")
    elif not given:
        params = state.parameters
        if isinstance(params, list) and params:
            state.parameters = [{**row, "tenant_id": tenant_id} for row in params]
        else:
            state.statement = statement.values(tenant_id=tenant_id)
    if shape.reads or shape.nested_writes:
        state.statement = _filtered(state.statement, tenant_id)


def _guard_nested_writes(state: ORMExecuteState, tenant_id: int, shape: _Shape) -> None:
    """An INSERT, UPDATE or DELETE inside another statement (``select(Model).from_statement(...)``, a
    CTE) is not stamped by the guard: an INSERT there names ``tenant_id``, the bound tenant as a plain
    value, on every row; neither it nor an UPDATE there writes another tenant's id, even through a
    parameter named ``tenant_id``. Their WHERE, VALUES and RETURNING are filtered with the statement
    around them."""
    params = state.parameters if isinstance(state.parameters, dict) else {}
    for write in shape.nested_writes:
        table = _table_of(write.table)
        if table is None or table.name not in _tenant_tables():
            continue
        rows = _multi_rows(write) or ([dict(write._values)] if getattr(write, "_values", None) else [])
        given = _tenant_values(rows)
        if isinstance(write, Insert):
            if write.select is not None:
                raise UnfilteredStatement("INSERT ... SELECT of tenant-owned rows runs on its own, not inside "
                                          "another statement")
            _refuse_upsert(write)
            if not rows or len(given) != len(rows):
                raise UnfilteredStatement("an INSERT inside another statement names tenant_id on every row")
        if any(value != tenant_id for value in [*given, *_tenant_values([params])]):
            raise CrossTenantWrite(f"refusing to write rows of another tenant from tenant {tenant_id}")


@event.listens_for(TenantSession, "do_orm_execute")
def _guard_statement(state: ORMExecuteState) -> None:
    """Filter, stamp or refuse every statement that runs through a session.

    - textual SQL (``text()``, ``literal_column()``) is refused in a tenant-bound session, and
      anywhere when it names a tenant-owned table, unless marked with ``RAW_SQL`` and a reason;
    - a tenant-owned table named without its model (``Model.__table__``, ``table("x")``) is refused;
    - with no tenant bound, a statement touching a tenant-owned model raises ``TenantNotBound``;
    - bound to a tenant, SELECT, UPDATE and DELETE get ``tenant_id = :tenant`` through
      ``with_loader_criteria`` (subqueries, joins and aliases too), INSERT is stamped, and writing
      another tenant's id (INSERT, or UPDATE ... SET tenant_id) raises ``CrossTenantWrite``;
    - subqueries anywhere in a write (VALUES, SET, WHERE, RETURNING, CTEs) are filtered too, and an
      INSERT, UPDATE or DELETE inside another statement (``from_statement()``, a CTE) is checked by
      :func:`_guard_nested_writes`.
    """
    tenant_id = state.session.info.get("tenant_id")
    statement = state.statement = _guard_tenants_row(state.statement, tenant_id)
    shape = _shape(statement)
    if any(not isinstance(write, Insert) and getattr(_table_of(write.table), "name", None) == TENANTS
           for write in shape.nested_writes):
        raise TenantGuardError("a regency's row changes only through update(Tenant) on its own, not inside "
                               "another statement")
    if _reason(state, RAW_SQL) is None:
        for sql in shape.raw_sql:
            if tenant_id is not None or _names_tenant_table(sql):
                raise UnfilteredStatement(
                    "raw SQL in a tenant-bound session, or naming a tenant-owned table, is refused; "
                    f"use the models, or mark the statement with execution_options({RAW_SQL}='why')"
                )
    references = shape.references
    if not references:
        return
    raw = sorted({name for name, mapped in references if not mapped})
    if raw:
        raise UnfilteredStatement(
            f"{', '.join(raw)}: name tenant-owned tables through their models (select(Model), insert(Model)) "
            "so that the tenant filter applies"
        )
    if _reason(state, ALL_TENANTS) is not None:
        return
    if tenant_id is None:
        raise TenantNotBound("this session is bound to no tenant; use tenant_session() or bind_tenant()")
    if shape.nested_writes:
        _guard_nested_writes(state, tenant_id, shape)
    if isinstance(statement, Insert):
        _guard_insert(state, tenant_id, shape)
        return
    if isinstance(statement, Update) and any(v != tenant_id for v in _tenant_values(_statement_rows(state))):
        raise CrossTenantWrite("rows never move between tenants (UPDATE ... SET tenant_id)")
    state.statement = _filtered(statement, tenant_id)


@event.listens_for(TenantSession, "before_flush")
def _guard_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    """Stamp new rows; refuse to add, change or delete another tenant's rows, or to move a row; change
    a regency's own row only while bound to it, and never delete one."""
    tenant_id = session.info.get("tenant_id")
    for obj in session.deleted:
        if getattr(obj, "__tablename__", None) == TENANTS:
            raise TenantGuardError("regencies are removed only by `satupintu tenants remove`, as the schema owner")
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None) == TENANTS and session.is_modified(obj):
            if tenant_id is None:
                raise TenantNotBound("a regency's row changes only in a session bound to that regency")
            if obj.id != tenant_id:
                raise CrossTenantWrite(f"refusing to change regency {obj.id}'s row from tenant {tenant_id}")
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if not isinstance(obj, TenantOwned):
            continue
        if tenant_id is None:
            raise TenantNotBound("cannot write tenant-owned rows without a bound tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"refusing to write or delete a row of tenant {obj.tenant_id} from tenant {tenant_id}")
        elif any(old is not None for old in inspect(obj).attrs.tenant_id.history.deleted):
            raise CrossTenantWrite("rows never move between tenants")


@functools.cache
def _set_null_references(table: str) -> tuple[tuple[Table, str], ...]:
    """(child table, column) of every composite ``tenant_fk(..., ondelete="SET NULL")`` pointing at
    ``table``: the database's SET NULL would null the child's ``tenant_id`` too (NOT NULL), so the row
    is detached by :func:`_detach_before_delete` first."""
    found = []
    for child in Base.metadata.tables.values():
        for fk in child.foreign_key_constraints:
            if (fk.ondelete or "").upper() == "SET NULL" and fk.referred_table.name == table:
                found.extend((child, name) for name in fk.column_keys if name != "tenant_id")
    return tuple(found)


@event.listens_for(TenantOwned, "before_delete", propagate=True)
def _detach_before_delete(_mapper: Any, connection: Connection, target: Any) -> None:
    """Before a tenant's row is deleted, null the references to it that say SET NULL (only the id
    column; the referencing rows keep their tenant), in the same transaction."""
    for child, name in _set_null_references(target.__tablename__):
        column = child.c[name]
        connection.execute(update(child).where(child.c.tenant_id == target.tenant_id, column == target.id)
                           .values({name: None}))


def _bumps_revision(cls: type) -> bool:
    """Whether writing this model can change what citizens' cached pages show. Tables of operational
    state that those pages never show (queue tickets, the audit log) say ``bumps_revision: False`` in
    ``__table_info__``, so a busy day of tickets does not empty the regency's cached pages."""
    return issubclass(cls, TenantOwned) and cls.__table__.info.get("bumps_revision", True)


@event.listens_for(TenantSession, "after_flush")
def _note_changed_tenants(session: Session, _ctx: Any) -> None:
    changed = session.info.setdefault(_CHANGED, set())
    for obj in (*session.new, *session.deleted, *session.dirty):
        if _bumps_revision(type(obj)):
            changed.add(obj.tenant_id)
        elif getattr(obj, "__tablename__", None) == "tenants" and obj.id is not None:
            changed.add(obj.id)
    changed.discard(None)


@event.listens_for(TenantSession, "before_commit")
def _bump_revisions(session: Session) -> None:
    session.flush()
    changed = session.info.pop(_CHANGED, None)
    if not changed:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Row-level security lets the app role update only the bound regency's row; a unit of work
        # may have written another's (it bound one after the other), so the named function does it.
        connection.execute(select(getattr(func, REVISION_FUNCTION)(
            bindparam("ids", sorted(changed), type_=ARRAY(Integer)))))
        return
    tenants = Base.metadata.tables[TENANTS]
    connection.execute(update(tenants).where(tenants.c.id.in_(sorted(changed))).values(revision=tenants.c.revision + 1))


@event.listens_for(TenantSession, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def _set_pg_tenant(connection: Connection, tenant_id: int | None) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("select set_config(:name, :value, true)"),
            {"name": TENANT_SETTING, "value": "" if tenant_id is None else str(tenant_id)},
        )


@event.listens_for(TenantSession, "after_begin")
def _begin_in_tenant(session: Session, _tx: Any, connection: Connection) -> None:
    # A transaction starts with no tenant: the setting is only ever set transaction-locally.
    if session.info.get("tenant_id") is not None:
        _set_pg_tenant(connection, session.info["tenant_id"])


def tenant_setting(tenant_id: Any) -> Any:
    """``set_config('app.tenant_id', <id>, true)`` as a column expression, for a query that finds the
    tenant and binds the transaction to it in one statement (PostgreSQL only)."""
    return func.set_config(TENANT_SETTING, cast(tenant_id, Text), True)


async def bind_tenant(session: AsyncSession, tenant_id: int | None, *, in_database: bool = False) -> None:
    """Bind a session to a tenant, also inside a transaction that has already begun.

    ``in_database``: the statement that found the tenant already set ``app.tenant_id`` (see
    :func:`tenant_setting`), so only the ORM filter is left to bind.
    """
    session.info["tenant_id"] = tenant_id
    if not in_database and session.in_transaction() and session.bind is not None:
        connection = await session.connection()
        if connection.dialect.name == "postgresql":
            await session.execute(
                select(func.set_config(TENANT_SETTING, "" if tenant_id is None else str(tenant_id), True))
            )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # One writer at a time: a writer waits for the lock rather than failing. Thirty seconds, so that a
    # burst (many kiosks taking queue numbers at once on a busy machine) waits instead of erroring.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(_through_pooler(url, kwargs), **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_rested_connections(engine)
    return engine


PING_AFTER_REST = 5.0
"""Seconds a pooled connection may rest unused before its next borrower checks it with a round trip."""

_CHECKED_IN = "satupintu.checked_in"


def _ping_rested_connections(engine: AsyncEngine) -> None:
    """Survive a database restart without a round trip on every checkout.

    A connection that rested in the pool for ``PING_AFTER_REST`` seconds or more is pinged when it is
    borrowed, and replaced if the server dropped it (a restart while the web process was idle then
    costs no request an error). A connection in use a moment ago is not: if the server went away in
    between, the request's query fails like any request that was under way at that moment (503,
    ``web.server_error``), and SQLAlchemy discards every connection of the pool older than that failure,
    so the next requests connect afresh. SQLAlchemy's ``pool_pre_ping`` pinged on every checkout:
    three round trips (BEGIN, a ping, ROLLBACK) before each request's first statement.
    """
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _note_rest(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_REST:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError("a rested connection was dropped by the server") from exc
            raise


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def _through_pooler(url: str, kwargs: dict[str, Any]) -> URL:
    """``?pooler=pgbouncer`` on a PostgreSQL URL: the server behind is PgBouncer in transaction mode.

    A transaction may then run on a different server connection than the previous one, so no
    prepared statement may outlive its transaction: asyncpg's and SQLAlchemy's statement caches
    are off and every statement gets a unique name. The tenant setting needs nothing more, because
    it is transaction-local already (``set_config(..., true)``). Outside a transaction asyncpg's
    prepare and execute may even reach two different server connections, so the engine carries the
    execution option ``pooler``, and code that reads in autocommit mode (``tenancy.TenantDirectory``)
    reads in a transaction instead.
    """
    parsed = make_url(url)
    if parsed.query.get("pooler") is None:
        return parsed
    if parsed.query["pooler"] != "pgbouncer":
        raise ValueError(f"unknown pooler {parsed.query['pooler']!r} in the database URL (pgbouncer is known)")
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("statement_cache_size", 0)
    connect_args.setdefault("prepared_statement_name_func", _unique_statement_name)
    kwargs.setdefault("execution_options", {})["pooler"] = parsed.query["pooler"]
    return parsed.difference_update_query(["pooler"]).update_query_dict({"prepared_statement_cache_size": "0"})


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=TenantSession)


@contextlib.asynccontextmanager
async def tenant_session(
    maker: async_sessionmaker[AsyncSession], tenant_id: int | None
) -> AsyncIterator[AsyncSession]:
    """A unit of work in one tenant (or in none, for platform tables): commits or rolls back."""
    async with maker() as session:
        session.info["tenant_id"] = tenant_id
        async with session.begin():
            yield session

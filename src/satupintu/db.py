"""Engine, sessions and the tenant guard every query passes through.

Isolation is enforced twice. Here, in the ORM: a session bound to a tenant adds
``tenant_id = :tenant`` to every query of a tenant-owned model and stamps ``tenant_id`` on
every insert; a session bound to no tenant refuses to touch tenant-owned models at all. In
PostgreSQL, row-level security reads ``app.tenant_id``, which this module sets per transaction
(``set_config(..., true)``), so a pooled connection never carries a tenant to its next borrower.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    event,
    select,
    func,
    text,
    UniqueConstraint,
)
from sqlalchemy.engine import URL, Connection, make_url
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
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
        )

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __extra_table_args__: tuple[Any, ...] = ()
    __table_info__: dict[str, Any] = {}

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("tenant_id", "id"), *cls.__extra_table_args__, {"info": dict(cls.__table_info__)})


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


class TenantNotBound(RuntimeError):
    """A tenant-owned model was queried by a session that belongs to no tenant."""


class TenantSession(Session):
    """The sync session behind every AsyncSession of the app; its events carry the guard."""


def session_tenant(session: Session | AsyncSession) -> int | None:
    return session.info.get("tenant_id")


@event.listens_for(TenantSession, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("all_tenants"):
        return
    tenant_id = state.session.info.get("tenant_id")
    mappers = state.all_mappers
    if tenant_id is None:
        if any(issubclass(m.class_, TenantOwned) for m in mappers):
            raise TenantNotBound(
                "this session is bound to no tenant; use tenant_session() or bind_tenant()"
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant(session: Session, _ctx: Any, _instances: Any) -> None:
    tenant_id = session.info.get("tenant_id")
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if tenant_id is None:
            raise TenantNotBound("cannot write tenant-owned rows without a bound tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantNotBound(
                f"refusing to write a row of tenant {obj.tenant_id} from tenant {tenant_id}"
            )


def _set_pg_tenant(connection: Connection, tenant_id: int | None) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("select set_config(:name, :value, true)"),
            {"name": TENANT_SETTING, "value": "" if tenant_id is None else str(tenant_id)},
        )


@event.listens_for(TenantSession, "after_begin")
def _begin_in_tenant(session: Session, _tx: Any, connection: Connection) -> None:
    _set_pg_tenant(connection, session.info.get("tenant_id"))


async def bind_tenant(session: AsyncSession, tenant_id: int | None) -> None:
    """Bind a session to a tenant, also inside a transaction that has already begun."""
    session.info["tenant_id"] = tenant_id
    if session.in_transaction() and session.bind is not None:
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
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(_through_pooler(url, kwargs), **kwargs)


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def _through_pooler(url: str, kwargs: dict[str, Any]) -> URL:
    """``?pooler=pgbouncer`` on a PostgreSQL URL: the server behind is PgBouncer in transaction mode.

    A transaction may then run on a different server connection than the previous one, so no
    prepared statement may outlive its transaction: asyncpg's and SQLAlchemy's statement caches
    are off and every statement gets a unique name. The tenant setting needs nothing more, because
    it is transaction-local already (``set_config(..., true)``).
    """
    parsed = make_url(url)
    if parsed.query.get("pooler") is None:
        return parsed
    if parsed.query["pooler"] != "pgbouncer":
        raise ValueError(f"unknown pooler {parsed.query['pooler']!r} in the database URL (pgbouncer is known)")
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("statement_cache_size", 0)
    connect_args.setdefault("prepared_statement_name_func", _unique_statement_name)
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

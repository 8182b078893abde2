"""The application's half of isolation: the session filters, stamps and refuses, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import column, delete, exists, func, insert, literal_column, select, table, text, update
from sqlalchemy.exc import IntegrityError

from satupintu.agencies.models import Agency, Holiday, Location
from satupintu.db import (ALL_TENANTS, RAW_SQL, Base, CrossTenantWrite, TenantGuardError, TenantNotBound, TenantOwned,
                          UnfilteredStatement, make_engine, make_sessionmaker, tenant_session, utcnow)
from satupintu.tenants.models import Tenant
from tests.conftest import run

MODELS = sorted((m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)),
                key=lambda model: model.__tablename__)


async def _ids(url: str) -> dict[str, int]:
    engine = make_engine(url)
    async with tenant_session(make_sessionmaker(engine), None) as session:
        result = dict((await session.execute(select(Tenant.slug, Tenant.id))).all())
    await engine.dispose()
    return result


async def _in_tenant(url: str, tenant_id: int | None, work):
    engine = make_engine(url)
    try:
        async with tenant_session(make_sessionmaker(engine), tenant_id) as session:
            return await work(session)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_queries_are_filtered_to_the_bound_tenant(database, model):
    ids = run(_ids(database.url))

    async def work(session):
        return (await session.scalars(select(model))).all()

    for slug in ("banyuwangi", "labuhanbatu"):
        rows = run(_in_tenant(database.url, ids[slug], work))
        assert rows, f"{model.__tablename__} has no rows for {slug}"
        assert {r.tenant_id for r in rows} == {ids[slug]}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_unbound_session_refuses_tenant_owned_models(database, model):
    async def work(session):
        return (await session.scalars(select(model))).all()

    with pytest.raises(TenantNotBound):
        run(_in_tenant(database.url, None, work))


def test_insert_is_stamped_and_foreign_tenant_rows_refused(database):
    ids = run(_ids(database.url))
    a, b = ids["banyuwangi"], ids["purbalingga"]

    async def add(session):
        agency = Agency(key="uji-coba", name="Instansi Uji", kind="opd")
        session.add(agency)
        await session.flush()
        return agency.tenant_id

    assert run(_in_tenant(database.url, a, add)) == a

    async def add_foreign(session):
        session.add(Agency(key="penyusup", name="Bukan milik A", kind="opd", tenant_id=b))
        await session.flush()

    with pytest.raises(CrossTenantWrite):
        run(_in_tenant(database.url, a, add_foreign))


def test_identity_map_cannot_leak_another_tenants_row(database):
    """Updating a row loaded under tenant A from a session rebound to B is refused."""
    ids = run(_ids(database.url))

    async def work(session):
        location = (await session.scalars(select(Location))).first()
        session.info["tenant_id"] = ids["bangkalan"]
        location.name = "diubah dari tenant lain"
        await session.flush()

    with pytest.raises(CrossTenantWrite):
        run(_in_tenant(database.url, ids["banyuwangi"], work))


def test_composite_foreign_keys_stop_cross_tenant_references(database):
    """Even raw SQL that skips the ORM cannot point a counter at another tenant's agency."""
    ids = run(_ids(database.url))
    a, b = ids["banyuwangi"], ids["bangkalan"]

    location_a = run(_in_tenant(database.url, a, run_first(Location)))
    agency_b = run(_in_tenant(database.url, b, run_first(Agency)))

    async def raw_insert(session):
        await session.execute(
            text("INSERT INTO counters (tenant_id, code, name, location_id, agency_id, created_at, updated_at) "
                 "VALUES (:t, 'X9', 'Loket silang', :loc, :ag, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
            .execution_options(**{RAW_SQL: "test: the database's own check, past the ORM guard"}),
            {"t": a, "loc": location_a, "ag": agency_b},
        )

    with pytest.raises(IntegrityError):
        run(_in_tenant(database.url, a, raw_insert))


def run_first(model):
    async def work(session):
        return (await session.scalars(select(model))).first().id
    return work


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_one_engine_serving_tenants_in_turn_never_reuses_a_cached_filter(database, model):
    """Regression: a tenant filter compiled for one tenant must not be replayed for the next one."""
    ids = run(_ids(database.url))

    async def work():
        engine = make_engine(database.url)
        maker = make_sessionmaker(engine)
        seen = {}
        try:
            for slug in ("banyuwangi", "purbalingga", "bangkalan", "labuhanbatu", "banyuwangi"):
                async with tenant_session(maker, ids[slug]) as session:
                    seen.setdefault(slug, set()).update(r.tenant_id for r in (await session.scalars(select(model))).all())
        finally:
            await engine.dispose()
        return seen

    for slug, tenant_ids in run(work()).items():
        assert tenant_ids == {ids[slug]}, f"{model.__tablename__}: {slug} saw rows of tenants {tenant_ids}"


# The guard's holes found by the outside review (issue 9, item 2): each is filtered, stamped or refused.

def _foreign_pair(database):
    ids = run(_ids(database.url))
    return ids["banyuwangi"], ids["bangkalan"]


def _counts_per_tenant(database) -> dict[int, int]:
    ids = run(_ids(database.url))

    async def count(session):
        return await session.scalar(select(func.count()).select_from(Agency))

    return {tenant: run(_in_tenant(database.url, tenant, count)) for tenant in ids.values()}


def test_counting_through_the_model_counts_only_the_bound_tenant(database):
    a, _b = _foreign_pair(database)
    counts = _counts_per_tenant(database)
    assert len(set(counts.values())) > 1 or len(counts) == 1, "the demo tenants should differ in agencies"

    async def count(session):
        return await session.scalar(select(func.count()).select_from(Agency))

    assert run(_in_tenant(database.url, a, count)) == counts[a]


@pytest.mark.parametrize("statement", [
    select(func.count()).select_from(Agency.__table__),
    select(Agency.__table__.c.name),
    select(Location).join(Agency.__table__, Agency.__table__.c.id == Location.id),
    select(Tenant.name).where(exists().where(Agency.__table__.c.tenant_id == Tenant.id)),
    select(Agency.__table__.alias("a").c.id),
    select(table("agencies", column("id"))),
    update(Agency.__table__).values(name="diubah"),
    delete(Agency.__table__),
    insert(Agency.__table__).values(key="mentah", name="Tabel mentah", kind="opd", short=""),
], ids=["count-table", "table-column", "join-table", "exists-table", "alias", "lightweight-table", "update-table",
        "delete-table", "insert-table"])
def test_tenant_owned_tables_named_without_their_model_are_refused(database, statement):
    a, _b = _foreign_pair(database)

    async def work(session):
        await session.execute(statement)

    with pytest.raises(UnfilteredStatement):
        run(_in_tenant(database.url, a, work))


@pytest.mark.parametrize("statement", [
    text("SELECT count(*) FROM agencies"),
    text("SELECT 1"),
    select(literal_column("(SELECT count(*) FROM agencies)")),
    select(Tenant.id).where(text("1 = 1")),
], ids=["text-tenant-table", "text-anything", "literal-column", "text-fragment"])
def test_raw_sql_in_a_tenant_bound_session_is_refused(database, statement):
    a, _b = _foreign_pair(database)

    async def work(session):
        await session.execute(statement)

    with pytest.raises(UnfilteredStatement):
        run(_in_tenant(database.url, a, work))


def test_raw_sql_naming_a_tenant_table_is_refused_without_a_tenant_too(database):
    async def work(session):
        return (await session.execute(text("SELECT count(*) FROM staff_accounts"))).scalar()

    with pytest.raises(UnfilteredStatement):
        run(_in_tenant(database.url, None, work))

    async def platform(session):
        return (await session.execute(text("SELECT count(*) FROM tenants"))).scalar()

    assert run(_in_tenant(database.url, None, platform)) == len(run(_ids(database.url)))


def test_raw_sql_passes_only_when_marked_with_a_reason(database):
    a, _b = _foreign_pair(database)

    async def marked(session):
        statement = text("SELECT 1").execution_options(**{RAW_SQL: "test: a statement the guard cannot read"})
        return (await session.execute(statement)).scalar()

    assert run(_in_tenant(database.url, a, marked)) == 1

    async def blank(session):
        await session.execute(text("SELECT 1").execution_options(**{RAW_SQL: True}))

    with pytest.raises(TenantGuardError, match="reason"):
        run(_in_tenant(database.url, a, blank))


def test_counting_in_a_subquery_is_filtered_too(database):
    a, _b = _foreign_pair(database)
    counts = _counts_per_tenant(database)

    async def work(session):
        inner = select(func.count(Agency.id)).scalar_subquery()
        return await session.scalar(select(inner))

    assert run(_in_tenant(database.url, a, work)) == counts[a]


def test_core_insert_into_another_tenant_is_refused_and_own_insert_is_stamped(database):
    a, b = _foreign_pair(database)
    before = _counts_per_tenant(database)

    async def foreign(session):
        await session.execute(insert(Agency).values(key="penyusup", name="Bukan milik A", kind="opd", tenant_id=b))

    with pytest.raises(CrossTenantWrite):
        run(_in_tenant(database.url, a, foreign))

    async def foreign_many(session):
        await session.execute(insert(Agency), [{"key": "k1", "name": "Satu", "kind": "opd", "short": ""},
                                               {"key": "k2", "name": "Dua", "kind": "opd", "short": "", "tenant_id": b}])

    with pytest.raises(CrossTenantWrite):
        run(_in_tenant(database.url, a, foreign_many))
    assert _counts_per_tenant(database) == before

    async def own(session):
        await session.execute(insert(Agency).values(key="milik-a", name="Milik A", kind="opd"))
        await session.execute(insert(Agency), [{"key": "a1", "name": "A satu", "kind": "opd"},
                                               {"key": "a2", "name": "A dua", "kind": "opd"}])

    run(_in_tenant(database.url, a, own))
    after = _counts_per_tenant(database)
    assert after[a] == before[a] + 3
    assert {t: n for t, n in after.items() if t != a} == {t: n for t, n in before.items() if t != a}


def test_core_update_and_delete_touch_only_the_bound_tenant(database):
    a, b = _foreign_pair(database)
    before = _counts_per_tenant(database)

    async def move(session):
        await session.execute(update(Agency).values(tenant_id=b))

    with pytest.raises(CrossTenantWrite):
        run(_in_tenant(database.url, a, move))

    async def rename_and_delete(session):
        await session.execute(update(Holiday).values(name="diubah oleh A"))
        await session.execute(delete(Holiday))

    async def holiday_names(session):
        return {h.name for h in (await session.scalars(select(Holiday))).all()}

    b_holidays = run(_in_tenant(database.url, b, holiday_names))
    run(_in_tenant(database.url, a, rename_and_delete))
    assert run(_in_tenant(database.url, a, holiday_names)) == set()
    assert run(_in_tenant(database.url, b, holiday_names)) == b_holidays != set()
    assert _counts_per_tenant(database) == before


def test_a_row_loaded_under_one_tenant_cannot_be_deleted_after_rebinding(database):
    a, b = _foreign_pair(database)

    async def work(session):
        holiday = (await session.scalars(select(Holiday))).first()
        session.info["tenant_id"] = b
        await session.delete(holiday)
        await session.flush()

    with pytest.raises(CrossTenantWrite):
        run(_in_tenant(database.url, a, work))

    async def unbound(session):
        holiday = (await session.scalars(select(Holiday))).first()
        session.info["tenant_id"] = None
        await session.delete(holiday)
        await session.flush()

    with pytest.raises(TenantNotBound):
        run(_in_tenant(database.url, a, unbound))


def test_a_row_cannot_be_moved_to_the_tenant_the_session_was_rebound_to(database):
    a, b = _foreign_pair(database)

    async def work(session):
        holiday = (await session.scalars(select(Holiday))).first()
        session.info["tenant_id"] = b
        holiday.tenant_id = b
        await session.flush()

    with pytest.raises(CrossTenantWrite):
        run(_in_tenant(database.url, a, work))


def test_unbound_session_refuses_a_count_through_the_model(database):
    async def work(session):
        return await session.scalar(select(func.count()).select_from(Agency))

    with pytest.raises(TenantNotBound):
        run(_in_tenant(database.url, None, work))


def test_all_tenants_needs_a_reason_and_lifts_only_the_orm_filter(database):
    """The escape hatch: no code path uses it (grep ALL_TENANTS); on PostgreSQL RLS still holds."""
    a, _b = _foreign_pair(database)
    counts = _counts_per_tenant(database)

    async def everything(session):
        statement = select(func.count()).select_from(Agency).execution_options(**{ALL_TENANTS: "test: the hatch"})
        return await session.scalar(statement)

    expected = counts[a] if database.backend == "postgresql" else sum(counts.values())
    assert run(_in_tenant(database.url, a, everything)) == expected

    async def no_reason(session):
        await session.scalar(select(func.count()).select_from(Agency).execution_options(**{ALL_TENANTS: True}))

    with pytest.raises(TenantGuardError, match="reason"):
        run(_in_tenant(database.url, a, no_reason))


def test_multi_row_and_upsert_inserts_are_checked(database):
    from sqlalchemy.dialects import postgresql, sqlite

    a, b = _foreign_pair(database)
    dialect = postgresql if database.backend == "postgresql" else sqlite
    row = {"key": "banyak", "name": "Banyak", "kind": "opd", "short": ""}

    def attempt(statement):
        async def work(session):
            await session.execute(statement)
        run(_in_tenant(database.url, a, work))

    with pytest.raises(CrossTenantWrite):
        attempt(dialect.insert(Agency).values([{**row, "tenant_id": a}, {**row, "key": "lain", "tenant_id": b}]))
    with pytest.raises(UnfilteredStatement):
        attempt(dialect.insert(Agency).values([{**row, "tenant_id": a}, {**row, "key": "lain"}]))
    with pytest.raises(UnfilteredStatement):
        attempt(dialect.insert(Agency).values({**row, "id": 1, "tenant_id": a})
                .on_conflict_do_update(index_elements=["id"], set_={"name": "direbut"}))
    before = _counts_per_tenant(database)
    attempt(dialect.insert(Agency).values([{**row, "tenant_id": a}]).on_conflict_do_nothing())
    assert _counts_per_tenant(database)[a] == before[a] + 1


def _copy_agencies(tenant, source=None, **columns):
    """INSERT INTO agencies ... SELECT: a copy of each agency ``source`` returns (default: the agencies)."""
    from sqlalchemy import literal

    from satupintu.db import utcnow

    source = source if source is not None else select(Agency.key, Agency.name, Agency.kind, Agency.short).subquery()
    values = {"tenant_id": literal(tenant), "key": source.c.key + "-salinan", "name": source.c.name,
              "kind": source.c.kind, "short": source.c.short, "created_at": literal(utcnow()),
              "updated_at": literal(utcnow()), **columns}
    return insert(Agency).from_select(list(values), select(*(v.label(k) for k, v in values.items())))


def test_insert_select_is_filtered_to_the_bound_tenant_in_its_select_and_its_ctes(database):
    """The INSERT ... SELECT the guard lets through (the queue numbers a ticket with one): every table it
    reads, a CTE's UPDATE ... RETURNING included (PostgreSQL; SQLite has none), is filtered to the bound
    tenant."""
    a, b = _foreign_pair(database)
    ctes = database.backend == "postgresql"
    before = _counts_per_tenant(database)

    async def shorts(session):
        return sorted((await session.scalars(select(Agency.short))).all())

    b_shorts = run(_in_tenant(database.url, b, shorts))

    async def copy(session):
        await session.execute(_copy_agencies(a))
        if not ctes:
            return
        marked = update(Agency).where(Agency.key.not_like("%-salinan")).values(short="disalin") \
            .returning(Agency.key, Agency.name, Agency.kind, Agency.short).cte("marked")
        await session.execute(_copy_agencies(a, marked, key=marked.c.key + "-kedua"))

    run(_in_tenant(database.url, a, copy))
    after = _counts_per_tenant(database)
    assert after[a] == (3 if ctes else 2) * before[a]
    assert {t: n for t, n in after.items() if t != a} == {t: n for t, n in before.items() if t != a}
    assert run(_in_tenant(database.url, b, shorts)) == b_shorts
    assert run(_in_tenant(database.url, a, shorts)).count("disalin") == (2 * before[a] if ctes else 0)


def test_insert_select_of_another_tenant_or_reading_what_the_filter_cannot_reach_is_refused(database):
    a, b = _foreign_pair(database)
    before = _counts_per_tenant(database)

    def attempt(statement):
        async def work(session):
            await session.execute(statement)
        run(_in_tenant(database.url, a, work))

    with pytest.raises(CrossTenantWrite):
        attempt(_copy_agencies(b))
    with pytest.raises(UnfilteredStatement, match="plain value"):
        attempt(_copy_agencies(a, tenant_id=Agency.tenant_id))
    with pytest.raises(UnfilteredStatement, match="names tenant_id"):
        attempt(insert(Agency).from_select(["key", "name", "kind", "short"],
                                           select(Agency.key + "-x", Agency.name, Agency.kind, Agency.short)))
    with pytest.raises(UnfilteredStatement, match="tenants"):
        attempt(_copy_agencies(a, name=select(Tenant.name).limit(1).scalar_subquery()))
    with pytest.raises(UnfilteredStatement, match="agencies"):
        raw = Agency.__table__
        attempt(_copy_agencies(a, select(raw.c.key, raw.c.name, raw.c.kind, raw.c.short).subquery()))
    assert _counts_per_tenant(database) == before


def _b_agency_keys(b):
    """The largest agency key of tenant ``b``, read by a subquery that names ``b`` outright: with the
    filter it finds nothing (tenant_id = a AND tenant_id = b), so it falls back to 'tersaring'."""
    return func.coalesce(select(func.max(Agency.key)).where(Agency.tenant_id == b).scalar_subquery(), "tersaring")


def test_subqueries_in_dml_values_and_where_are_filtered(database):
    """A subquery in an INSERT's VALUES, an UPDATE's SET or a DML WHERE reads only the bound tenant. On
    PostgreSQL as the owner (a superuser: row-level security does not apply), so the ORM guard is
    all that stands between the tenants."""
    a, b = _foreign_pair(database)
    url = database.owner_url
    before = _counts_per_tenant(database)

    async def holidays(session):
        return sorted((await session.scalars(select(Holiday.name))).all())

    a_holidays, b_holidays = run(_in_tenant(url, a, holidays)), run(_in_tenant(url, b, holidays))
    assert a_holidays and b_holidays

    async def work(session):
        returned = await session.scalar(insert(Agency).values(
            key="dari-subkueri", name="Dari subkueri", kind="opd", short=_b_agency_keys(b))
            .returning(_b_agency_keys(b)))
        assert returned == "tersaring"
        await session.execute(update(Holiday).values(name=_b_agency_keys(b)))
        await session.execute(delete(Holiday).where(
            select(func.count()).select_from(Agency).where(Agency.tenant_id == b).scalar_subquery() > 0))
        return (await session.scalars(select(Agency.short).where(Agency.key == "dari-subkueri"))).one()

    assert run(_in_tenant(url, a, work)) == "tersaring"
    assert run(_in_tenant(url, a, holidays)) == ["tersaring"] * len(a_holidays)
    assert run(_in_tenant(url, b, holidays)) == b_holidays
    after = _counts_per_tenant(database)
    assert after[a] == before[a] + 1
    assert {t: n for t, n in after.items() if t != a} == {t: n for t, n in before.items() if t != a}


def test_dml_inside_a_select_is_checked_like_dml(database):
    """``select(Model).from_statement(insert/update/delete ... RETURNING)``, and (PostgreSQL) a CTE that
    writes: an INSERT there must name the bound tenant (it is not stamped), its subqueries are filtered,
    and an UPDATE or DELETE touches only the bound tenant. As the owner, like the test above."""
    a, b = _foreign_pair(database)
    url = database.owner_url
    before = _counts_per_tenant(database)

    async def holidays(session):
        return sorted((await session.scalars(select(Holiday.name))).all())

    b_holidays = run(_in_tenant(url, b, holidays))

    def attempt(statement):
        async def work(session):
            return (await session.execute(statement)).all()
        return run(_in_tenant(url, a, work))

    foreign = dict(key="penyusup", name="Bukan milik A", kind="opd", tenant_id=b)
    with pytest.raises(CrossTenantWrite):
        attempt(select(Agency).from_statement(insert(Agency).values(**foreign).returning(Agency)))
    with pytest.raises(CrossTenantWrite):
        attempt(select(Holiday).from_statement(update(Holiday).values(tenant_id=b).returning(Holiday)))
    revision = run(_in_tenant(url, None, lambda session: session.scalar(select(Tenant.revision).where(Tenant.id == a))))
    renamed = attempt(select(Holiday).from_statement(update(Holiday).values(name="diubah").returning(Holiday)))
    assert renamed and {h.tenant_id for (h,) in renamed} == {a}
    assert run(_in_tenant(url, None, lambda session: session.scalar(
        select(Tenant.revision).where(Tenant.id == a)))) == revision + 1, "a write bumps the page-cache revision"
    with pytest.raises(UnfilteredStatement, match="names tenant_id"):
        attempt(select(Agency).from_statement(
            insert(Agency).values(key="tanpa-tenant", name="Tanpa tenant", kind="opd").returning(Agency)))
    own = attempt(select(Agency).from_statement(insert(Agency).values(
        key="milik-a", name="Milik A", kind="opd", tenant_id=a, short=_b_agency_keys(b)).returning(Agency)))
    assert [(h.tenant_id, h.short) for (h,) in own] == [(a, "tersaring")]
    deleted = attempt(select(Holiday).from_statement(delete(Holiday).returning(Holiday)))
    assert deleted and {h.tenant_id for (h,) in deleted} == {a}
    for write in (update(Tenant).values(name="Semua diganti"), delete(Tenant)):
        with pytest.raises(TenantGuardError, match="on its own"):
            attempt(select(Tenant).from_statement(write.returning(Tenant)))
    if database.backend == "postgresql":
        with pytest.raises(CrossTenantWrite):
            written = insert(Agency).values(**foreign).returning(Agency.id).cte("written")
            attempt(select(written.c.id))
        emptied = delete(Holiday).returning(Holiday.id).cte("emptied")
        now = utcnow()  # SQLAlchemy leaves Python-side defaults out of an INSERT carrying a CTE
        attempt(insert(Agency).values(key="dengan-cte", name="Dengan CTE", kind="opd", short="", created_at=now,
                                      updated_at=now).add_cte(emptied).returning(Agency.id))
    assert run(_in_tenant(url, b, holidays)) == b_holidays
    after = _counts_per_tenant(database)
    assert after[a] == before[a] + (2 if database.backend == "postgresql" else 1)
    assert {t: n for t, n in after.items() if t != a} == {t: n for t, n in before.items() if t != a}

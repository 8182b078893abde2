"""The Litestar application: every domain's routes, the database plugin, templates and errors."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import dramatiq
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from satupintu import caching, logs, security, web
from satupintu.accounts import routes as accounts_routes
from satupintu.accounts.middleware import principal_loader
from satupintu.accounts.sessions import COOKIE, DatabaseStore, SessionConfig
from satupintu.admin import routes as admin_routes
from satupintu.applications import bundle_routes, delivery_routes
from satupintu.applications import console as applications_console
from satupintu.applications import files as application_files
from satupintu.applications import routes as applications_routes
from satupintu.benchmarks import routes as benchmarks_routes
from satupintu.catalogue import routes as catalogue_routes
from satupintu.complaints import routes as complaints_routes
from satupintu.onboarding import invitations as onboarding_invitations
from satupintu.onboarding import routes as onboarding_routes
from satupintu.knowledge import routes as knowledge_routes
from satupintu.open311 import routes as open311_routes
from satupintu.queue import console as queue_console
from satupintu.queue import live as queue_live
from satupintu.queue import reservations as queue_reservations
from satupintu.queue import routes as queue_routes
from satupintu.storage import open_storage
from satupintu.storage import routes as storage_routes
from satupintu.survey import routes as survey_routes
from satupintu.transfer import routes as transfer_routes
from satupintu.config import Settings
from satupintu.db import make_engine, make_sessionmaker
from satupintu.tenancy import TenantDirectory, host_routing
from satupintu.tenants import routes as tenants_routes


# Static files are the same for everyone and cached for a year: no session or CSRF cookie on them.
STATIC_PATHS = ["^/static/"]


def create_app(settings: Settings | None = None, *, run_worker: bool = False) -> Litestar:
    settings = settings or Settings.from_env()
    logs.configure(json=settings.log_json)
    from satupintu import broker as broker_module

    engine = make_engine(settings.database_url, **settings.pool_options())
    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        # Our own maker: advanced-alchemy replaces ``sync_session_class`` in the makers it builds,
        # which would silently drop the tenant guard's events (a regression test covers this).
        session_maker=make_sessionmaker(engine),
        before_send_handler="autocommit_include_redirects",
    )

    broker = broker_module.for_url(settings.broker_url)

    @asynccontextmanager
    async def worker_lifespan(app: Litestar) -> Any:
        app.state.broker = broker
        worker = None
        if run_worker and settings.broker_kind == "memory":
            import satupintu.tasks  # noqa: F401 - registers the actors on the broker
            from satupintu import jobs

            jobs.runtime.use(settings.database_url)
            worker = dramatiq.Worker(broker, worker_threads=2)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
                from satupintu import jobs

                jobs.runtime.use(None)
            await engine.dispose()

    maker = make_sessionmaker(engine)
    stores: dict[str, Any] = {"rate_limit": MemoryStore()}
    if settings.redis_url:
        # Shared by every web pod: a session and a client's rate limit hold whichever pod answers.
        stores["sessions"] = RedisStore.with_client(url=settings.redis_url,
                                                    namespace=f"{settings.redis_namespace}-sessions")
        stores["rate_limit"] = RedisStore.with_client(url=settings.redis_url,
                                                      namespace=f"{settings.redis_namespace}-ratelimit")
    elif settings.is_postgres:
        stores["sessions"] = DatabaseStore(maker)
    else:
        # SQLite allows one writer at a time: a session write while the request's own transaction
        # is open would wait on itself. Beside the database file, sessions live in files instead.
        stores["sessions"] = FileStore(Path(settings.database_url.split("///", 1)[-1] + ".sessions"))
    sessions = SessionConfig(key=COOKIE, store="sessions", max_age=8 * 3600, httponly=True, samesite="lax",
                             secure=settings.production, renew_on_access=True, exclude=STATIC_PATHS)
    csrf = CSRFConfig(secret=settings.secret_key, cookie_name=web.CSRF_COOKIE, cookie_secure=settings.production,
                      cookie_httponly=True, cookie_samesite="lax", header_name="x-csrftoken", exclude=STATIC_PATHS)

    jinja = JinjaTemplateEngine.from_environment(web.make_environment())
    app = Litestar(
        route_handlers=[
            accounts_routes.router,
            admin_routes.router,
            onboarding_routes.router, *onboarding_invitations.handlers,
            tenants_routes.router,
            catalogue_routes.router,
            knowledge_routes.learning_router, knowledge_routes.public_router,
            transfer_routes.public_router,
            benchmarks_routes.router,
            queue_routes.router, queue_reservations.router, queue_console.router, delivery_routes.router, bundle_routes.router,
            storage_routes.serve, application_files.staff_router, *application_files.citizen_handlers,
            survey_routes.public_router, survey_routes.counter_router,
            applications_routes.router, applications_console.router,
            open311_routes.router,
            complaints_routes.router,
            web.static_files,
        ],
        plugins=[SQLAlchemyPlugin(config=db_config), queue_live.channels_plugin(settings)],
        stores=stores,
        middleware=[web.refuse_bad_input, sessions.middleware, principal_loader, web.shared_responses],
        guards=[security.read_only],
        csrf_config=csrf,
        template_config=TemplateConfig(instance=jinja),
        exception_handlers=web.EXCEPTION_HANDLERS,
        before_request=web.remember_request,
        after_request=web.commit_before_answering(db_config.session_scope_key),
        lifespan=[worker_lifespan],
        request_max_body_size=settings.max_body_bytes,
        compression_config=CompressionConfig(backend="gzip", minimum_size=800, gzip_compress_level=6),
        openapi_config=OpenAPIConfig(title="SatuPintu API", version="1", path="/api/schema",
                                     description="Public service malls of Indonesian regencies."),
        debug=False,
    )
    app.state.settings = settings
    app.state.page_cache = caching.ByteCache(caching.PAGE_CACHE_BYTES)
    app.state.engine = engine  # the process's connection pool
    app.state.tenants = TenantDirectory(engine)
    app.state.broker = broker
    app.state.auth_sessionmaker = maker
    app.state.storage = open_storage(settings)
    return app


def wrap(app: Litestar) -> Any:
    """The outermost layers, which must see every request, including ones no route matches."""
    settings = app.state.settings
    return web.request_context(host_routing(caching.front(app), settings.tenant_hosts),
                               production=settings.production)


def asgi(*, run_worker: bool = False) -> Any:
    """Entry point for ASGI servers (``uvicorn --factory satupintu.app:asgi``)."""
    return wrap(create_app(run_worker=run_worker))

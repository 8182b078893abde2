"""The Litestar application: every domain's routes, the database plugin, templates and errors."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

import dramatiq
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from satupintu import logs, web
from satupintu.catalogue import routes as catalogue_routes
from satupintu.config import Settings
from satupintu.db import make_engine, make_sessionmaker
from satupintu.tenancy import host_routing
from satupintu.tenants import routes as tenants_routes


def create_app(settings: Settings | None = None, *, run_worker: bool = False) -> Litestar:
    settings = settings or Settings.from_env()
    logs.configure(json=settings.log_json)
    from satupintu import broker as broker_module

    engine = make_engine(settings.database_url)
    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        # Our own maker: advanced-alchemy replaces ``sync_session_class`` in the makers it builds,
        # which would silently drop the tenant guard's events (a regression test covers this).
        session_maker=make_sessionmaker(engine),
        before_send_handler="autocommit",
    )

    broker = broker_module.for_url(settings.broker_url)

    @asynccontextmanager
    async def worker_lifespan(app: Litestar) -> Any:
        app.state.broker = broker
        worker = None
        if run_worker and settings.broker_kind == "memory":
            import satupintu.tasks  # noqa: F401 - registers the actors on the broker

            worker = dramatiq.Worker(broker, worker_threads=2)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            await engine.dispose()

    jinja = JinjaTemplateEngine.from_environment(web.make_environment())
    app = Litestar(
        route_handlers=[
            tenants_routes.router,
            catalogue_routes.router,
            create_static_files_router(path="/static", directories=[web.STATIC_DIR],
                                       cache_control=None, include_in_schema=False),
        ],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        template_config=TemplateConfig(instance=jinja),
        exception_handlers=web.EXCEPTION_HANDLERS,
        lifespan=[worker_lifespan],
        request_max_body_size=settings.max_body_bytes,
        compression_config=CompressionConfig(backend="gzip", minimum_size=800, gzip_compress_level=6),
        openapi_config=OpenAPIConfig(title="SatuPintu API", version="1", path="/api/schema",
                                     description="Public service malls of Indonesian regencies."),
        debug=False,
    )
    app.state.settings = settings
    app.state.broker = broker
    return app


def wrap(app: Litestar) -> Any:
    """The outermost layers, which must see every request, including ones no route matches."""
    return web.request_context(host_routing(app, app.state.settings.tenant_hosts))


def asgi(*, run_worker: bool = False) -> Any:
    """Entry point for ASGI servers (``uvicorn --factory satupintu.app:asgi``)."""
    return wrap(create_app(run_worker=run_worker))

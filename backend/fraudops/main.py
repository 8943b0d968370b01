"""The application factory. `uvicorn --factory fraudops.main:create_app` serves it."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker

from fraudops import __version__, crud
from fraudops.api.routes import batch_charts, batches, demo, feedback, health, predict, streams
from fraudops.core.config import Settings, get_settings
from fraudops.core.db import make_engine
from fraudops.ml import artifact
from fraudops.ml.scorer import Scorer
from fraudops.predlog import PredictionLog

log = logging.getLogger(__name__)


def _operation_id(route: APIRoute) -> str:
    """`tag-name` ids, so a generated client reads `BatchesService.uploadBatch`."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api")
    for module in (batches, batch_charts, demo, predict, feedback, streams, health):
        router.include_router(module.router)
    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.sqlalchemy_url)
        app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
        app.state.scorer = None
        if artifact.exists(settings.model_dir):
            app.state.scorer = Scorer.load(settings.model_dir, settings.score_chunk_rows)
            with app.state.session_factory() as session:
                crud.record_model_version(session, app.state.scorer.card)
            log.info("serving model %s", app.state.scorer.version)
        else:
            log.warning(
                "no model in %s: /api/predict and uploads answer 503 until one exists", settings.model_dir
            )
        app.state.prediction_log = PredictionLog(
            app.state.session_factory,
            flush_rows=settings.predlog_flush_rows,
            flush_seconds=settings.predlog_flush_seconds,
            max_pending=settings.predlog_max_pending,
        )
        app.state.prediction_log.start()
        yield
        await app.state.prediction_log.close()  # requests have drained: write the rest
        engine.dispose()

    app = FastAPI(
        title="fraudops",
        version=__version__,
        summary="Credit-card fraud detection: batch uploads, real-time scoring, gated model promotion.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"]
    )
    app.include_router(api_router())
    if (settings.frontend_dist / "index.html").is_file():
        app.mount("/", StaticFiles(directory=settings.frontend_dist, html=True), name="frontend")
    return app

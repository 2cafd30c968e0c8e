"""The learning API's application: ``create_app`` wires what the endpoints depend on into
the app's state once, and ``main`` builds the real ones from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from hourbank_common.auth import TokenVerifier, install_authentication
from hourbank_common.http import install_http_plumbing, run_api
from hourbank_learning.application.service import LearningApplication
from hourbank_learning.config import LearningApiSettings
from hourbank_learning.entrypoints.http import completions


def create_app(learning: LearningApplication, *, verifier: TokenVerifier) -> FastAPI:
    """The API over ``learning``; tests pass one on in-memory persistence."""
    app = FastAPI(
        title="hourbank learning",
        version="1.0.0",
        description="Records course completions on a city platform.",
    )
    install_http_plumbing(app)
    install_authentication(app, verifier)
    app.state.learning = learning
    app.include_router(completions.router)
    return app


def build_app(settings: LearningApiSettings) -> FastAPI:
    from hourbank_learning.bootstrap import build_learning_application

    return create_app(build_learning_application(settings), verifier=settings.verifier())


def main() -> None:
    run_api("learning-api", LearningApiSettings, build_app)

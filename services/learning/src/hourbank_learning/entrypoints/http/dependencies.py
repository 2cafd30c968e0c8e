"""What the learning endpoints are given, read from the app's state (set once by
``create_app``): declare ``learning: Learning`` in an endpoint to get the application."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hourbank_learning.application.service import LearningApplication


# async: FastAPI runs a plain ``def`` dependency in its thread pool, a hop not worth taking
# to read an attribute.
async def get_learning(request: Request) -> LearningApplication:
    learning: LearningApplication = request.app.state.learning
    return learning


Learning = Annotated[LearningApplication, Depends(get_learning)]

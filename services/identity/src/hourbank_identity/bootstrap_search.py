"""The organisation search builders, under the name ``entrypoints/http.py`` imports them by.

They live in ``bootstrap.py``, identity's composition root, with everything else it builds.
"""

from __future__ import annotations

from hourbank_identity.bootstrap import build_search_projector, build_search_view

__all__ = ["build_search_projector", "build_search_view"]

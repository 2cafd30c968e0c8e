"""Identity HTTP API: ``python -m hourbank_identity.entrypoints.http``.

Registry (organisations, professionals, legacy migration), accounts (activation, login,
refresh) and the public key other services verify tokens with, one router per verb family
(``organisations``, ``persons``, ``legacy``, ``accounts``) assembled by ``app.create_app``.
ID numbers travel only in request bodies, never in a URL, a log line or a response
(responses show the masked form).
"""

from __future__ import annotations

from hourbank_identity.entrypoints.http.app import create_app, main
from hourbank_identity.entrypoints.http.uploads import MAX_CSV_BYTES

__all__ = ["MAX_CSV_BYTES", "create_app", "main"]

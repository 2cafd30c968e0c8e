"""Learning HTTP API: ``python -m hourbank_learning.entrypoints.http``.

Every endpoint but the probes and ``/metrics`` needs an access token from identity. A
professional records completions for themself (the province's administrators for anyone);
the completion keeps the professional's organisations and registration region from the
token, so that their employer, industry authority and city can read it later and nobody
else can.

``app`` builds the application (state, routers, plumbing) and runs it; ``completions`` holds
the endpoints, ``models`` their bodies and answers, ``dependencies`` what they are given.
"""

from hourbank_learning.entrypoints.http.app import create_app, main

__all__ = ["create_app", "main"]

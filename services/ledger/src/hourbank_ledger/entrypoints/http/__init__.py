"""Ledger HTTP API: ``python -m hourbank_ledger.entrypoints.http``.

Answers the title-evaluation system from the read model: a person-year evaluated under the
policy of a region and year, with the verdict, its reasons and every entry's fate.

Every endpoint but the probes and ``/metrics`` needs an access token from identity. Whose
hours a caller may read is decided from the person directory (where each person is
registered and for which organisations): a professional reads only their own, an employer
its staff, a city or district its region, the province and the title-evaluation system
everyone.

``app`` builds the application (state, routers, plumbing) and runs it; ``hours`` and
``statements`` hold the endpoints, ``models`` their parameters, bodies and answers,
``dependencies`` what they are given and ``authorization`` who may read whom.
"""

from hourbank_ledger.entrypoints.http.app import create_app, main

__all__ = ["create_app", "main"]

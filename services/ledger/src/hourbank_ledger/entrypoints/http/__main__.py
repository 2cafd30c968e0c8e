"""``python -m hourbank_ledger.entrypoints.http`` runs the ledger API."""

from hourbank_ledger.entrypoints.http.app import main

main()

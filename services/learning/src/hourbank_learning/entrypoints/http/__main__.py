"""``python -m hourbank_learning.entrypoints.http`` runs the learning API."""

from hourbank_learning.entrypoints.http.app import main

main()

"""The identity service: package skeleton only; nothing is built yet.

See services/identity/README.md.
"""

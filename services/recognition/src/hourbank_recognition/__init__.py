"""The recognition service: package skeleton only; nothing is built yet.

See services/recognition/README.md.
"""

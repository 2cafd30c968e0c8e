"""The exam service: package skeleton only; nothing is built yet.

See services/exam/README.md.
"""

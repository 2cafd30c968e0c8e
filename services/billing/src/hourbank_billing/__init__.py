"""The billing service: package skeleton only; nothing is built yet.

See services/billing/README.md.
"""

"""The billing service: package skeleton only, nothing is built yet (see services/billing/README.md)."""

"""The identity service: package skeleton only, nothing is built yet (see services/identity/README.md)."""

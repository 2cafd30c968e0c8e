"""The recognition service: package skeleton only, nothing is built yet (see services/recognition/README.md)."""

"""The exam service: package skeleton only, nothing is built yet (see services/exam/README.md)."""

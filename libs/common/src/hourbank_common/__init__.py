"""Shared plumbing for hourbank services: logging, settings, Kafka, PostgreSQL and HTTP helpers.

Only infrastructure concerns live here; no domain rules.
"""

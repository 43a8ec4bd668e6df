"""Persistence: tables, engine set-up and migrations."""

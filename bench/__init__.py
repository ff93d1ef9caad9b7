"""Benchmarks, run by `python -m bench` (`make bench`): the application service against the
bare eventsourcing library, and the HTTP API under concurrent clients.

May import anything in the project, and tests.support.postgres for a real PostgreSQL.
"""

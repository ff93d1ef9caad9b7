"""Tests of domain/: the Family aggregate's events and rules, the application service,
and the event store contract, on POPO, SQLite and PostgreSQL."""

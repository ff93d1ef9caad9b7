"""Bulk import (`journeys import`): JSON Lines of commands, decoded with the same command
types and rules as the HTTP API (api.common.schemas.derive), applied in large transactions
(`JourneysApplication.batch`), idempotent per line. The line format: simulation.import_lines
and the README, "Bulk import"."""

"""The edges people use: the HTTP API (FastAPI), web pages and the `journeys` CLI.
May import infra, projections and domain; gets everything from `infra.bootstrap`.
"""

"""The HTTP API (JSON): its routes (`api.http.routes`, one module per resource), the request
and response schemas only it uses, the command sender, metrics and serialisation.

May import `api.common`, infra, projections and domain. Never imports `api.web` or `api.cli`.
What both the API and the pages use (deps, access, errors, permissions, cursors, sharing, the
read logic of a route a page also shows) lives in `api.common`. Route modules never import
each other: what two routes share lives in a non-route module.
"""

"""The HTTP API (JSON): its routes (`api.http.routes`, one module per resource), request and
response schemas, error mapping, dependencies (identity, readers, the access log), the role
table, paging cursors and serialisation.

May import infra, projections and domain. Never imports `api.web` or `api.cli`: the web pages
and the CLI build on it, not the reverse. The pieces both the API and the pages use (deps,
access, errors, permissions, cursors) live here for that reason. Route modules never import
each other: what two routes share lives in a non-route module of this package.
"""

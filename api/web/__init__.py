"""The web pages: server-rendered Jinja2 templates (`templates/`, autoescaped), their CSS and
JavaScript (`static/`), signing in (`session`, and `login` in development only) and one
module of routes per page (`pages*`).

May import `api.common` (deps, errors, access, permissions, and the reads a route and a page
both call) and infra, projections and domain; never `api.http` nor `api.cli`.
"""

"""The web pages: server-rendered Jinja2 templates (`templates/`, autoescaped), their CSS and
JavaScript (`static/`), signing in (`session`, and `login` in development only) and one
module of routes per page (`pages*`).

May import `api.http` (deps, errors, access, permissions, and the reads its route modules
offer) and infra, projections and domain; never `api.cli`.
"""

"""One router per resource of the HTTP API. A route validates its body, makes one call to
the application service and maps the answer; errors are mapped in `api.common.errors` only.
"""

"""Bodies the HTTP API and the pages both use: `common` holds the shared field types and base
classes; `timeline`, `shared_view` and `reports` the read answers a page also renders.
"""

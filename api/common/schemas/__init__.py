"""Bodies the HTTP API and the pages both use: `common` holds the shared field types and base
classes; `timeline`, `shared_view`, `journey`, `outcomes` and `reports` the read answers a
page also renders.
"""

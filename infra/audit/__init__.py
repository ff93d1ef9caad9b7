"""Who read which family's record: the append-only access log (port `access_log.AccessLog`,
with its SQLite and PostgreSQL classes). Ids, codes and times only, never personal data.
"""

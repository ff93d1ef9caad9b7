"""What the HTTP API (`api.http`), the web pages (`api.web`) and the CLI share: the request
dependencies (identity, readers, read-your-writes), the error answers, access recording, the
role table, paging cursors, the sharing rules, periods, the QA filters, the read logic both a
route and a page call (`reads_*`), and the schemas both answer with.

May import infra, projections and domain. Never imports `api.http`, `api.web`, `api.cli` or
`api.app`: they build on it, not the reverse.
"""

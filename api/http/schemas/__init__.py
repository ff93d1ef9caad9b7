"""Request and response bodies of the HTTP API: `<Thing>Create` in, `<Thing>Public` out.

`derive` builds the bodies of commands, `reads` what the read routes answer. The shared field
types and base classes, and the bodies a page also uses, are in `api.common.schemas`.
"""

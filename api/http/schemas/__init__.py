"""Request and response bodies of the HTTP API: `<Thing>Create` in, `<Thing>Public` out.

`common` holds the shared field types and base classes, `commands` the bodies of commands,
`reads` what the read routes answer.
"""

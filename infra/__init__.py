"""Infrastructure, one subpackage per kind: `store` (event store and hash chain), `views`
(view store and projection runner), `privacy` (keys, pseudonyms, retention, blind index),
`audit` (access log), `kafka` (to come). At the top level: settings, tokens and the one
composition root (`bootstrap`). May import projections and domain.
"""

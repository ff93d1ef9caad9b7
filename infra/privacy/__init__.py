"""Personal data's protection: per-family data keys (port `keys.KeyTable`, crypto-shredding),
research pseudonyms (`pseudonyms`), the retention schedule's sweep (`retention`) and the
search index of keyed hashes (port `blind_index.BlindIndex`); each backend's class beside its port.
"""

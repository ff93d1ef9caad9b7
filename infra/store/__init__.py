"""The event store and its hash chain: links (`chain`), the port `chain_store.ChainStore`
with one recorder per backend (`chain_sqlite`, `chain_postgres`), the integrity check over
them (`integrity`) and the signed checkpoints of the stream heads (`checkpoints`);
`unavailable` names the exceptions that mean the store cannot be reached just now.
"""

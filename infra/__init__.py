"""Infrastructure: settings, the one composition root (`bootstrap`), persistence wiring,
tokens, and (later) Kafka clients and dev servers. May import projections and domain.
"""

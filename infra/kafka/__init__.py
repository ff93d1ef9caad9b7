"""The place for Kafka (issue 11): the relay that publishes from the event store and the
consumers of inbound topics, each behind a port like the other subpackages. Empty so far.
"""

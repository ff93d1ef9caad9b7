"""Kafka and store followers: decode a message at the boundary, make one application call.
May import infra, projections and domain."""

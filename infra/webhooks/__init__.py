"""The webhook bridge: subscriptions of services without Kafka (subscriptions), and the
consumer that POSTs them the escalation messages, signed as Standard Webhooks say (bridge)."""

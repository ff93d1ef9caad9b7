"""Kafka (issue 11): the relay that publishes the event store's events and escalations
(`relay`), what it publishes (`envelope`), the broker adapter (`broker`), the relay's own
position in the store's database (`positions`) and the AsyncAPI document of the topics
(`asyncapi`).
"""

"""The domain: the Family aggregate, its events and rules, code lists, and the application service.

Imports only the standard library and `eventsourcing`; nothing here connects to anything.
"""

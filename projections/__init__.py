"""Read models: pure handlers that turn events into view changes. Imports only domain."""

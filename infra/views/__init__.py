"""Read models' storage and upkeep: the port `store.ViewStore` (documents and position in one
transaction), one module per backend (`sqlite`, `postgres`), and the engine that keeps the
views current from the event store (`projection_runner`).
"""

"""Simulation: seeded families driven through the application service (`journeys demo`, the
bench, the tests), and the model calibrated to Kent's early help figures.

Imports `domain` (and `eventsourcing`, as the domain does) and the standard library only.
"""

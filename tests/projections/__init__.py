"""Tests of projections/: each read model on hand-made histories, and properties that
must hold for any history (replay equals live, rebuild equals incremental)."""

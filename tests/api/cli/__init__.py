"""Tests of api/cli: the `journeys` command line."""

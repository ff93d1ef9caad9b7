"""The test suite; mirrors the source tree. Real servers come from conftest.py."""

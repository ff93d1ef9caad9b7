"""Tests of api/web: the server-rendered pages, without a browser (tests/browser drives one)."""

"""Tests of api/http: the JSON routes, their access rules, logging and errors."""

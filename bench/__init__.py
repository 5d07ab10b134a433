"""Benchmark scripts (not tests): rosterlink vs Splink, see README.md."""

"""rosterlink quality."""

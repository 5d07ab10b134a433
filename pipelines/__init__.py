"""rosterlink pipelines."""

"""rosterlink synthetic."""

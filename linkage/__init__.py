"""rosterlink linkage."""

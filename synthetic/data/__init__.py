"""Reference tables of the synthetic roster generator (see SOURCES.md)."""

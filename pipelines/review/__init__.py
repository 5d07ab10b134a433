"""The review page: case workers decide the review queue's pairs in a local browser (issue 12)."""

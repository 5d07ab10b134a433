"""The data contract as code: canonical columns, header aliases, output schemas."""

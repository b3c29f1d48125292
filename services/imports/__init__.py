"""CSV imports of contacts. `rows` runs in worker processes: it imports nothing heavy."""

"""The immutable event log: event types, fuzzy dates, the envelope and the SQLite store."""

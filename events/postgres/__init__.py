"""PostgreSQL as the log's second backend: the same store, hash chain and tree on a shared server."""

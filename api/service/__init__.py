"""The service layer: every use case (import, delete, update, ask, browse) that the routes, the CLI,
the benchmarks and the tests call; it owns the write lock and returns typed results."""

// Never compiled: tests/discover_errors only configures its project.

"""Running the service: metrics, logs, photo garbage collection and the retention policy."""

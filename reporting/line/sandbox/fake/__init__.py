"""A fake LINE Platform speaking LINE's documented API, for tests and the simulator."""

"""HTTP-wide plumbing every channel shares: reading client input safely, and response headers."""

"""The staff dashboard: sign-in, map, list, report pages, actions, accounts, statistics."""

"""The domain at the root (reports, residents, photos, triage, accounts); channels as packages."""

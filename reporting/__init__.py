"""The domain: reports, residents, conversation, photos, triage workflow and the LINE channel."""

"""The handoff lifecycle: recording with consent, status changes, summaries, signed links, the outbox and privacy."""

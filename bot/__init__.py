"""Wegwijzer Overijssel: referral database, routing, handoff and channels."""

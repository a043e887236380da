"""The referral data: reading and checking the files, loading them into the database, export, and the cached catalog."""

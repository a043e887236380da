"""Deciding a referral, without I/O: places, understanding, keywords, size, language, routing and explanations."""

"""Rasa custom actions: conversation glue only; the domain logic lives in ``wegwijzer``."""

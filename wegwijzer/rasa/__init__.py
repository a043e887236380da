"""Rasa plumbing: the endpoints file, the tracker store, NLU components and the REST client."""

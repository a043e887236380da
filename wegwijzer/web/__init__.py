"""The website: the chat widget, its demo page and the same-origin proxy to Rasa's REST channel."""

"""Wegwijzer's Telegram channel: a python-telegram-bot bridge to the Rasa assistant's REST channel."""

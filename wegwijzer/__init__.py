"""Wegwijzer Overijssel: conversational intake that refers mkb entrepreneurs to the right regional adviser."""

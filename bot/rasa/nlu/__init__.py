"""Rasa NLU components wrapping bot.triage."""

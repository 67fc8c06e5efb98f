"""Rasa NLU components wrapping bot.triage."""
from bot import server_patches

server_patches.apply()  # loaded with the model, in every Rasa server of the assistant

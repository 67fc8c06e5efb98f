"""Rasa input channels with the guards the assistant needs (no silence, first-reply disclaimer)."""
from bot import server_patches

server_patches.apply()  # this package is imported by every Rasa server of the assistant

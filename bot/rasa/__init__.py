"""What plugs into Rasa's own machinery (its training-data importers)."""

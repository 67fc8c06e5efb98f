"""Patient text made plain before anything reads it."""

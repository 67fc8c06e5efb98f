"""Domain library of the kyphoplasty / vertebroplasty patient assistant (no Rasa imports here)."""

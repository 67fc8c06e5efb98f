"""`make bench`: the assistant against Rasa's stock configuration under the same closed-loop REST load."""

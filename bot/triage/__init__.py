"""Red-flag triage: symptom lexicon (data), a spaCy + medspaCy ConText pipeline, and the disposition.
Import from the submodules (bot.triage.triage, bot.triage.levels) so that light users stay light."""

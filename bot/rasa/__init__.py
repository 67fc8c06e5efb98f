"""Everything that touches Rasa's own machinery: the server entry point and its patches, the channels, the NLU
components, the tracker and lock stores, the action server, the training-data importer. The rest of bot/ imports no
Rasa (tests/unit/test_rasa_fence.py)."""

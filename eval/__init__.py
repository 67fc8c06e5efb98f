"""Measurement: the evaluation report (`make eval`) and the triage safety-suite report."""

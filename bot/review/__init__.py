"""Clinician review of everything the assistant tells patients: the knowledge-base answers, the red flags and
their levels, the clinic settings, and the fixed safety sentences. Each item has a digest of exactly what a
reviewer signs; a sign-off records who signed which version, and keeps a snapshot of it so that the next review
packet shows what changed since.

    python -m bot review export [--out var/review/packet.html]
    python -m bot review sign --reviewer NAME --role ROLE
    python -m bot review status
"""

"""The clinic page and its chat widget (static files in static/, the page in templates/, served by server.py)."""

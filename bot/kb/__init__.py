"""Knowledge base: SQLAlchemy models, the YAML loader and the queries the actions use."""

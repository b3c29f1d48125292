"""Persistence: SQLAlchemy models, engines, the embedded PostgreSQL and Alembic migrations.

Nothing here performs I/O on import and nothing here knows about GraphQL or Twilio.
"""

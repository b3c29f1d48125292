"""Every statement the product runs against PostgreSQL, raw SQL included, per domain.

Services decide and call these; nothing above this layer builds or runs a statement."""

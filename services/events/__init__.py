"""Events that cross server processes through PostgreSQL LISTEN/NOTIFY."""

"""Business logic. Services take an AsyncSession and never commit: the caller (a request
or a job) owns the transaction. Nothing here knows about GraphQL."""

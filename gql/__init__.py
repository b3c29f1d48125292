"""The GraphQL API: schema, types, resolvers, subscriptions and the ASGI app."""

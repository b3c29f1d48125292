"""The sending policy over GraphQL: sendingPolicy and updateSendingPolicy."""

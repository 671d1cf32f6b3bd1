"""Provides the hub's central outbox: durable writes to central, retried until delivered."""

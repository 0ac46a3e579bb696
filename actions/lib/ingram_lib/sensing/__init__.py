"""Polling-sensor framework, sensor state, the watchers and the webhook receiver."""

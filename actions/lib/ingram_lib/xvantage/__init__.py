"""Xvantage reseller API: the client, request checks and result reading."""

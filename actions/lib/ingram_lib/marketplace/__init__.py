"""Cloud Marketplace API: the client and the operations built on it."""

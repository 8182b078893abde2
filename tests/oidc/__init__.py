"""Loopback OpenID Connect provider for end-to-end sign-in tests (see README.md)."""

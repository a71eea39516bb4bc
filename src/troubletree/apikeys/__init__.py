"""API keys of an account: created, listed and revoked by its admins (checked on every request
in `auth`, where credentials live)."""

"""Reading the audit log: an account's events for its admins, every event for platform
superusers; pages newest first, and CSV exports. The events are written by `core.audit` in the
transaction of each action."""

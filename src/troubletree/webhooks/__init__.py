"""Webhooks: account admins register HTTPS endpoints; events are delivered by the job queue,
signed, retried with backoff, and logged per attempt."""

"""Help-desk integrations: signed single-use start links and the embeddable runner."""

"""What the producer configured: feed/show.toml, voice direction and pronunciation lexicons."""

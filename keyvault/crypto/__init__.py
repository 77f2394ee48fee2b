"""age v1 encryption (scrypt and X25519 recipients) and the vault key. Pure format code."""

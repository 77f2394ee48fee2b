"""Local vault state: the config dir, the config file, items, copies, destinations."""

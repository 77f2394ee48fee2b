"""One module per command group; loaded lazily by :mod:`keyvault_cli.main`."""

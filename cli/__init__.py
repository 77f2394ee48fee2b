"""keyvault's command-line face (import package ``keyvault_cli``)."""

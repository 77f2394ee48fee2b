"""keyvault's desktop face (import package ``keyvault_gui``), built on PySide6."""

"""PyInstaller entry point of the ``keyvault`` executable."""

from keyvault_cli.main import main

main()

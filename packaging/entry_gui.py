"""PyInstaller entry point of the ``keyvault-gui`` executable."""

import sys

from keyvault_gui.launch import main

sys.exit(main())

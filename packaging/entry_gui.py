"""PyInstaller entry point of the ``keyvault-gui`` executable."""

import sys

from keyvault_gui.app import main

sys.exit(main())

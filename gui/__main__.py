"""``python -m keyvault_gui``: start the desktop app."""

from __future__ import annotations

import sys

from .app import main

sys.exit(main())

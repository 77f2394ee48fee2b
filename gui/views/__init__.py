"""The screens of the desktop app. Views hold no crypto or I/O: they call the core
through :class:`keyvault_gui.tasks.TaskRunner` only."""

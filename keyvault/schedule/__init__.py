"""Unattended runs: the OS timers that start them (:mod:`.timers`: systemd, launchd, Task
Scheduler) and the alerts they raise when a backup fails, goes stale or a copy goes
missing (:mod:`.alerts`)."""

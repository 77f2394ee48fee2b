"""Backups under the 3-2-1 policy: policy evaluation, the engine, verification, restore."""

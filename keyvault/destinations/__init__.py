"""Backup destinations behind one small protocol (see ``base.Destination``)."""

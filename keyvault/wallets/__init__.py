"""Wallets on this machine: where each wallet program keeps its files, how to recognise
them (:mod:`.discover`), and how to copy one safely while its program may be running
(:mod:`.copy`, e.g. Bitcoin Core's ``backupwallet`` RPC)."""

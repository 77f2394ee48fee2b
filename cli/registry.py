"""The table of subcommands: name -> (module:attribute, one-line help).

Commands are imported only when run, so ``keyvault --help`` stays fast and never loads
PySide6, b2sdk, reportlab, embit or zxing-cpp. A command whose module is not present in
this build is left out of the listing.
"""

from __future__ import annotations

__all__ = ["COMMANDS"]

COMMANDS: dict[str, tuple[str, str]] = {
    # seed phrases
    "mnemonic": (
        "keyvault_cli.commands.mnemonic:mnemonic",
        "Create, check, inspect, split and combine seed phrases.",
    ),
    "qr": ("keyvault_cli.commands.qr:qr", "Encode a seed phrase as a SeedQR image, or decode one."),
    "codex32": (
        "keyvault_cli.commands.codex32:codex32_group",
        "Create, split, combine and check codex32 (BIP-93) seeds and shares.",
    ),
    # encryption and the vault key
    "init": ("keyvault_cli.commands.vaultkey:init", "Create the vault key (once per vault)."),
    "key": (
        "keyvault_cli.commands.vaultkey:key",
        "Show, export, import, re-protect or rotate the vault key.",
    ),
    "encrypt": (
        "keyvault_cli.commands.crypt:encrypt",
        "Encrypt a file to age recipients or a passphrase (age v1).",
    ),
    "decrypt": ("keyvault_cli.commands.crypt:decrypt", "Decrypt an age file."),
    # items, copies, destinations
    "add": ("keyvault_cli.commands.items:add", "Protect a file or folder."),
    "add-phrase": ("keyvault_cli.commands.items:add_phrase", "Protect a seed phrase."),
    "add-descriptor": (
        "keyvault_cli.commands.descriptor:add_descriptor",
        "Protect a wallet configuration (descriptor, BSMS, Coldcard, Specter, Electrum).",
    ),
    "descriptor": (
        "keyvault_cli.commands.descriptor:descriptor",
        "Show, export, check and annotate wallet configurations.",
    ),
    "remove": ("keyvault_cli.commands.items:remove", "Stop protecting an item."),
    "list": ("keyvault_cli.commands.items:list_items", "List protected items."),
    "copy": ("keyvault_cli.commands.copies:copy", "Record physical copies (paper, metal)."),
    "dest": (
        "keyvault_cli.commands.dest:dest",
        "Add, list, change and remove backup destinations.",
    ),
    # backup engine
    "backup": ("keyvault_cli.commands.backup:backup", "Back up every item to every destination."),
    "status": ("keyvault_cli.commands.backup:status", "Say per item whether the 3-2-1 rule holds."),
    "verify": (
        "keyvault_cli.commands.backup:verify",
        "Check that stored copies are present and intact.",
    ),
    "repair": (
        "keyvault_cli.commands.backup:repair",
        "Re-copy missing or damaged copies from a good one.",
    ),
    "restore": ("keyvault_cli.commands.backup:restore", "Restore an item version into a new file."),
    "drill": (
        "keyvault_cli.commands.drill:drill",
        "Restore every copy with the vault key and prove it is the same wallet.",
    ),
    "seal": (
        "keyvault_cli.commands.drill:seal",
        "Sign the current backup generation with the owner's seal.",
    ),
    "recover": (
        "keyvault_cli.commands.backup:recover",
        "Recover everything from a destination on a new machine.",
    ),
    # paper
    "paper": (
        "keyvault_cli.commands.paper:paper",
        "Print phrase sheets, share sheets and the recovery kit.",
    ),
    "scan": (
        "keyvault_cli.commands.paper:scan",
        "Read a phrase or key from a QR code image or PDF.",
    ),
    # desktop, discovery, scheduling
    "gui": ("keyvault_cli.commands.gui:gui", "Start the desktop app."),
    "discover": ("keyvault_cli.commands.discover:discover", "Find wallet files on this machine."),
    "schedule": (
        "keyvault_cli.commands.schedule:schedule",
        "Run backups on a schedule, with alerts.",
    ),
}

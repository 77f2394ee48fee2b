"""Write a destination with keyvault as released (main @ 8307a40) for the compatibility test."""

import sys
from pathlib import Path

from keyvault.backup import engine
from keyvault.destinations.local import create_marker
from keyvault.secret import Secret
from keyvault.vault.config import DestinationConfig, load_config, save_config
from keyvault.vault.items import add_path_item, add_phrase_item
from keyvault.vault.keystore import create_vault

out = Path(sys.argv[1])
work = Path(sys.argv[2])
home = work / "home"
_, identity = create_vault(
    home, Secret("compatibility fixture passphrase, not a secret"), work_factor=16
)
src = work / "src"
(src / "keystore" / "sub").mkdir(parents=True)
(src / "wallet.dat").write_bytes(b"release wallet file\n" * 50)
(src / "keystore" / "UTC--key1").write_bytes(b"KEYFILE-ONE")
(src / "keystore" / "sub" / "key2").write_bytes(b"KEYFILE-TWO")
add_path_item(home, src / "wallet.dat")
add_path_item(home, src / "keystore")
phrase = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)
add_phrase_item(home, "paper seed", Secret(phrase))
dest = out / "destination"
dest.mkdir(parents=True)
config = load_config(home)
vault = config.require_vault()
create_marker(dest, vault.id, vault.created)
config.destinations.append(
    DestinationConfig("usb", "local", "external", options={"path": str(dest)})
)
save_config(home, config)
report = engine.backup(home)
assert not report.failed, report
(src / "wallet.dat").write_bytes(b"release wallet file, version 2\n" * 50)
report = engine.backup(home)
assert not report.failed, report
(out / "identity.txt").write_bytes(identity.to_secret().reveal() + b"\n")

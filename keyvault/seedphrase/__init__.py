"""Seed phrases: BIP39, SLIP-39, SeedQR and wallet inspection. Pure formats, no I/O."""

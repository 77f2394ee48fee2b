"""Paper: print-ready PDFs of seed phrases, SLIP-39 shares and the heir's recovery kit,
and QR codes read back from photos, scans and PDFs.

- :mod:`.sheets`: the layout model (pages of blocks; no reportlab).
- :mod:`.documents`: ``phrase_sheet``, ``share_sheets``, ``public_sheet``, ``blank_sheet``.
- :mod:`.kit`: ``recovery_kit``, ``split_vault_key``, ``identity_from_shares``; its
  pages in :mod:`.kit_heir` (no secret), :mod:`.kit_secret` (the key, shares, B2 keys),
  :mod:`.kit_copies` (where things are) and :mod:`.kit_howto` (how to recover).
- :mod:`.vault_kit`: ``vault_kit``, one owner's kit gathered from the config dir (what
  ``keyvault paper kit`` and the GUI's Print screen both print).
- :mod:`.render`: ``render_pdf`` (vector QR codes, embedded fonts, deterministic bytes);
  it imports, only while rendering, :mod:`.flowables` (keyvault's own reportlab
  flowables) and :mod:`.canvas` (page numbers, headers, fixed dates); :mod:`.typeface`
  holds the fonts and the printable-text check.
- :mod:`.scan`: ``scan_file``, ``decode_qr_images``, ``decode_image`` (zxing-cpp).
- :mod:`.qrimage`: QR matrices at an exact version and level, PNG and SVG.

Documents are built in memory; the caller writes them (atomically, mode 0600).
"""

"""Paper: sheet layout, PDF rendering, QR scanning."""

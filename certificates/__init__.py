"""Certificate records, PDF rendering, signing and verification (built in a later issue)."""

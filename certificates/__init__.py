"""Certificates: records, signing, PDF rendering and verification."""

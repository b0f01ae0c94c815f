"""Residents' photos: cleaning every byte of metadata off, storing them, and their records."""

"""API of the catalog app: one ninja Router per record family, mounted in salesdept/api.py."""

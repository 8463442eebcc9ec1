"""API of the sales app: one ninja Router per record family, mounted in salesdept/api.py."""

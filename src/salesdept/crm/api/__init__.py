"""API of the crm app: one ninja Router per record family, mounted in salesdept/api.py."""

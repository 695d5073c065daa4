"""Open Contracting Data Standard 1.1.5: the public events of a procurement as releases, packages and records.

Pure mapping (no I/O, no clock): `services/ocds.py` reads the events and the public records, this package says what
each becomes. The official schemas are data in `schema/` (see its README for their notice).
"""

"""Pure rules of the regulations (standard library and `holidays` only; no I/O, no clock reads)."""

"""Use cases: one function per command or query, taking the ports they need (`Deps`)."""

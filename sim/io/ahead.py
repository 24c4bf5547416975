"""Reading and writing one step ahead: the next item of a sequence is made in a second thread
while the caller works on the current one.

The log readers decode the next Parquet column while the current one is converted, and the
writer makes the next slice of review rows into a table while the current one is encoded. Both
halves release the GIL for their heavy work (pyarrow's decoders and encoders, numpy's passes), so
they run side by side on two cores; only two items are held at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_END = object()


def ahead(items: Iterable[T]) -> Iterator[T]:
    """The items of ``items`` in order, each next one made in a second thread while the caller
    has the current one. An exception raised in making an item is raised here, in its place."""
    source = iter(items)
    with ThreadPoolExecutor(max_workers=1) as pool:
        coming = pool.submit(next, source, _END)
        while (item := coming.result()) is not _END:
            coming = pool.submit(next, source, _END)
            yield item
            del item  # the caller is done with it: its memory may serve the next

"""Writing files without ever leaving half of one, and telling files apart.

An export is written to a temporary file in the target's directory, flushed
to disk, then renamed over the target (:func:`os.replace` is atomic): a crash
or a full disk leaves the old file or the new one, never a truncated mix.
"""

import contextlib
import os
import tempfile

__all__ = ["same_file", "text_output"]


def same_file(a, b):
    """Whether two paths name one file: the same inode if both exist (hard
    links, symlinks, ``./x`` and ``x`` alike), else the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(
            os.path.realpath(b)
        )


@contextlib.contextmanager
def text_output(file):
    """A text file to write to: ``file`` itself if it is one, else a
    temporary file that replaces the path atomically once written whole."""
    if hasattr(file, "write"):
        yield file
        return
    target = os.path.realpath(os.fspath(file))  # replace a symlink's target
    folder = os.path.dirname(target)
    fd, temp = tempfile.mkstemp(
        dir=folder, prefix="." + os.path.basename(target) + ".", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise

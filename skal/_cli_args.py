"""Argument types of the ``skal`` command line: a bad value is refused by
argparse, naming the option, before any work starts."""

import argparse

__all__ = ["fraction", "positive_int"]


def positive_int(text):
    """An integer of at least 1 (``--budget``, ``--batch-size``, ...).

    >>> positive_int("20")
    20
    >>> positive_int("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a whole number of at least 1, got '0'
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of at least 1, got {text!r}"
        )
    return value


def fraction(text):
    """A number strictly between 0 and 1 (``--test-size``).

    >>> fraction("0.25")
    0.25
    >>> fraction("1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a number between 0 and 1 (exclusive), got '1'
    """
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(
            f"must be a number between 0 and 1 (exclusive), got {text!r}"
        )
    return value

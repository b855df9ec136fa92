"""The answers that are not labels: :data:`SKIP`, :data:`UNKNOWN`,
:data:`STOP` (public in :mod:`skal.engine` and :mod:`skal.oracles`)."""

__all__ = ["SKIP", "STOP", "UNKNOWN"]


class _Marker:
    def __init__(self, name, doc, module="skal.engine"):
        self.name = name
        self.__doc__ = doc
        # Pickled by name from its public module (see __reduce__).
        self.__module__ = module

    def __repr__(self):
        return self.name

    def __reduce__(self):
        # Unpickle to the same object, so identity checks keep working.
        return self.name


#: Answer meaning "skip this sample for now" (may be asked in a later session).
SKIP = _Marker("SKIP", "Skip this sample for now.")
#: Answer meaning "don't know": the sample is never asked again.
UNKNOWN = _Marker("UNKNOWN", "Don't know: never ask this sample again.")
#: Answer ending the session; labels given so far are kept.
STOP = _Marker("STOP", "Stop the session.")

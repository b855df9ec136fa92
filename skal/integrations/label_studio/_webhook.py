"""A webhook receiver that wakes the sync loop when Label Studio says so.

Label Studio POSTs to the receiver when annotations or tasks change; the
receiver only sets an event, and the loop then pulls the project's state
through the API. Nothing in a webhook's body is trusted or needed, so a lost
or duplicated call costs at most one poll interval.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["WEBHOOK_ACTIONS", "WebhookReceiver", "parse_address"]

#: The Label Studio events that change what skal learns from.
WEBHOOK_ACTIONS = (
    "ANNOTATION_CREATED",
    "ANNOTATIONS_CREATED",
    "ANNOTATION_UPDATED",
    "ANNOTATIONS_DELETED",
    "TASKS_CREATED",
    "TASKS_DELETED",
)

PATH = "/skal/label-studio"


def parse_address(address):
    """``"host:port"`` (or a ``(host, port)`` pair) as a ``(host, port)`` pair.

    Examples
    --------
    >>> from skal.integrations.label_studio._webhook import parse_address
    >>> parse_address("127.0.0.1:8765")
    ('127.0.0.1', 8765)
    """
    if isinstance(address, (tuple, list)) and len(address) == 2:
        host, port = address
    else:
        host, sep, port = str(address).rpartition(":")
        if not sep or not host:
            raise ValueError(
                f"webhook must be HOST:PORT (e.g. 127.0.0.1:8765), got {address!r}."
            )
    try:
        port = int(port)
    except ValueError:
        raise ValueError(f"webhook port must be a number, got {port!r}.") from None
    if not 0 <= port < 65536:
        raise ValueError(f"webhook port must be in 0..65535, got {port}.")
    return str(host), port


class WebhookReceiver:
    """An HTTP server, in a thread, that sets ``event`` on each POST.

    Parameters
    ----------
    address : str or tuple
        ``"host:port"`` to listen on; port 0 picks a free one.
    event : threading.Event
        Set on every call.

    Attributes
    ----------
    url : str
        The address to register in Label Studio.
    calls : int
        POSTs received.

    Examples
    --------
    >>> import threading, urllib.request
    >>> from skal.integrations.label_studio._webhook import WebhookReceiver
    >>> event = threading.Event()
    >>> with WebhookReceiver("127.0.0.1:0", event) as receiver:
    ...     request = urllib.request.Request(receiver.url, data=b"{}", method="POST")
    ...     urllib.request.urlopen(request).status
    200
    >>> event.is_set()
    True
    """

    def __init__(self, address, event):
        host, port = parse_address(address)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                receiver.calls += 1
                event.set()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass  # the sync's progress line says what matters

        self.calls = 0
        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"http://{bound_host}:{bound_port}{PATH}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="skal-webhook", daemon=True
        )
        self._thread.start()

    def close(self):
        """Stop listening (idempotent)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

"""The HTTP and command-line adapters: thin layers that parse, authorize, call the service in
``workflow`` and serialize."""

from .app import create_app

__all__ = ["create_app"]

"""The HTTP and command-line adapters: thin layers that parse, authorize, call the service in
``workflow`` and serialize."""

from api.app import create_app

__all__ = ["create_app"]

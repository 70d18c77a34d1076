"""Offline stand-ins for the services the adapters talk to (for tests and demos)."""

from rustybt.adapters.testing.replay import ReplayServer, Response

__all__ = ["ReplayServer", "Response"]

"""RustyBT Data composition root: configuration, the dependency-injection container and the CLI."""

from rustybt.app.config import Settings, load_settings
from rustybt.app.container import Container, build_container

__version__ = "0.1.0"

__all__ = ["Container", "Settings", "__version__", "build_container", "load_settings"]

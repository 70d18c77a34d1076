"""Workspace-wide pytest settings."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The machine is shared and small: property tests are judged on results, never on timing.
settings.register_profile("rustybt", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "rustybt"))

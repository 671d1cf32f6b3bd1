"""Provides the edge agent's exception hierarchy: one base class, named subclasses per failure.

Names follow STYLE.md (`ManifestMismatch`, `SourceUnavailable`), hence the N818 waivers.
"""

from __future__ import annotations


class EdgeError(Exception):
    """Base class of every error the edge agent raises on purpose."""


class ModelUnavailable(EdgeError):
    """A model named by the caller is not in the manifest, or its file is missing."""


class ManifestMismatch(EdgeError):
    """A model file or its session disagrees with its `models/manifest.json` entry."""


class ConfigError(EdgeError):
    """A device config file is unreadable or invalid; `str()` gives one problem per line.

    Each line reads `file -> key.path -> value -> message`, the format `--validate-config` prints.
    """

    def __init__(self, problems: list[str]) -> None:
        """Keeps the formatted problem lines.

        Args:
            problems: one `file -> key.path -> value -> message` line per problem (at least one).
        """
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


class SourceUnavailable(EdgeError):
    """A frame source cannot be opened: missing fixture, unreadable video, camera not present."""


class OutboxFull(EdgeError):
    """The outbox has no room for an event within its disk budget; the event was not accepted."""

"""The audience stage: subscriber lists as Excel and Outlook export them, segments, and the suppression list."""

import typing as _typing

from .._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from .segments import Segment, Segments, load_segments
    from .subscribers import Subscriber, SubscriberReport, read_subscribers, write_subscribers
    from .suppression import Suppression, Suppressions, load_suppressions, write_suppressions

__all__ = [
    "Segment",
    "Segments",
    "Subscriber",
    "SubscriberReport",
    "Suppression",
    "Suppressions",
    "load_segments",
    "load_suppressions",
    "read_subscribers",
    "write_subscribers",
    "write_suppressions",
]

__getattr__, __dir__ = _lazy_exports(__name__, {
    "Segment": ".segments",
    "Segments": ".segments",
    "Subscriber": ".subscribers",
    "SubscriberReport": ".subscribers",
    "Suppression": ".suppression",
    "Suppressions": ".suppression",
    "load_segments": ".segments",
    "load_suppressions": ".suppression",
    "read_subscribers": ".subscribers",
    "write_subscribers": ".subscribers",
    "write_suppressions": ".suppression",
})

"""The audience stage: subscriber lists as Excel and Outlook export them, segments, and the suppression list."""

from .._public import publish as _publish
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

_publish(globals())

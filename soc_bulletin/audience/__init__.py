"""The audience stage: subscriber lists as Excel and Outlook export them, segments, and the suppression list."""

from .segments import Segment, Segments, load_segments
from .subscribers import Subscriber, SubscriberReport, read_subscribers, write_subscribers
from .suppression import Suppression, Suppressions, add_suppression, load_suppressions

__all__ = [
    "Segment",
    "Segments",
    "Subscriber",
    "SubscriberReport",
    "Suppression",
    "Suppressions",
    "add_suppression",
    "load_segments",
    "load_suppressions",
    "read_subscribers",
    "write_subscribers",
]

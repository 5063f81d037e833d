"""A DNS server on 127.0.0.1 for the tests, answering from a dictionary: never the real DNS.

dnspython, which the lookups use anyway, parses the queries and writes the
answers (``dns.message``); UDP and TCP run in threads on one port the UDP
socket bound itself (port 0). Unknown names are NXDOMAIN; a known name
without the asked type answers empty; ``failing`` makes every answer a
SERVFAIL, ``silent`` answers nothing (a time-out).
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


def txt(value: str, /) -> str:
    """A TXT record's text, split into the 255-byte strings DNS allows."""
    return " ".join('"' + value[i : i + 255].replace('"', '\\"') + '"' for i in range(0, max(len(value), 1), 255))


class DNSServer:
    """Answers ``records`` ((name, type) -> rdata texts) on 127.0.0.1; ``address`` is ``127.0.0.1:port``."""

    def __init__(self, records: Mapping[tuple[str, str], Iterable[str]]) -> None:
        self.records = {(name.lower().rstrip("."), kind.upper()): list(values) for (name, kind), values in records.items()}
        self.failing = False
        self.silent = False
        self.queries: list[tuple[str, str]] = []
        for _ in range(20):  # UDP binds port 0 itself; TCP takes the same port, else both try again
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._udp.bind(("127.0.0.1", 0))
            self.port = int(self._udp.getsockname()[1])
            self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self._tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self._udp.close()
                self._tcp.close()
        self._tcp.listen(8)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=loop, daemon=True) for loop in (self._serve_udp, self._serve_tcp)]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def answer(self, wire: bytes, /, *, limit: int = 65535) -> bytes | None:
        """The response to the query ``wire`` (None: stay silent)."""
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name, kind = question.name.to_text().lower().rstrip("."), dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, kind))
        if self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if self.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif (name, kind) in self.records:
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", kind, *self.records[name, kind]))
        elif not any(known == name for known, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        payload = query.payload if query.edns >= 0 else 512
        try:
            return response.to_wire(max_size=min(limit, payload))
        except dns.exception.TooBig:
            response.answer.clear()
            response.flags |= dns.flags.TC
            return response.to_wire()

    def _serve_udp(self) -> None:
        self._udp.settimeout(0.1)
        while not self._stop.is_set():
            try:
                wire, peer = self._udp.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self.answer(wire)
            if reply is not None:
                self._udp.sendto(reply, peer)

    def _serve_tcp(self) -> None:
        self._tcp.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    size = struct.unpack("!H", conn.recv(2))[0]
                    reply = self.answer(conn.recv(size))
                    if reply is not None:
                        conn.sendall(struct.pack("!H", len(reply)) + reply)
                except (OSError, struct.error):
                    pass

    def start(self) -> DNSServer:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._udp.close()
        self._tcp.close()


@contextmanager
def dns_server(records: Mapping[tuple[str, str], Iterable[str]]) -> Iterator[DNSServer]:
    """A running :class:`DNSServer`, stopped on exit."""
    server = DNSServer(records).start()
    try:
        yield server
    finally:
        server.stop()

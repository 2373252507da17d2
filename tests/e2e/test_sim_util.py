"""Helpers for the virtual board's tests: a small ROM-protocol client over
socket:// or rfc2217:// written from esptool's serial-protocol document, so
the tests speak to `espburn sim` as any host tool would. No tests here."""
import base64
import json
import pathlib
import socket
import struct
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
STUB_JSON = ROOT / "node_modules/esptool-js/lib/targets/stub_flasher/stub_flasher_32.json"

SYNC_DATA = b"\x07\x07\x12\x20" + b"\x55" * 32
IAC, WILL, DO, SB, SE = 255, 251, 253, 250, 240
COM_PORT = 44


def slip(p):
    return b"\xc0" + p.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def checksum(data):
    c = 0xEF
    for b in data:
        c ^= b
    return c


class Link:
    """Bytes to and from the board; DTR/RTS and baud over RFC 2217."""

    def __init__(self, url):
        self.telnet = url.startswith("rfc2217://")
        host, port = url.split("://")[1].rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tstate = 0
        self.sb = b""
        self.replies = []
        if self.telnet:
            self.sock.sendall(bytes([IAC, WILL, COM_PORT, IAC, DO, 0, IAC, WILL, 0, IAC, DO, 3]))

    def close(self):
        self.sock.close()

    def write(self, data):
        if self.telnet:
            data = data.replace(b"\xff", b"\xff\xff")
        self.sock.sendall(data)

    def _subneg(self, body):
        self.sock.sendall(bytes([IAC, SB, COM_PORT]) + body.replace(b"\xff", b"\xff\xff") + bytes([IAC, SE]))

    def set_lines(self, dtr=None, rts=None):
        # one line per message, as RFC 2217 allows
        if dtr is not None:
            self._subneg(bytes([5, 8 if dtr else 9]))
        if rts is not None:
            self._subneg(bytes([5, 11 if rts else 12]))

    def set_baud(self, baud):
        self._subneg(bytes([1]) + struct.pack(">I", baud))

    def _untelnet(self, raw):
        out = bytearray()
        for c in raw:
            if self.tstate == 0:
                if c == IAC:
                    self.tstate = 1
                else:
                    out.append(c)
            elif self.tstate == 1:
                if c == IAC:
                    out.append(c)
                    self.tstate = 0
                elif c == SB:
                    self.sb, self.tstate = b"", 3
                elif c in (251, 252, 253, 254):
                    self.tstate = 2
                else:
                    self.tstate = 0
            elif self.tstate == 2:
                self.tstate = 0
            elif self.tstate == 3:
                if c == IAC:
                    self.tstate = 4
                else:
                    self.sb += bytes([c])
            elif self.tstate == 4:
                if c == SE:
                    self.replies.append(self.sb)
                    self.tstate = 0
                else:
                    self.sb += bytes([c])
                    self.tstate = 3
        return bytes(out)

    def read(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            raw = self.sock.recv(65536)
        except (socket.timeout, BlockingIOError):
            return b""
        if raw == b"":
            raise ConnectionError("the board closed the connection")
        return self._untelnet(raw) if self.telnet else raw


class Loader:
    """ROM/stub protocol client."""

    def __init__(self, url, stub_status=False):
        self.link = Link(url)
        self.buf = b""
        self.text = b""        # bytes outside frames (boot messages)
        self.status_len = 2 if stub_status else 4

    def close(self):
        self.link.close()

    def read_frame(self, timeout=1.0):
        """Next SLIP frame (decoded), or None on timeout."""
        deadline = time.time() + timeout
        while True:
            start = self.buf.find(b"\xc0")
            if start > 0:
                self.text += self.buf[:start]
                self.buf = self.buf[start:]
            if start >= 0:
                end = self.buf.find(b"\xc0", 1)
                if end == 1:  # an empty frame: two delimiters
                    self.buf = self.buf[1:]
                    continue
                if end > 0:
                    frame, self.buf = self.buf[1:end], self.buf[end + 1:]
                    return frame.replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")
            elif self.buf:
                self.text += self.buf
                self.buf = b""
            left = deadline - time.time()
            if left <= 0:
                return None
            self.buf += self.link.read(left)

    def reset_into_download(self):
        """The classic DTR/RTS sequence, one line per RFC 2217 message."""
        self.link.set_lines(dtr=False, rts=True)   # EN low
        time.sleep(0.1)
        self.link.set_lines(dtr=True)               # both asserted: EN released
        self.link.set_lines(rts=False)              # DTR alone: GPIO0 low
        time.sleep(0.05)
        self.link.set_lines(dtr=False)
        return self.read_text(0.2)

    def read_text(self, timeout=0.3):
        self.read_frame(timeout)
        return self.text.decode("latin-1")

    def send(self, op, data=b"", chk=0):
        self.link.write(slip(struct.pack("<BBHI", 0, op, len(data), chk) + data))

    def response(self, op, timeout=1.0):
        """(value, body, status) of the next response to op, or None."""
        deadline = time.time() + timeout
        while True:
            f = self.read_frame(max(deadline - time.time(), 0))
            if f is None:
                return None
            if len(f) >= 8 and f[0] == 1 and f[1] == op:
                value = struct.unpack("<I", f[4:8])[0]
                body = f[8:]
                return value, body[:-self.status_len], body[-self.status_len:]

    def command(self, op, data=b"", chk=0, timeout=1.0):
        self.send(op, data, chk)
        return self.response(op, timeout)

    def check(self, op, data=b"", chk=0, timeout=3.0):
        r = self.command(op, data, chk, timeout)
        assert r is not None, f"no answer to op 0x{op:02x}"
        assert r[2][0] == 0, f"op 0x{op:02x} failed with status {r[2].hex()}"
        return r

    def sync(self, tries=5):
        for _ in range(tries):
            r = self.command(0x08, SYNC_DATA, timeout=0.3)
            if r:
                for _ in range(7):
                    self.response(0x08, 0.1)
                return r
        return None

    def read_reg(self, addr):
        return self.check(0x0A, struct.pack("<I", addr))[0]

    def upload_stub(self, stub=None):
        stub = stub or json.loads(STUB_JSON.read_text())
        for key, start in (("text", "text_start"), ("data", "data_start")):
            blob = base64.b64decode(stub[key])
            blocks = (len(blob) + 0x17FF) // 0x1800
            self.check(0x05, struct.pack("<IIII", len(blob), blocks, 0x1800, stub[start]))
            for seq in range(blocks):
                part = blob[seq * 0x1800:(seq + 1) * 0x1800]
                self.check(0x07, struct.pack("<IIII", len(part), seq, 0, 0) + part, checksum(part))
        self.check(0x06, struct.pack("<II", 0, stub["entry"]))
        ohai = self.read_frame(2.0)
        if ohai == b"OHAI":
            self.status_len = 2
        return ohai

    def flash_defl(self, offset, data, block=0x4000, stub=True):
        import zlib
        comp = zlib.compress(data, 9)
        blocks = (len(comp) + block - 1) // block
        size = len(data) if stub else (len(data) + 0x3FF) // 0x400 * 0x400
        self.check(0x10, struct.pack("<IIII", size, blocks, block, offset), timeout=30)
        for seq in range(blocks):
            part = comp[seq * block:(seq + 1) * block]
            self.check(0x11, struct.pack("<IIII", len(part), seq, 0, 0) + part, checksum(part), timeout=30)

    def md5(self, offset, size):
        return self.check(0x13, struct.pack("<IIII", offset, size, 0, 0), timeout=30)[1]

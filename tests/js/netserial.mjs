// netserial.mjs - a Web Serial `SerialPort` look-alike over a TCP endpoint
// (socket://HOST:PORT) or an RFC 2217 endpoint (rfc2217://HOST:PORT), so that
// esptool-js, written for browsers, can talk to `espburn sim` from Node.
// Only the parts esptool-js uses: open/close, readable/writable streams,
// setSignals, getInfo. Closing the port keeps the TCP connection (a real
// serial device stays plugged in); bytes arriving while closed are dropped.
import net from "node:net";

const IAC = 255, SB = 250, SE = 240, WILL = 251, DO = 253, COM_PORT = 44;

export class NetSerialPort {
  constructor(url, info = {}) {
    const m = /^(socket|rfc2217):\/\/([^:]+):(\d+)$/.exec(url);
    if (!m) throw new Error(`not a socket:// or rfc2217:// URL: ${url}`);
    this.telnet = m[1] === "rfc2217";
    this.host = m[2];
    this.port = Number(m[3]);
    this.info = info;
    this.sock = null;
    this.opened = false;
    this._readable = null;
    this._controller = null;
    this._writable = null;
    this.tstate = 0;
    this.pending = [];       // bytes that came before the port was first opened
    this.inbox = [];         // bytes not read yet
    this._wake = null;       // a read waiting for bytes
    this.everOpened = false;
    this.signals = { dataTerminalReady: false, requestToSend: false };
  }

  getInfo() { return this.info; }

  // Plug the board in, then open the port a moment later: over TCP the
  // virtual board powers up when the connection is made and prints its ROM
  // banner, which the USB bridge holds until the port is opened (the first
  // read gets all of it, as esptool-js expects after a reset). Later, bytes
  // that arrive while the port is closed are dropped, as by a closed port.
  async plugIn(settleMs = 300) {
    await this._connect();
    await new Promise((ok) => setTimeout(ok, settleMs));
  }

  async _connect() {
    if (this.sock) return;
    this.sock = net.createConnection({ host: this.host, port: this.port });
    this.sock.setNoDelay(true);
    await new Promise((ok, fail) => { this.sock.once("connect", ok); this.sock.once("error", fail); });
    this.sock.on("data", (d) => this._deliver(this.telnet ? this._untelnet(d) : d));
    this.sock.on("error", () => {});
    if (this.telnet) this.sock.write(Buffer.from([IAC, WILL, COM_PORT, IAC, DO, 0, IAC, WILL, 0]));
  }

  _untelnet(d) {
    const out = [];
    for (const c of d) {
      switch (this.tstate) {
        case 0: if (c === IAC) this.tstate = 1; else out.push(c); break;
        case 1:
          if (c === IAC) { out.push(c); this.tstate = 0; }
          else if (c === SB) this.tstate = 3;
          else if (c >= WILL) this.tstate = 2;
          else this.tstate = 0;
          break;
        case 2: this.tstate = 0; break;
        case 3: if (c === IAC) this.tstate = 4; break;
        case 4: this.tstate = c === SE ? 0 : 3; break;
      }
    }
    return Buffer.from(out);
  }

  // Bytes wait in `inbox` until the reader asks: a read returns everything
  // that arrived since the last one, as a browser's serial port does (the
  // OS and the port's buffer gather what came meanwhile), not one chunk per
  // TCP segment (the real-time board sends its boot text a few bytes at a
  // time; esptool-js reads once after a reset and expects all of it).
  _deliver(d) {
    if (!d.length) return;
    if (!this.everOpened) this.pending.push(Buffer.from(d));
    else if (this.opened && this._controller) {
      this.inbox.push(Buffer.from(d));
      if (this._wake) { const w = this._wake; this._wake = null; w(); }
    }
  }

  _pull(c) {
    if (this.inbox.length) {
      c.enqueue(new Uint8Array(Buffer.concat(this.inbox)));
      this.inbox = [];
      return Promise.resolve();
    }
    return new Promise((ok) => { this._wake = ok; }).then(() => { if (this._controller === c) return this._pull(c); });
  }

  _subneg(body) {
    const esc = [];
    for (const b of body) { esc.push(b); if (b === IAC) esc.push(IAC); }
    this.sock.write(Buffer.from([IAC, SB, COM_PORT, ...esc, IAC, SE]));
  }

  async open({ baudRate }) {
    await this._connect();
    this.opened = true;
    this.everOpened = true;
    this.baudRate = baudRate;
    if (this.telnet) this._subneg([1, (baudRate >>> 24) & 255, (baudRate >>> 16) & 255, (baudRate >>> 8) & 255, baudRate & 255]);
  }

  get readable() {
    if (!this.opened) return null;
    if (!this._readable) {
      this._readable = new ReadableStream({
        start: (c) => {
          this._controller = c;
          this.inbox = this.pending;
          this.pending = [];
        },
        pull: (c) => this._pull(c),
        cancel: () => { this._readable = null; this._controller = null; },
      }, { highWaterMark: 0 });
    }
    return this._readable;
  }

  get writable() {
    if (!this.opened) return null;
    if (!this._writable) {
      this._writable = new WritableStream({
        write: (chunk) => {
          let data = Buffer.from(chunk);
          if (this.telnet) {
            const esc = [];
            for (const b of data) { esc.push(b); if (b === IAC) esc.push(IAC); }
            data = Buffer.from(esc);
          }
          return new Promise((ok) => { if (this.sock.write(data)) ok(); else this.sock.once("drain", ok); });
        },
      });
    }
    return this._writable;
  }

  async setSignals(s) {
    if (!this.telnet) return; // a raw socket has no modem lines
    if (s.dataTerminalReady !== undefined && s.dataTerminalReady !== this.signals.dataTerminalReady) {
      this.signals.dataTerminalReady = s.dataTerminalReady;
      this._subneg([5, s.dataTerminalReady ? 8 : 9]);
    }
    if (s.requestToSend !== undefined && s.requestToSend !== this.signals.requestToSend) {
      this.signals.requestToSend = s.requestToSend;
      this._subneg([5, s.requestToSend ? 11 : 12]);
    }
  }

  async close() {
    this.opened = false;
    if (this._controller) { try { this._controller.close(); } catch { /* already closed */ } }
    this._readable = null;
    this._controller = null;
    this._writable = null;
    this.inbox = []; // unread bytes go with the closed stream
    this._wake = null;
  }

  destroy() { if (this.sock) this.sock.destroy(); }
}

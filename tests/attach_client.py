#!/usr/bin/env python3
"""attach_client.py — a small client (and fake servers) of gglab's attach protocol, for
tests/attach.sh: it speaks the protocol from its description in include/gglab/remote.h, not
from gglab's code, so the two are checked against each other.

  attach_client.py view SOCK SECONDS [CMD ...]   hello, send each CMD line, then print what
                                                 comes for SECONDS: "msg KIND TEXT", and at
                                                 the end "rows N", "cols A,B,..", "runs N"
  attach_client.py slow SOCK STALL SECONDS       the same, without commands, after not
                                                 reading for STALL seconds
  attach_client.py raw SOCK KIND                 send bad input and report how it ended:
                                                 random, huge (claims 4 GiB), half (hello,
                                                 then half a message), silent (nothing),
                                                 type (hello, then store data)
  attach_client.py serve SOCK KIND               a socket that is not a gglab lab: garbage
                                                 or silent, until killed
  attach_client.py stop SOCK                     hello, then ask the lab to stop
"""
import os
import random
import socket
import struct
import sys
import time

MAGIC = b"gglab-attach"
VERSION = 2
HELLO, BYE, COLS, RUN, ROWS, EVENTS, STATUS, CURRENT, GRID, MSG = range(1, 11)
CMD, STOP = 20, 21
REPLY = 8  # lab_msg_kind: INFO ERROR PROGRESS UICMD DONE QUIT LOADING ECHO REPLY REPLY_END


def frame(kind, body=b""):
    return struct.pack("<IB", len(body) + 1, kind) + body


def pstr(s):
    b = s.encode()
    return struct.pack("<H", len(b)) + b


def hello():
    return frame(HELLO, MAGIC + struct.pack("<III", VERSION, os.getpid(), 0) + pstr("test client"))


def gstr(b, off):
    (n,) = struct.unpack_from("<H", b, off)
    return b[off + 2:off + 2 + n].decode(errors="replace"), off + 2 + n


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def frames(s, seconds):
    """Yields (type, body) for SECONDS, or until the lab closes the connection."""
    buf = b""
    end = time.time() + seconds
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            data = s.recv(1 << 16)
        except socket.timeout:
            continue
        if not data:
            print("closed")
            return
        buf += data
        while len(buf) >= 4:
            (n,) = struct.unpack_from("<I", buf)
            if len(buf) < 4 + n:
                break
            yield buf[4], buf[5:4 + n]
            buf = buf[4 + n:]


def view(path, seconds, cmds, stall=0):
    s = connect(path)
    s.sendall(hello())
    if stall:  # a viewer that stops reading for a while (its socket fills up)
        time.sleep(stall)
    rows, cols, runs, sent = {}, [], 0, False
    for kind, body in frames(s, seconds):
        if kind == HELLO and not sent:
            assert body[:12] == MAGIC, "a hello without the magic"
            (version, pid, viewer) = struct.unpack_from("<III", body, 12)
            print("hello version %d pid %d viewer %d" % (version, pid, viewer))
            for c in cmds:
                s.sendall(frame(CMD, pstr(c)))
            sent = True
        elif kind == MSG:
            # kind u8, run u32, step u64, viewer u32, text
            (who,) = struct.unpack_from("<I", body, 13)
            text, _ = gstr(body, 17)
            print("msg %d %s" % (body[0], text))
            if body[0] == REPLY:
                print("reply to viewer %d: %s" % (who, text))
        elif kind == COLS:
            first, n = struct.unpack_from("<II", body)
            off = 8
            for _ in range(n):
                name, off = gstr(body, off)
                cols.append(name)
        elif kind == RUN:
            runs += 1
        elif kind == ROWS:
            run, frm, ncols, n = struct.unpack_from("<IQII", body)
            assert len(body) == 20 + n * (8 + 8 * ncols), "rows that do not fill their message"
            assert run < runs and frm <= rows.get(run, 0), "rows past what the viewer has"
            rows[run] = frm + n
        elif kind == BYE:
            print("bye %s" % gstr(body, 0)[0])
    print("rows %d" % sum(rows.values()))
    print("cols %s" % ",".join(cols))
    print("runs %d" % runs)


def raw(path, kind):
    s = connect(path)
    t0 = time.time()
    if kind == "random":
        rnd = random.Random(7)
        s.sendall(bytes(rnd.randrange(256) for _ in range(4096)))
    elif kind == "huge":
        s.sendall(struct.pack("<I", 0xFFFFFFFF) + b"\x14" + b"x" * 100)
    elif kind == "half":
        s.sendall(hello())
        s.sendall(struct.pack("<IB", 100, CMD) + b"only part")
    elif kind == "type":
        s.sendall(hello())
        s.sendall(frame(COLS, struct.pack("<II", 0, 0)))
    # "silent": nothing at all
    bye = ""
    for k, body in frames(s, 15):
        if k == BYE:
            bye = gstr(body, 0)[0]
    print("closed after %.0f s: %s" % (time.time() - t0, bye))


def serve(path, kind):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    print("ready", flush=True)
    while True:
        c, _ = srv.accept()
        if kind == "garbage":
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
        time.sleep(10)
        c.close()


def stop(path):
    s = connect(path)
    s.sendall(hello())
    s.sendall(frame(STOP))
    for _ in frames(s, 10):
        pass


if __name__ == "__main__":
    what, path = sys.argv[1], sys.argv[2]
    if what == "view":
        view(path, float(sys.argv[3]), sys.argv[4:])
    elif what == "slow":
        view(path, float(sys.argv[4]), [], float(sys.argv[3]))
    elif what == "raw":
        raw(path, sys.argv[3])
    elif what == "serve":
        serve(path, sys.argv[3])
    elif what == "stop":
        stop(path)
    sys.stdout.flush()

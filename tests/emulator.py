# Emulator of the Faiz API gateway and its ID-card recogniser, for the faiz-idcard tests (127.0.0.1 only).
"""Strict emulator of the Faiz API gateway's POST /api/ai/ocr/idcard.

Behaviour follows /work/shared/reference/gateway-protocol.md:

* Only POST /api/ai/ocr/idcard is an interface; anything else is a bare 403.
* Authentication, in the gateway's order: accessKey must be known; nonce must
  be non-blank and unseen in the last 300 s (one store for all users);
  timestamp must parse as a Java long and now - timestamp <= 300 (the future
  is accepted); sign must equal sha256_hex(body + "." + secret), where a
  missing or blank body header is signed as the string "null".  Any failure
  is a bare 403 with an empty body.
* Every response carries a Date header from the emulator's clock (real time
  plus --clock-offset), so a test can simulate client clock skew.
* Every HTTP 200 answered after authentication is "charged".
* Optional backend rate limiter (--backend-rate R, config "backend_rate"):
  the backend behind the gateway admits requests through a Guava
  RateLimiter.create(R) used with tryAcquire(); see BackendLimiter.  A refusal
  is HTTP 200 {"code":50004,...} and, like every HTTP 200, is charged.
  It is off by default (R = 0) because the functional tests send requests
  back to back and must stay fast; the pacing tests and tests/bench.sh turn
  it on.

Recognition reads the card's fields from a JPEG COM segment whose payload
starts "FAIZ-SPECIMEN " (written by tests/mkcards.py), or else from
<fixtures>/<sha256 of body>.json.

Faults that dress an authenticated answer (queued with /_emu/faults) include,
besides the simple names: "redirect:URL" (302 with Location: URL, empty
body), "type:FIELD" (a recognition whose data.FIELD has the wrong JSON type:
a number for a string, a string for a boolean, an array for an object or for
error_code; see WRONG_TYPE), "ec-msg:CODE:TEXT" (error_code CODE whose
error_msg is TEXT, control characters and all), "chunked-cut" (a recognition sent with
Transfer-Encoding: chunked, cut off mid-way by closing the connection) and "cut-json" (a
complete HTTP 200 whose body is the first half of a recognition's JSON, as a gateway passing
on a backend's cut answer would send; charged like every 200).

--tls-cert FILE --tls-key FILE serve HTTPS (Python's ssl) instead of HTTP,
control endpoints included; a client that refuses the certificate fails the
handshake before any request reaches the handler (nothing is logged).

Test-only control endpoints live under /_emu/ (see handle_control).
Standard library plus PIL only.
"""

import argparse
import base64
import hashlib
import io
import json
import math
import os
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

INTERFACE_PATH = "/api/ai/ocr/idcard"
NONCE_TTL = 300
TIMESTAMP_WINDOW = 300
DEFAULT_KEY = ("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210")
SPECIMEN_PREFIX = b"FAIZ-SPECIMEN "
MAX_BODY = 64 * 1024 * 1024
RECOGNISER_MAX_BODY = 3145728  # 4 MiB after base64
RECOGNISER_MAX_SIDE = 4000
HUGE_LENGTH = 64 * 1024 * 1024

# Crop regions as fractions (left, top, right, bottom); must match LAYOUT in tests/mkcards.py.
PORTRAIT_BOX = (0.62, 0.10, 0.90, 0.70)
ID_NUMBER_BOX = (0.30, 0.77, 0.97, 0.93)

ERROR_MSG = {
    0: "ok", 40001: "invalid parameter", 40002: "missing parameter", 40003: "invalid user or password",
    40004: "missing request body", 40005: "invalid image format", 40006: "invalid image size",
    40007: "fail to recognize", 40008: "invalid content type", 40009: "corrupted request body",
    40010: "fail to extract image", 50001: "backend down", 50004: "timeout", 90099: "unknown",
}

FRONT_FIELDS = ("name", "sex", "people", "birthday", "address", "id_number")
BACK_FIELDS = ("issue_authority", "validity")
FLAG_FIELDS = {"border_covered": False, "complete": True, "gray_image": False,
               "head_blurred": False, "head_covered": False}

QUOTA_TEXT = "调用次数已用完"
SIMPLE_FAULTS = {"ok", "403", "401", "quota", "1414", "50004", "50002", "50000", "50003", "10106",
                 "platform", "502", "503", "504", "reset", "huge", "bad-base64", "not-jpeg-image",
                 "html", "truncated", "cut-json", "data-null", "data-string"}


# type:FIELD: the wrong-typed value put in data.FIELD.
WRONG_TYPE = dict(
    [(k, 12345) for k in ("name", "sex", "people", "birthday", "address", "id_number",
                          "issue_authority", "validity", "type", "cropped_image", "id_number_image")]
    + [(k, "false") for k in ("head_covered", "head_blurred", "border_covered", "gray_image")]
    + [(k, [1, 2]) for k in ("time_cost", "head_portrait")]
    + [("error_code", [0])])


def valid_fault(name):
    if not isinstance(name, str):
        return False
    if name in SIMPLE_FAULTS or name == "chunked-cut":
        return True
    if name.startswith("type:") and name[5:] in WRONG_TYPE:
        return True
    if re.fullmatch(r"redirect:https?://[\x21-\x7e]+", name):
        return True
    if re.fullmatch(r"ec:[0-9]{1,6}", name):
        return True
    if re.fullmatch(r"ec-msg:[0-9]{1,6}:.*", name, re.S):
        return True
    m = re.fullmatch(r"slow:([0-9]+(\.[0-9]+)?)", name)
    return bool(m)


class BackendLimiter:
    """Guava's RateLimiter.create(rate) (SmoothBursty, maxBurstSeconds = 1.0) with tryAcquire().

    A transcription of com.google.common.util.concurrent.SmoothRateLimiter,
    on a monotonic clock in whole microseconds (Guava's Stopwatch.readMicros):

    * create: maxPermits = 1.0 * rate, stableIntervalMicros = 1e6 / rate,
      storedPermits = 0, nextFreeTicketMicros = the creation time;
    * tryAcquire() (1 permit, timeout 0): refused when nextFreeTicketMicros >
      now; otherwise resync (if now > nextFreeTicket, storedPermits =
      min(maxPermits, storedPermits + (now - nextFreeTicket) / stableInterval)
      and nextFreeTicket = now), spend = min(1, storedPermits), fresh = 1 -
      spend, nextFreeTicket += (long) (fresh * stableInterval), storedPermits
      -= spend, admitted (with no wait: the reservation started at now).

    The caller holds the lock; now_us is passed in so it can be unit tested.
    """

    def __init__(self, rate, now_us):
        if not rate > 0 or not math.isfinite(rate):
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.max_permits = 1.0 * self.rate
        self.stable_interval_us = 1e6 / self.rate
        self.stored_permits = 0.0
        self.next_free_us = int(now_us)

    def try_acquire(self, now_us):
        now_us = int(now_us)
        if self.next_free_us > now_us:
            return False
        if now_us > self.next_free_us:
            new_permits = (now_us - self.next_free_us) / self.stable_interval_us
            self.stored_permits = min(self.max_permits, self.stored_permits + new_permits)
            self.next_free_us = now_us
        spend = min(1.0, self.stored_permits)
        fresh = 1.0 - spend
        self.next_free_us += int(fresh * self.stable_interval_us)  # Java's (long) cast truncates
        self.stored_permits -= spend
        return True

    def snapshot(self):
        return {"next_free_us": self.next_free_us, "stored_permits": self.stored_permits}


def mono_us():
    return time.monotonic_ns() // 1000


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def parse_java_long(text):
    """Long.parseLong: optional sign, ASCII digits only, 64-bit range; None if it would throw."""
    if text is None or not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    v = int(text)
    if not -(2 ** 63) <= v < 2 ** 63:
        return None
    return v


def find_specimen(data):
    """Fields from the first FAIZ-SPECIMEN COM segment before the scan, or None."""
    i = 2
    n = len(data)
    while i + 4 <= n and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if marker in (0xDA, 0xD9):
            return None
        seglen = int.from_bytes(data[i + 2:i + 4], "big")
        if seglen < 2 or i + 2 + seglen > n:
            return None
        if marker == 0xFE:
            payload = data[i + 4:i + 2 + seglen]
            if payload.startswith(SPECIMEN_PREFIX):
                try:
                    obj = json.loads(payload[len(SPECIMEN_PREFIX):].decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    return None
                return obj if isinstance(obj, dict) else None
        i += 2 + seglen
    return None


def jpeg_b64(img):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def crop(img, frac):
    w, h = img.size
    l, t, r, b = frac
    return img.crop((int(l * w), int(t * h), max(int(l * w) + 1, int(r * w)), max(int(t * h) + 1, int(b * h))))


def tiny_png():
    img = Image.new("RGB", (16, 16), (10, 200, 30))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class State:
    """Everything shared between handler threads, guarded by one lock."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.keys = dict(args.keys)
        self.fixtures = args.fixtures
        self.quota = args.quota
        self.cli_quota = args.quota  # what reset goes back to
        self.cli = {"clock_offset": args.clock_offset, "latency": args.latency, "always": None,
                    "backend_rate": args.backend_rate, "no_images": args.no_images}
        self.logfile = open(args.log, "a", encoding="utf-8") if args.log else None
        self.image_cache = {}
        self.png = tiny_png()
        self.reset()

    def reset(self):
        with self.lock:
            self.config = dict(self.cli)
            self.faults = []
            self.requests = []
            self.nonces = {}  # nonce -> monotonic expiry; insertion order is expiry order
            self.charged = 0
            self.refused = 0
            self.quota = self.cli_quota
            self.set_backend_rate(self.config["backend_rate"])

    def set_backend_rate(self, rate):
        """A new backend limiter (as if the backend restarted), or none for rate 0.  Lock held."""
        self.limiter = BackendLimiter(rate, mono_us()) if rate > 0 else None

    def now(self):
        return time.time() + self.config["clock_offset"]

    def log(self, line):
        if self.logfile:
            with self.lock:
                self.logfile.write(line + "\n")
                self.logfile.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the body would
    # wait for the client's delayed ACK (about 40 ms a request).
    disable_nagle_algorithm = True

    def version_string(self):
        return "FaizGatewayEmulator/1.0"

    # --- plumbing -----------------------------------------------------------------

    @property
    def st(self):
        return self.server.state

    def date_time_string(self, timestamp=None):
        # The Date header comes from the emulator's (possibly offset) clock.
        return formatdate(self.st.now() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, fmt, *args):
        self.st.log("%s %s" % (self.address_string(), fmt % args))

    def read_body(self):
        """Request body (Content-Length or chunked).  None if unreadable or over MAX_BODY."""
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    return None
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(8192)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    return bytes(out)
                if len(out) + size > MAX_BODY:
                    return None
                out += self.rfile.read(size)
                self.rfile.readline(8)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
        except ValueError:
            return None
        if n < 0 or n > MAX_BODY:
            return None
        data = self.rfile.read(n)
        return data if len(data) == n else None

    def send(self, status, body=b"", ctype=None, extra=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def send_json(self, status, obj):
        self.send(status, json.dumps(obj, ensure_ascii=False, separators=(",", ":")),
                  "application/json;charset=UTF-8")

    def route_path(self):
        """The request path without query; an absolute URI (the client used us as its
        HTTP proxy, as libcurl does with http_proxy set) is reduced to its path."""
        p = self.path
        if p.startswith("http://"):
            parts = p.split("/", 3)
            p = "/" + (parts[3] if len(parts) > 3 else "")
        return p.split("?", 1)[0]

    def do_any(self):
        if self.route_path().startswith("/_emu/"):
            self.handle_control()
        else:
            self.handle_gateway()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_any

    # --- control endpoints (tests only) ----------------------------------------

    def handle_control(self):
        """POST /_emu/faults [names]   queue faults for the next authenticated requests
        POST /_emu/config {...}     clock_offset, latency (s), always (fault or null), quota (int or
                                    null), backend_rate (R >= 0; a new limiter as if the backend
                                    restarted: no stored permits; 0 = off), no_images (bool)
        POST /_emu/reset            queue, log, nonces, counters, config, limiter back to the start
        GET  /_emu/requests         the gateway request log; with a limiter, requests that reached
                                    it carry "backend": {now_us, next_free_us, stored_permits,
                                    admitted} (the limiter's state after the tryAcquire)
        GET  /_emu/stats            {"requests": n, "charged": n, "refused": n (backend refusals)}
        """
        body = self.read_body()
        path = self.route_path()
        st = self.st
        try:
            arg = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            return self.send_json(400, {"error": "body is not JSON"})
        if self.command == "POST" and path == "/_emu/faults":
            if not isinstance(arg, list) or not all(valid_fault(f) for f in arg):
                return self.send_json(400, {"error": "expected a JSON array of known fault names"})
            with st.lock:
                st.faults.extend(arg)
                queued = list(st.faults)
            return self.send_json(200, {"queued": queued})
        if self.command == "POST" and path == "/_emu/config":
            if not isinstance(arg, dict):
                return self.send_json(400, {"error": "expected a JSON object"})
            new = {}
            for k, v in arg.items():
                if k in ("clock_offset", "latency") and isinstance(v, (int, float)) and not isinstance(v, bool):
                    new[k] = float(v)
                elif (k == "backend_rate" and isinstance(v, (int, float)) and not isinstance(v, bool)
                      and math.isfinite(v) and v >= 0):
                    new[k] = float(v)
                elif k == "no_images" and isinstance(v, bool):
                    new[k] = v
                elif k == "always" and (v is None or valid_fault(v)):
                    new[k] = v
                elif k == "quota" and (v is None or (isinstance(v, int) and v >= 0)):
                    new[k] = v
                else:
                    return self.send_json(400, {"error": "bad config key or value: %s" % k})
            with st.lock:
                if "quota" in new:
                    st.quota = new.pop("quota")
                if "backend_rate" in new:
                    st.set_backend_rate(new["backend_rate"])
                st.config.update(new)
                cfg = dict(st.config, quota=st.quota)
            return self.send_json(200, cfg)
        if self.command == "POST" and path == "/_emu/reset":
            st.reset()
            return self.send_json(200, {"reset": True})
        if self.command == "GET" and path == "/_emu/requests":
            with st.lock:
                reqs = list(st.requests)
            return self.send_json(200, reqs)
        if self.command == "GET" and path == "/_emu/stats":
            with st.lock:
                stats = {"requests": len(st.requests), "charged": st.charged, "refused": st.refused}
            return self.send_json(200, stats)
        return self.send_json(404, {"error": "no such control endpoint"})

    # --- the gateway ------------------------------------------------------------

    def handle_gateway(self):
        st = self.st
        body = self.read_body()
        entry = {
            "method": self.command,
            "path": self.path,
            "peer_port": self.client_address[1],
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_len": len(body) if body is not None else None,
            "body_sha256": sha256_hex(body) if body is not None else None,
            "status": None,
            "outcome": None,
            "time": time.time(),
        }
        with st.lock:
            st.requests.append(entry)
            latency = st.config["latency"]
        if body is None:
            # Unreadable request: answer and drop the connection so framing cannot go wrong.
            self.close_connection = True
            entry["body_len"] = 0
            return self.finish_entry(entry, 400, "bad-request", lambda: self.send(400))
        if latency > 0:
            time.sleep(latency)

        outcome = self.authenticate()
        if outcome != "ok":
            return self.finish_entry(entry, 403, outcome, lambda: self.send(403))

        with st.lock:
            fault = st.faults.pop(0) if st.faults else st.config["always"]
            quota_left = st.quota is None or st.charged < st.quota
        if fault in (None, "ok"):
            fault = None
            if not quota_left:
                return self.finish_entry(entry, 500, "quota",
                                         lambda: self.send(500, QUOTA_TEXT, "text/plain;charset=UTF-8"))
            # Forwarded to the backend, whose own limiter comes first.  Faults stand for
            # answers from elsewhere and never reach it.
            with st.lock:
                lim = st.limiter
                if lim is not None:
                    now = mono_us()
                    admitted = lim.try_acquire(now)
                    entry["backend"] = dict(lim.snapshot(), now_us=now, admitted=admitted)
                    if not admitted:
                        st.refused += 1
            if lim is not None and not admitted:
                text = json.dumps({"code": 50004, "data": None, "message": "接口正被频繁调用，请稍后再试"},
                                  ensure_ascii=False, separators=(",", ":"))
                return self.finish_entry(entry, 200, "backend-refused",
                                         lambda: self.send(200, text, "application/json;charset=UTF-8"))
        self.answer(entry, body, fault)

    def finish_entry(self, entry, status, outcome, action):
        entry["status"] = status
        entry["outcome"] = outcome
        if status == 200:
            with self.st.lock:
                self.st.charged += 1
        self.st.log("%s %s -> %s %s" % (entry["method"], entry["path"], status, outcome))
        try:
            action()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def authenticate(self):
        """Gateway checks in the gateway's order; returns "ok" or the reason for the 403."""
        st = self.st
        # Routes match on the path alone, as Spring Cloud Gateway does; a query string does not matter.
        if self.command != "POST" or self.route_path() != INTERFACE_PATH:
            return "no-route"
        h = self.headers
        access_key = h.get("accessKey")
        secret = st.keys.get(access_key) if access_key is not None else None
        if secret is None:
            return "unknown-key"
        nonce = h.get("nonce")
        if nonce is None or not nonce.strip():
            return "no-nonce"
        # The nonce is stored as soon as it passes the replay check, before the
        # timestamp and signature are looked at (the gateway writes it to Redis
        # at that point).  So a request with a known key and a fresh nonce but a
        # stale timestamp or a wrong sign still uses the nonce up; a request with
        # an unknown key or a blank nonce does not.
        mono = time.monotonic()
        with st.lock:
            while st.nonces:
                oldest = next(iter(st.nonces))
                if st.nonces[oldest] > mono:
                    break
                del st.nonces[oldest]
            if nonce in st.nonces:
                return "replay"
            st.nonces[nonce] = mono + NONCE_TTL
        ts = parse_java_long(h.get("timestamp"))
        if ts is None:
            return "bad-timestamp"
        if int(st.now()) - ts > TIMESTAMP_WINDOW:
            return "stale"
        body_hdr = h.get("body")
        # Header values arrive decoded as ISO-8859-1; re-encoding gives back the raw (UTF-8) bytes.
        signed = b"null" if body_hdr is None or not body_hdr.strip() else body_hdr.encode("latin-1", "replace")
        expected = sha256_hex(signed + b"." + secret.encode("utf-8"))
        if h.get("sign") != expected:
            return "bad-sign"
        return "ok"

    # --- answers after authentication ---------------------------------------------

    @staticmethod
    def sid():
        return "wcr" + uuid.uuid4().hex[:21]

    def answer(self, entry, body, fault):
        st = self.st
        if fault is not None and fault.startswith("slow:"):
            time.sleep(float(fault[5:]))
            fault = None
        out = "fault:" + fault if fault else None
        fin = self.finish_entry
        json_ct = "application/json;charset=UTF-8"

        def js(obj):
            return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

        if fault == "403":
            return fin(entry, 403, out, lambda: self.send(403))
        if fault == "401":
            return fin(entry, 401, out, lambda: self.send(401, "ip被封了", "text/plain;charset=UTF-8"))
        if fault == "quota":
            return fin(entry, 500, out, lambda: self.send(500, QUOTA_TEXT, "text/plain;charset=UTF-8"))
        if fault == "1414":
            return fin(entry, 500, out, lambda: self.send(
                500, js({"code": "1414", "message": "服务器限流", "data": "Server throttling", "success": False}), json_ct))
        if fault in ("50004", "50002", "50000", "50003"):
            msg = {"50004": "接口正被频繁调用，请稍后再试", "50002": "接口调用失败",
                   "50000": "系统内部异常", "50003": "接口调用请走网关"}[fault]
            return fin(entry, 200, out, lambda: self.send(
                200, js({"code": int(fault), "data": None, "message": msg}), json_ct))
        if fault == "10106":
            return fin(entry, 200, out, lambda: self.send(
                200, js({"code": "10106", "desc": "invalid parameter|invalid X-Appid", "data": "", "sid": self.sid()}),
                json_ct))
        if fault in ("502", "503", "504"):
            reason = {"502": "Bad Gateway", "503": "Service Unavailable", "504": "Gateway Timeout"}[fault]
            html = "<html><head><title>%s %s</title></head><body><h1>%s %s</h1></body></html>\n" % (
                fault, reason, fault, reason)
            return fin(entry, int(fault), out, lambda: self.send(int(fault), html, "text/html"))
        if fault == "reset":
            return fin(entry, 0, out, self.reset_connection)
        if fault == "huge":
            return fin(entry, 200, out, self.send_huge)
        if fault == "html":
            return fin(entry, 200, out, lambda: self.send(
                200, "<html><head><title>Faiz</title></head><body>welcome</body></html>\n", "text/html"))
        if fault == "data-null":
            return fin(entry, 200, out, lambda: self.send(
                200, js({"code": "0", "data": None, "desc": "success", "sid": self.sid()}), json_ct))
        if fault == "data-string":
            return fin(entry, 200, out, lambda: self.send(
                200, js({"code": "0", "data": "oops", "desc": "success", "sid": self.sid()}), json_ct))
        if fault is not None and fault.startswith("redirect:"):
            return fin(entry, 302, out, lambda: self.send(302, b"", None, {"Location": fault[9:]}))
        if fault is not None and fault.startswith("ec-msg:"):
            # "ec-msg:CODE:TEXT": error_code CODE with the message TEXT as it is
            # (control characters included), for the tests of what reaches stderr.
            code, text = fault[7:].split(":", 1)
            data = {"error_code": int(code), "error_msg": text}
            return fin(entry, 200, out, lambda: self.send(
                200, js({"code": "0", "data": data, "desc": "success", "sid": self.sid()}), json_ct))
        if fault is not None and fault.startswith("ec:"):
            code = int(fault[3:])
            data = {"error_code": code, "error_msg": ERROR_MSG.get(code, "unknown")}
            return fin(entry, 200, out, lambda: self.send(
                200, js({"code": "0", "data": data, "desc": "success", "sid": self.sid()}), json_ct))

        # A recognition, possibly dressed by one of the remaining faults.
        data = self.recognise(body)
        natural = "ok" if data["error_code"] == 0 else "ec:%d" % data["error_code"]
        if fault == "bad-base64":
            for k in ("cropped_image", "id_number_image"):
                if k in data:
                    data[k] = "**not*base64!!" + data[k][:40] + "%%"
            if "head_portrait" in data:
                data["head_portrait"]["image"] = "@@@@" + data["head_portrait"]["image"][:40] + "~~"
        elif fault == "not-jpeg-image":
            png = base64.b64encode(st.png).decode("ascii")
            for k in ("cropped_image", "id_number_image"):
                if k in data:
                    data[k] = png
            if "head_portrait" in data:
                data["head_portrait"]["image"] = png
        if fault is not None and fault.startswith("type:"):
            data[fault[5:]] = WRONG_TYPE[fault[5:]]
        if fault == "platform":
            text = js({"code": 0, "data": data, "message": "success"})
        else:
            text = json.dumps({"code": "0", "data": data, "desc": "success", "sid": self.sid()},
                              ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        if fault == "truncated":
            return fin(entry, 200, out, lambda: self.send_truncated(text.encode("utf-8"), json_ct))
        if fault == "chunked-cut":
            return fin(entry, 200, out, lambda: self.send_chunked_cut(text.encode("utf-8"), json_ct))
        if fault == "cut-json":
            raw = text.encode("utf-8")
            return fin(entry, 200, out, lambda: self.send(200, raw[:len(raw) // 2], json_ct))
        return fin(entry, 200, out or natural, lambda: self.send(200, text, json_ct))

    def recognise(self, body):
        """The recogniser's data object for this upload."""
        if not body:
            return {"error_code": 40004, "error_msg": ERROR_MSG[40004]}
        if not body.startswith(b"\xff\xd8"):
            return {"error_code": 40005, "error_msg": ERROR_MSG[40005]}
        if len(body) > RECOGNISER_MAX_BODY:
            return {"error_code": 40006, "error_msg": ERROR_MSG[40006]}
        digest = sha256_hex(body)
        fields = find_specimen(body)
        if fields is None and self.st.fixtures:
            path = os.path.join(self.st.fixtures, digest + ".json")
            try:
                with open(path, "r", encoding="utf-8") as f:
                    fields = json.load(f)
            except (OSError, ValueError):
                fields = None
        if not isinstance(fields, dict) or "type" not in fields:
            return {"error_code": 40007, "error_msg": ERROR_MSG[40007]}
        with self.st.lock:
            no_images = self.st.config["no_images"]
        images = self.header_check(body) if no_images else self.images_for(digest, body)
        if images is None:
            return {"error_code": 40010, "error_msg": ERROR_MSG[40010]}
        if images == "size":
            return {"error_code": 40006, "error_msg": ERROR_MSG[40006]}
        seed = hashlib.sha256(body).digest()
        data = {"error_code": 0, "error_msg": "ok", "type": fields["type"],
                "time_cost": {"preprocess": 80 + seed[0] % 120, "recognize": 150 + seed[1] % 250}}
        for k, default in FLAG_FIELDS.items():
            v = fields.get(k, default)
            data[k] = v if isinstance(v, bool) else default
        is_back = fields["type"] == "第二代身份证背面"
        for k in (BACK_FIELDS if is_back else FRONT_FIELDS):
            if isinstance(fields.get(k), str):
                data[k] = fields[k]
        if no_images:
            return data
        data["cropped_image"] = images[0]
        if not is_back:
            data["head_portrait"] = {"image": images[1]}
            data["id_number_image"] = images[2]
        return data

    @staticmethod
    def header_check(body):
        """--no-images: only the size check, from the JPEG header (no decoding); None if unreadable."""
        try:
            with Image.open(io.BytesIO(body)) as img:
                return "size" if max(img.size) > RECOGNISER_MAX_SIDE else ()
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            return None

    def images_for(self, digest, body):
        """(cropped, portrait, id_number) base64 JPEGs, cached by digest; None if undecodable."""
        st = self.st
        with st.lock:
            hit = st.image_cache.get(digest)
        if hit is not None:
            return hit
        try:
            img = Image.open(io.BytesIO(body))
            if max(img.size) > RECOGNISER_MAX_SIDE:
                return "size"
            img.load()
            img = img.convert("RGB")
            img.info = {}  # do not carry the upload's COM segment into the returned images
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            return None
        res = (jpeg_b64(img), jpeg_b64(crop(img, PORTRAIT_BOX)), jpeg_b64(crop(img, ID_NUMBER_BOX)))
        with st.lock:
            if len(st.image_cache) > 64:
                st.image_cache.clear()
            st.image_cache[digest] = res
        return res

    def reset_connection(self):
        """Abort the TCP connection: SO_LINGER 0 makes close() send RST, and nothing is answered."""
        self.close_connection = True
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            self.wfile.flush()
        except OSError:
            pass
        self.rfile.close()
        self.wfile.close()
        sock.close()
        # The base class flushes wfile after the handler; give it something harmless.
        self.wfile = io.BytesIO()
        self.rfile = io.BytesIO()

    def send_huge(self):
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(HUGE_LENGTH))
        self.end_headers()
        chunk = (b'{"junk":"' + b"x" * 65526 + b'"}\n')[:65536]
        sent = 0
        try:
            while sent < HUGE_LENGTH:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    def send_truncated(self, body, ctype):
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()


    def send_chunked_cut(self, body, ctype):
        """Transfer-Encoding: chunked, the first half of the body in two chunks, then close."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        half = body[:len(body) // 2]
        for part in (half[:len(half) // 2], half[len(half) // 2:]):
            self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
        self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # One thread per connection; a listen backlog of 5 (the default) would drop
    # SYNs when a client opens 16 or more connections at once.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Clients hanging up mid-answer are expected (huge, timeouts); keep stderr quiet.
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ValueError)):
            return
        super().handle_error(request, client_address)


def key_pair(text):
    ak, sep, sk = text.partition(":")
    if not sep or not ak or not sk:
        raise argparse.ArgumentTypeError("expected ACCESS:SECRET")
    return ak, sk


def nonneg_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number")
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError("expected a number >= 0")
    return v


def main(argv):
    p = argparse.ArgumentParser(prog="emulator.py", description="Faiz API gateway emulator (tests only)")
    p.add_argument("--port-file", required=True, help="write the listening port here (atomically)")
    p.add_argument("--port", type=int, default=0, help="port to bind on 127.0.0.1 (0 = any free port)")
    p.add_argument("--key", dest="keys", action="append", type=key_pair, metavar="AK:SK",
                   help="known access:secret pair (repeatable; default the test pair)")
    p.add_argument("--fixtures", help="directory of <sha256>.json recognition fixtures")
    p.add_argument("--clock-offset", type=float, default=0.0, help="seconds added to the emulator's clock")
    p.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each gateway answer")
    p.add_argument("--quota", type=int, default=None, help="charged calls allowed before 500 调用次数已用完")
    p.add_argument("--backend-rate", type=nonneg_float, default=0.0, metavar="R",
                   help="backend limiter, Guava RateLimiter.create(R) + tryAcquire(): refusals are 200 "
                        "code 50004, charged (default 0 = off, so the functional tests run fast; "
                        "pacing tests and the benchmark turn it on)")
    p.add_argument("--no-images", action="store_true",
                   help="leave cropped_image, head_portrait and id_number_image out of recognitions "
                        "(benchmarks: measure the client, not the emulator's image work)")
    p.add_argument("--log", help="append one line per request to this file")
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate (needs --tls-key)")
    p.add_argument("--tls-key", metavar="FILE", help="the PEM private key of --tls-cert")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if not args.keys:
        args.keys = [DEFAULT_KEY]

    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake runs on accept; a client refusing the certificate never
        # gets as far as the handler, which is what the tests check.
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.port_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

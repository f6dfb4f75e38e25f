# Helper for tests/bench.sh: fast specimen JPEGs, a resource-measuring runner, and result counting.
"""Benchmark helper for tests/bench.sh (not used by make check).

  mkbench.py cards N DIR [--width W]
      Write N distinct specimen card JPEGs DIR/card00001.jpg ... quickly: one
      base image (W x 0.625 W, default 640 x 400, fake data, marked SPECIMEN)
      is encoded once, and each file gets its own FAIZ-SPECIMEN COM segment
      right after SOI (a different fake name and ID number), which is what
      tests/emulator.py reads to "recognise" the card.  Deterministic.

  mkbench.py measure OUT TIMEOUT -- CMD [ARG...]
      Run CMD with stdout to OUT and stderr to OUT.err; print one JSON object:
      {"rc", "elapsed", "cpu_ms" (user+sys of CMD and its children only),
      "maxrss_kb" (peak RSS of CMD), "timed_out"}.  CMD is killed after
      TIMEOUT seconds.  Use one measure per command: RUSAGE_CHILDREN's maxrss is
      the largest child this process ever waited for.

  mkbench.py count-records NDJSON      faiz-idcard records: "TOTAL RECOGNISED"
  mkbench.py count-responses FILE      one gateway response per line: "TOTAL RECOGNISED"
  mkbench.py stats URL                 the emulator's /_emu/stats: "REQUESTS CHARGED REFUSED"
  mkbench.py reset URL                 POST /_emu/reset
"""

import io
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def id_number(i):
    first17 = "110101%04d%02d%02d%03d" % (1950 + i % 50, 1 + i % 12, 1 + i % 28, i % 1000)
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return first17 + ID_CHECK[total % 11]


def base_jpeg(width):
    from PIL import Image, ImageDraw  # only this subcommand needs PIL
    height = width * 5 // 8
    img = Image.new("RGB", (width, height), (236, 232, 220))
    d = ImageDraw.Draw(img)
    for y in range(0, height, 6):  # a little texture, like a photographed card
        d.line([(0, y), (width, y + height // 8)], fill=(226 + y % 17, 222, 214 - y % 11))
    d.rectangle([int(0.62 * width), int(0.10 * height), int(0.90 * width), int(0.70 * height)],
                fill=(200, 205, 215), outline=(90, 90, 90))
    for k in range(5):
        y = int((0.12 + 0.12 * k) * height)
        d.rectangle([int(0.06 * width), y, int(0.55 * width), y + height // 30], fill=(60, 60, 60))
    d.rectangle([int(0.30 * width), int(0.79 * height), int(0.95 * width), int(0.90 * height)], fill=(40, 40, 40))
    d.text((int(0.06 * width), int(0.02 * height)), "SPECIMEN - fake data - benchmark", fill=(200, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def cmd_cards(args):
    width = 640
    if len(args) == 4 and args[2] == "--width":
        width = int(args[3])
        args = args[:2]
    if len(args) != 2:
        sys.exit("usage: mkbench.py cards N DIR [--width W]")
    n, out = int(args[0]), args[1]
    base = base_jpeg(width)
    assert base[:2] == b"\xff\xd8"
    os.makedirs(out, exist_ok=True)
    for i in range(1, n + 1):
        fields = {
            "type": "第二代身份证",
            "name": SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)] + "样本",
            "sex": "男" if i % 2 else "女",
            "people": "汉",
            "birthday": "%d年%d月%d日" % (1950 + i % 50, 1 + i % 12, 1 + i % 28),
            "address": "北京市东城区样本路%d号" % i,
            "id_number": id_number(i),
            "bench_serial": i,
        }
        payload = b"FAIZ-SPECIMEN " + json.dumps(fields, ensure_ascii=False, sort_keys=True).encode("utf-8")
        com = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
        path = os.path.join(out, "card%05d.jpg" % i)
        with open(path, "wb") as f:
            f.write(base[:2] + com + base[2:])


def cmd_measure(args):
    if len(args) < 4 or args[2] != "--":
        sys.exit("usage: mkbench.py measure OUT TIMEOUT -- CMD [ARG...]")
    out, timeout, cmd = args[0], float(args[1]), args[3:]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    timed_out = False
    with open(out, "wb") as so, open(out + ".err", "wb") as se:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            p.kill()
            rc = p.wait()
        elapsed = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"rc": rc, "elapsed": round(elapsed, 3), "cpu_ms": round(cpu * 1000, 1),
                      "maxrss_kb": after.ru_maxrss, "timed_out": timed_out}))


def recognised_response(obj):
    if not isinstance(obj, dict) or str(obj.get("code")) != "0":
        return False
    data = obj.get("data")
    return isinstance(data, dict) and data.get("error_code") == 0


def count_lines(path, ok):
    total = good = 0
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            total += 1
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            good += 1 if ok(obj) else 0
    print(total, good)


def ctl(url, path, method="GET"):
    req = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
    with opener.open(req, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "cards":
        cmd_cards(args)
    elif cmd == "measure":
        cmd_measure(args)
    elif cmd == "count-records":
        count_lines(args[0], lambda r: isinstance(r, dict) and "file" in r and r.get("error") is None)
    elif cmd == "count-responses":
        count_lines(args[0], recognised_response)
    elif cmd == "stats":
        s = ctl(args[0], "/_emu/stats")
        print(s["requests"], s["charged"], s.get("refused", 0))
    elif cmd == "reset":
        ctl(args[0], "/_emu/reset", "POST")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

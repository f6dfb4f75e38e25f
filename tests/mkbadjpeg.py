# Undecodable JPEGs for tests/89-prep.bats (issue F.7): a valid 320x200 JPEG made by PIL, then bytes edited.
# Usage: mkbadjpeg.py DIR  writes good, twelve-bit, arithmetic, lossless, corrupt-scan and huge-header .jpg.
import io
import random
import sys

from PIL import Image


def base(w=320, h=200):
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = ((x * 7) & 255, (y * 5) & 255, ((x ^ y) * 3) & 255)
    b = io.BytesIO()
    im.save(b, "JPEG", quality=90)
    return bytearray(b.getvalue())


def segment(b, want):
    """Offset of the first marker segment for which want(marker) holds."""
    i = 2
    while i + 4 <= len(b):
        m = b[i + 1]
        if want(m):
            return i
        i += 2 + (b[i + 2] << 8 | b[i + 3])
    raise SystemExit("mkbadjpeg: marker not found")


def sof(b):
    return segment(b, lambda m: 0xc0 <= m <= 0xcf and m not in (0xc4, 0xc8, 0xcc))


out = sys.argv[1]
kinds = {"good": base()}
b = base(); b[sof(b) + 4] = 12; kinds["twelve-bit"] = b          # SOF precision 12
b = base(); b[sof(b) + 1] = 0xc9; kinds["arithmetic"] = b         # SOF9
b = base(); b[sof(b) + 1] = 0xc3; kinds["lossless"] = b           # SOF3
b = base(); i = sof(b); b[i + 5:i + 9] = bytes([0x27, 0x10, 0x27, 0x10])
kinds["huge-header"] = b                                           # 10000x10000 on 19 kB
# 200 random bytes (no marker) a third into the entropy-coded data.
b = base(); i = segment(b, lambda m: m == 0xda); s = i + 2 + (b[i + 2] << 8 | b[i + 3])
r = random.Random(0); at = s + (len(b) - 2 - s) // 3
for k in range(at, at + 200):
    b[k] = r.randrange(0, 255) if b[k - 1] != 0xff else 0
kinds["corrupt-scan"] = b
for k, v in kinds.items():
    with open("%s/%s.jpg" % (out, k), "wb") as f:
        f.write(bytes(v))

# Photographs specimen cards from mkcards.py like a phone or a scanner does, and writes the truth beside each photo.
"""Synthetic photographs of SPECIMEN ID cards for the local engine's tests.

mkcards.py draws flat specimen cards (fake people, marked 样本 / SPECIMEN)
and embeds their fields in a FAIZ-SPECIMEN COM segment for the emulator.  The
local engine must never see that segment: this script decodes the card's
pixels only, places them in a scene and encodes a fresh JPEG, then removes
any COM segment and asserts that no specimen marker is left in the bytes.

Each photo NAME.jpg gets NAME.json beside it (mode 0600, like any file
holding ID fields):

    {"width": W, "height": H, "level": ..., "kind": ..., "seed": S,
     "gray_image": bool, "degradations": [...],
     "cards": [{"side": "front"|"back", "type": ..., "fields": {...},
                "corners": [[x,y] x4],      # TL, TR, BR, BL in the card's
                                            # reading order, photo pixels
                "cut": bool,                # part of the card outside the frame
                "border_covered": bool,     # cut, or an object over an edge
                "head_covered": bool, "head_blurred": bool,
                "person": N,                # level pairs only: whose card
                "blur_card_px": float}]}    # blur sigma at 856 px card width

"cards" is in reading order (rows top to bottom, left to right in a row).
Corner coordinates follow the pixel-centre convention: pixel (0,0) covers
[0,1)x[0,1), so the card image's outer corner is (0,0).

Output is deterministic from the seed (random.Random and numpy's
default_rng seeded from it; no clocks, no EXIF).

Usage:
  mkphotos.py set DIR --level clean|good|hard|photocopy|multi|pairs|nocard
                      [--count N] [--seed S] [--prefix P]
                      (pairs: several people on one scan, a row each,
                      front left and back right)
  mkphotos.py flags DIR [--seed S]
                      one photo per quality-flag case (flag-NAME.jpg): plain,
                      gray, cut, edge, head_note, head_coin, head_blur, ...
  mkphotos.py photo CARD.jpg -o OUT.jpg [--level good] [--seed S]
                      photograph an existing mkcards.py card
"""

import argparse
import io
import json
import math
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkcards  # noqa: E402

FONT_PATH = mkcards.FONT_PATH
RECT_W = 856  # width of the engine's rectified card; blur is reported at this scale
# Above this blur sigma (in pixels of an 856-wide card) the portrait counts as blurred.
HEAD_BLUR_SIGMA = 2.2

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文海波宇浩然欣怡子涵梓轩雨桐思远佳琪晨曦嘉怡俊杰"
PEOPLE = ["汉", "汉", "汉", "汉", "壮", "回", "满", "维吾尔", "苗", "彝", "土家", "藏", "蒙古", "侗", "布依", "瑶", "白", "朝鲜"]
REGIONS = [
    ("440105", "广东省广州市海珠区", "广州市公安局海珠分局"),
    ("110101", "北京市东城区", "北京市公安局东城分局"),
    ("320102", "江苏省南京市玄武区", "南京市公安局玄武分局"),
    ("510104", "四川省成都市锦江区", "成都市公安局锦江分局"),
    ("330106", "浙江省杭州市西湖区", "杭州市公安局西湖分局"),
    ("420102", "湖北省武汉市江岸区", "武汉市公安局江岸分局"),
    ("360781", "江西省瑞金市", "瑞金市公安局"),
    ("610113", "陕西省西安市雁塔区", "西安市公安局雁塔分局"),
]
STREETS = ["样本路", "样本街", "测试大道", "示例巷", "虚构村", "演示里"]
CLUTTER_WORDS = ["发票", "收据 No.", "会议纪要", "快递单", "Meeting 10:30", "样本", "合同",
                 "TOTAL 128.00", "便签", "购物清单", "电话 010-", "ABCDEF 12345"]


# ---------------------------------------------------------------- people

def fake_person(rnd):
    code, place, authority = rnd.choice(REGIONS)
    year = rnd.randint(1950, 2006)
    month = rnd.randint(1, 12)
    day = rnd.randint(1, 28)
    sex = rnd.choice("男女")
    seq = rnd.randint(0, 99) * 10 + (rnd.choice((1, 3, 5, 7, 9)) if sex == "男" else rnd.choice((0, 2, 4, 6, 8)))
    first17 = "%s%04d%02d%02d%03d" % (code, year, month, day, seq)
    name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.randint(1, 2)))
    address = place + "%s%d号" % (rnd.choice(STREETS), rnd.randint(1, 300))
    if rnd.random() < 0.4:
        address += "%d栋%d室" % (rnd.randint(1, 30), rnd.randint(101, 2808))
    front = {"type": mkcards.TYPE_FRONT, "name": name, "sex": sex, "people": rnd.choice(PEOPLE),
             "birthday": "%d年%d月%d日" % (year, month, day), "address": address,
             "id_number": mkcards.make_id(first17)}
    iy = rnd.randint(max(year + 16, 2005), 2024)
    im, idd = rnd.randint(1, 12), rnd.randint(1, 28)
    span = rnd.choice((5, 10, 10, 20, 0))
    end = "长期" if span == 0 else "%04d.%02d.%02d" % (iy + span, im, idd)
    back = {"type": mkcards.TYPE_BACK, "issue_authority": authority,
            "validity": "%04d.%02d.%02d-%s" % (iy, im, idd, end)}
    return front, back


def card_pixels(fields, side, width):
    """The card as mkcards.py makes it, decoded to pixels: the COM segment stays behind."""
    if side == "front":
        data = mkcards.card_front(fields, width)
    else:
        data = mkcards.card_back(fields, width)
    img = Image.open(io.BytesIO(data))
    img.load()
    img = img.convert("RGB")
    img.info.clear()
    return img


# ---------------------------------------------------------------- geometry

def homography(src, dst):
    """3x3 H with dst ~ H src for four point pairs."""
    a, b = [], []
    for (x, y), (u, v) in zip(src, dst):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    h = np.linalg.solve(np.array(a, float), np.array(b, float))
    return np.append(h, 1.0).reshape(3, 3)


def apply_h(h, pts):
    out = []
    for x, y in pts:
        p = h @ np.array([x, y, 1.0])
        out.append([float(p[0] / p[2]), float(p[1] / p[2])])
    return out


def projected_quad(w, h, size, angle, tilt_x, tilt_y, center):
    """Corners of a w x h card seen by a pinhole camera: turned by angle in its plane,
    tilted by tilt_x/tilt_y about its axes, scaled so its longer projected side is about size."""
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], float)
    ca, sa = math.cos(angle), math.sin(angle)
    rz = np.array([[ca, -sa, 0], [sa, ca, 0], [0, 0, 1]])
    cx, sx = math.cos(tilt_x), math.sin(tilt_x)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    cy, sy = math.cos(tilt_y), math.sin(tilt_y)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    p = pts @ rz.T @ rx.T @ ry.T
    f = 1.6 * w
    z = p[:, 2] + 2.2 * w
    q = np.stack([f * p[:, 0] / z, f * p[:, 1] / z], 1)
    q -= q.mean(0)
    span = max(np.ptp(q[:, 0]), np.ptp(q[:, 1]))
    q *= size / span
    q += np.array(center)
    return q.tolist()


def place(canvas, img, quad, mask=None):
    """Warp img onto canvas so that its corners land on quad (TL, TR, BR, BL); returns H."""
    w, h = img.size
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    hm = homography(src, quad)
    inv = np.linalg.inv(hm)
    inv /= inv[2, 2]
    # PIL samples at output pixel centres given as integer coordinates: shift by half a pixel
    # on both sides so that the pixel-centre convention holds.
    t1 = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    t0 = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    m = t0 @ inv @ t1
    m /= m[2, 2]
    coeffs = m.flatten()[:8].tolist()
    size = canvas.size
    warped = img.transform(size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    if mask is None:
        mask = Image.new("L", img.size, 255)
    wmask = mask.transform(size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
    canvas.paste(warped, (0, 0), wmask)
    return hm


def card_mask(w, h):
    """Rounded-corner alpha of a card image drawn by mkcards.background()."""
    m = Image.new("L", (w, h), 0)
    ImageDraw.Draw(m).rounded_rectangle((0, 0, w - 1, h - 1), radius=int(w * 0.035), fill=255)
    return m


def quad_inside(quad, w, h, margin=0.0):
    return all(margin <= x <= w - margin and margin <= y <= h - margin for x, y in quad)


def quad_area(q):
    s = 0.0
    for i in range(4):
        x0, y0 = q[i]
        x1, y1 = q[(i + 1) % 4]
        s += x0 * y1 - x1 * y0
    return abs(s) / 2


# ---------------------------------------------------------------- scenes

def font(size):
    return ImageFont.truetype(FONT_PATH, max(6, int(size)))


def smooth_noise(nrng, w, h, cells):
    """Low-frequency noise in [0,1]: a coarse random grid scaled up smoothly."""
    g = nrng.random((cells, max(2, int(cells * h / w) + 1)))
    im = Image.fromarray((g.T * 255).astype(np.uint8), "L").resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(im, np.float32) / 255.0


def background(rnd, nrng, w, h, kind):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = np.array(rnd.choice([(150, 100, 60), (120, 80, 50), (180, 130, 85), (95, 60, 40)]), np.float32)
        ang = rnd.uniform(0, math.pi)
        u = xx * math.cos(ang) + yy * math.sin(ang)
        v = -xx * math.sin(ang) + yy * math.cos(ang)
        warp = smooth_noise(nrng, w, h, 6) * 40
        rings = np.sin((u + warp) / rnd.uniform(6, 14) + 3 * np.sin(v / rnd.uniform(80, 200)))
        grain = nrng.normal(0, 1, (h, w)).astype(np.float32)
        grain = np.asarray(Image.fromarray(((grain * 20) + 128).clip(0, 255).astype(np.uint8)).resize(
            (w, h)).filter(ImageFilter.GaussianBlur(1)), np.float32) - 128
        f = 1 + 0.13 * rings[..., None] + 0.004 * grain[..., None]
        arr = base * f
    elif kind == "fabric":
        base = np.array(rnd.choice([(60, 70, 120), (140, 40, 50), (70, 110, 80), (90, 90, 95), (200, 180, 150)]),
                        np.float32)
        p = rnd.uniform(3, 7)
        weave = np.sin(xx * 2 * math.pi / p) * np.sin(yy * 2 * math.pi / p)
        fold = smooth_noise(nrng, w, h, 5)
        arr = base * (0.85 + 0.12 * weave[..., None] + 0.3 * (fold[..., None] - 0.5))
    elif kind == "paper":
        base = np.array(rnd.choice([(236, 232, 222), (245, 245, 240), (225, 228, 230)]), np.float32)
        fib = nrng.normal(0, 4, (h, w)).astype(np.float32)
        arr = base + fib[..., None] + 10 * (smooth_noise(nrng, w, h, 4)[..., None] - 0.5)
    elif kind == "dark":
        base = np.array(rnd.choice([(30, 30, 35), (45, 40, 38), (20, 35, 50)]), np.float32)
        arr = base + nrng.normal(0, 3, (h, w, 1)).astype(np.float32) + 20 * smooth_noise(nrng, w, h, 3)[..., None]
    else:  # desk: plain coloured surface
        base = np.array(rnd.choice([(180, 180, 175), (110, 120, 130), (200, 190, 170), (90, 100, 90),
                                    (160, 170, 190)]), np.float32)
        arr = base * (0.9 + 0.2 * smooth_noise(nrng, w, h, 3)[..., None]) + nrng.normal(0, 2, (h, w, 1))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def clutter(rnd, img, n, avoid=None):
    """Other things on the desk: papers with text, pens, coins, sticky notes, lines."""
    d = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(n):
        kind = rnd.choice(("text", "rect", "pen", "coin", "line", "note"))
        cx, cy = rnd.uniform(0, w), rnd.uniform(0, h)
        s = rnd.uniform(0.05, 0.3) * min(w, h)
        col = tuple(rnd.randint(0, 255) for _ in range(3))
        if kind == "text":
            d.text((cx, cy), rnd.choice(CLUTTER_WORDS), font=font(s * 0.2), fill=col)
        elif kind == "rect":
            # A paper or a book: deliberately not card-shaped (square-ish or long).
            ar = rnd.choice((rnd.uniform(0.9, 1.15), rnd.uniform(2.4, 4.0)))
            ang = rnd.uniform(0, math.pi)
            pts = []
            for px, py in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                x, y = px * s * ar / 2, py * s / 2
                pts.append((cx + x * math.cos(ang) - y * math.sin(ang), cy + x * math.sin(ang) + y * math.cos(ang)))
            d.polygon(pts, fill=col)
            for k in range(rnd.randint(0, 5)):
                d.text((cx - s * 0.3, cy - s * 0.3 + k * s * 0.12), rnd.choice(CLUTTER_WORDS), font=font(s * 0.08),
                       fill=(20, 20, 20))
        elif kind == "pen":
            ang = rnd.uniform(0, math.pi)
            dx, dy = math.cos(ang) * s, math.sin(ang) * s
            d.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=col, width=max(3, int(s * 0.05)))
        elif kind == "coin":
            r = s * 0.15
            d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(190, 170, 120), outline=(120, 100, 60), width=2)
        elif kind == "line":
            d.line((cx, cy, cx + rnd.uniform(-s, s) * 2, cy + rnd.uniform(-s, s) * 2), fill=col, width=2)
        else:
            r = s * 0.35
            d.rectangle((cx - r, cy - r, cx + r, cy + r), fill=(250, 235, 110))


def finger(d, tip, direction, width, col=None):
    """A finger: a skin-coloured capsule coming in from direction to its tip."""
    col = col or (224, 172, 140)
    tx, ty = tip
    dx, dy = direction
    n = math.hypot(dx, dy) or 1
    dx, dy = dx / n, dy / n
    length = width * 6
    bx, by = tx + dx * length, ty + dy * length
    d.line((tx, ty, bx, by), fill=col, width=int(width))
    r = width / 2
    d.ellipse((tx - r, ty - r, tx + r, ty + r), fill=col)
    d.ellipse((tx - r * 0.6 + dx * r * 0.3, ty - r * 0.6 + dy * r * 0.3,
               tx + r * 0.6 + dx * r * 0.3, ty + r * 0.6 + dy * r * 0.3), fill=(235, 195, 175))


# ---------------------------------------------------------------- degradations

def gauss_blur(arr, sigma):
    if sigma <= 0.05:
        return arr
    im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    return np.asarray(im.filter(ImageFilter.GaussianBlur(sigma)), np.float32)


def motion_blur(arr, length, angle):
    """Mean of copies shifted along a line: the blur of a moving hand."""
    n = max(2, int(round(length)))
    acc = np.zeros_like(arr)
    for i in range(n):
        t = i - (n - 1) / 2
        dx, dy = int(round(t * math.cos(angle))), int(round(t * math.sin(angle)))
        acc += np.roll(np.roll(arr, dy, 0), dx, 1)
    return acc / n


def lighting(nrng, rnd, arr, strength):
    h, w = arr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rnd.uniform(0, 2 * math.pi)
    g = ((xx - w / 2) * math.cos(ang) + (yy - h / 2) * math.sin(ang)) / max(w, h)
    f = 1 + strength * g + 0.5 * strength * (smooth_noise(nrng, w, h, 3) - 0.5)
    return arr * f[..., None]


def glare(rnd, arr, center, radius, strength):
    h, w = arr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    g = np.exp(-((xx - center[0]) ** 2 + (yy - center[1]) ** 2) / (2 * radius ** 2))
    return arr + strength * 255 * g[..., None]


def encode_jpeg(img, quality):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(quality))
    return strip_com(buf.getvalue())


def strip_com(data):
    """The JPEG without any COM (FF FE) segment before the scan."""
    assert data[:2] == b"\xff\xd8"
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        m = data[i + 1]
        n = int.from_bytes(data[i + 2:i + 4], "big")
        if m == 0xDA:
            break
        if m != 0xFE:
            out += data[i:i + 2 + n]
        i += 2 + n
    out += data[i:]
    data = bytes(out)
    assert mkcards.COM_PREFIX.strip() not in data, "specimen segment left in a photo"
    return data


# ---------------------------------------------------------------- photos

LEVELS = {
    # size: longer projected card side as a fraction of the frame's longer side;
    # motion: the chance of a moving hand, motion_len: its blur's length in photo pixels
    "clean": dict(size=(0.55, 0.85), angle=4, right_angles=False, tilt=0, blur=(0, 0.4), motion=0,
                  motion_len=(2, 6), noise=(0, 2), quality=(90, 95), light=0, glare=0, clutter=0, cut=0,
                  cover_edge=0, cover_head=0, gray=0, bgs=("paper", "desk")),
    "good": dict(size=(0.4, 0.9), angle=15, right_angles=True, tilt=15, blur=(0, 1.0), motion=0.1,
                 motion_len=(2, 6), noise=(1, 4), quality=(75, 95), light=0.3, glare=0.2, clutter=3, cut=0,
                 cover_edge=0, cover_head=0, gray=0.05, bgs=("wood", "fabric", "paper", "desk", "dark")),
    "hard": dict(size=(0.2, 1.0), angle=180, right_angles=True, tilt=30, blur=(0, 2.2), motion=0.3,
                 motion_len=(2, 12), noise=(2, 9), quality=(60, 85), light=0.7, glare=0.5, clutter=8, cut=0.15,
                 cover_edge=0.15, cover_head=0.15, gray=0.1, bgs=("wood", "fabric", "paper", "desk", "dark")),
}


def frame_size(rnd):
    w, h = rnd.choice(((1280, 960), (1600, 1200), (1024, 768), (1440, 1080)))
    return (w, h) if rnd.random() < 0.6 else (h, w)


def finish(rnd, nrng, canvas, p, degr, cards, gray=False):
    """Lighting, glare, blur, noise, grey and JPEG on the composed scene; updates truth blur."""
    arr = np.asarray(canvas, np.float32)
    w, h = canvas.size
    if p["light"] and rnd.random() < 0.7:
        s = rnd.uniform(0.2, 1.0) * p["light"]
        arr = lighting(nrng, rnd, arr, s)
        degr.append("uneven_light:%.2f" % s)
    if p["glare"] and rnd.random() < p["glare"] and cards:
        q = rnd.choice(cards)["corners"]
        cx = sum(x for x, _ in q) / 4 + rnd.uniform(-0.3, 0.3) * (q[1][0] - q[0][0])
        cy = sum(y for _, y in q) / 4 + rnd.uniform(-0.3, 0.3) * (q[3][1] - q[0][1])
        r = rnd.uniform(0.02, 0.06) * max(w, h)
        s = rnd.uniform(0.3, 0.7)
        arr = glare(rnd, arr, (cx, cy), r, s)
        degr.append("glare:%.2f" % s)
    sigma = rnd.uniform(*p["blur"])
    if sigma > 0.05:
        arr = gauss_blur(arr, sigma)
        degr.append("defocus:%.2f" % sigma)
    mot = 0.0
    if p["motion"] and rnd.random() < p["motion"]:
        mot = rnd.uniform(*p["motion_len"])
        arr = motion_blur(arr, mot, rnd.uniform(0, math.pi))
        degr.append("motion:%.1f" % mot)
    ns = rnd.uniform(*p["noise"])
    if ns > 0.05:
        arr = arr + nrng.normal(0, ns, arr.shape)
        degr.append("noise:%.1f" % ns)
    if gray or (p["gray"] and rnd.random() < p["gray"]):
        g = arr @ np.array([0.299, 0.587, 0.114])
        arr = np.repeat(g[..., None], 3, 2)
        gray = True
        degr.append("gray")
    # Blur a reader of the rectified card sees: the photo's blur scaled to an 856-wide card,
    # plus the blur of resolution the photo lacks (upsampling a small card).
    for c in cards:
        q = c["corners"]
        cw = (math.dist(q[0], q[1]) + math.dist(q[3], q[2])) / 2
        scale = RECT_W / max(cw, 1.0)
        eff = math.hypot(sigma, mot / 3.5, 0.5) * scale
        c["blur_card_px"] = round(eff, 2)
        c["head_blurred"] = c["head_blurred"] or (c["side"] == "front" and eff > HEAD_BLUR_SIGMA)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    q = rnd.randint(*p["quality"])
    degr.append("jpeg:%d" % q)
    return img, q, gray


def card_truth(fields, side, quad):
    return {"side": side, "type": fields.get("type", ""), "fields": {k: v for k, v in fields.items() if k != "type"},
            "corners": [[round(x, 2), round(y, 2)] for x, y in quad], "cut": False, "border_covered": False,
            "head_covered": False, "head_blurred": False}


def cover_portrait(rnd, card, degr, kind=None):
    """Something over the portrait (a sticky note, a coin, a finger), drawn on the flat card."""
    w, h = card.size
    l, t, r, b = mkcards.box(mkcards.LAYOUT["portrait"], w, h)
    d = ImageDraw.Draw(card)
    kind = kind or rnd.choice(("note", "coin", "finger", "card"))
    pw, ph = r - l, b - t
    cx, cy = l + pw * rnd.uniform(0.3, 0.7), t + ph * rnd.uniform(0.3, 0.6)
    if kind == "note":
        s = pw * rnd.uniform(0.35, 0.55)
        d.rectangle((cx - s, cy - s, cx + s, cy + s), fill=rnd.choice([(250, 235, 110), (250, 160, 190), (150, 220, 250)]))
    elif kind == "coin":
        s = pw * rnd.uniform(0.35, 0.5)
        d.ellipse((cx - s, cy - s, cx + s, cy + s), fill=(185, 165, 115), outline=(120, 100, 60), width=3)
    elif kind == "finger":
        finger(d, (cx, cy), (rnd.uniform(0.2, 1), rnd.uniform(-0.3, 0.6)), pw * 0.45)
    else:
        s = pw * 0.5
        d.rectangle((cx - s, cy - s * 0.7, cx + s * 1.5, cy + s * 0.7), fill=(40, 40, 45))
    degr.append("head_covered:" + kind)


def blur_portrait(rnd, card, degr):
    w, h = card.size
    bx = mkcards.box(mkcards.LAYOUT["portrait"], w, h)
    s = rnd.uniform(4, 7) * w / RECT_W
    region = card.crop(bx).filter(ImageFilter.GaussianBlur(s))
    card.paste(region, bx[:2])
    degr.append("head_blur:%.1f" % (s * RECT_W / w))
    return s * RECT_W / w


def photo_of_card(rnd, nrng, level, fields, side, card=None, force=None):
    """One card in one scene; returns (jpeg bytes, truth).

    force, for the quality-flag cases, fixes the degradations instead of
    drawing them at random: keys cut, cover_edge (bool), cover_head (a kind
    or None), head_blur (bool), gray (bool), defocus (sigma, photo pixels).
    """
    p = dict(LEVELS[level])
    if force is not None:
        p.update(glare=0, motion=0, gray=1 if force.get("gray") else 0, light=0.2,
                 blur=(force.get("defocus", 0.0),) * 2)

    def want(key, prob):
        if force is not None:
            return force.get(key)
        return prob and rnd.random() < prob
    W, H = frame_size(rnd)
    degr = []
    bg = rnd.choice(p["bgs"])
    canvas = background(rnd, nrng, W, H, bg)
    degr.append("background:" + bg)
    if p["clutter"]:
        n = rnd.randint(0, p["clutter"])
        if n:
            clutter(rnd, canvas, n)
            degr.append("clutter:%d" % n)
    cut = bool(want("cut", p["cut"]))
    size = rnd.uniform(*p["size"]) * max(W, H)
    size = min(size, 0.98 * min(W, H) * 1.58) if not cut else size
    angle = rnd.uniform(-p["angle"], p["angle"]) * math.pi / 180
    if p["right_angles"]:
        angle += rnd.choice((0, 0, 0.5, 1, 1.5)) * math.pi
    tilt = p["tilt"] * math.pi / 180
    tx, ty = rnd.uniform(-tilt, tilt), rnd.uniform(-tilt, tilt)
    head_blur = 0.0
    head_cov = False
    if card is None:
        rw = int(min(2400, max(500, size * 1.25)))
        card = card_pixels(fields, side, rw)
        if side == "front" and want("cover_head", p["cover_head"]):
            cover_portrait(rnd, card, degr, force.get("cover_head") if force else None)
            head_cov = True
        elif side == "front" and want("head_blur", p["cover_head"]):
            head_blur = blur_portrait(rnd, card, degr)
    cw, ch = card.size
    for _ in range(200):
        if cut:
            c = (rnd.uniform(0, W), rnd.uniform(0, H))
        else:
            c = (rnd.uniform(0.3, 0.7) * W, rnd.uniform(0.3, 0.7) * H)
        quad = projected_quad(cw, ch, size, angle, tx, ty, c)
        inside = quad_inside(quad, W, H, 2)
        if cut:
            # Cut, but most of the card still in the frame.
            vis = quad_area(clip_quad(quad, W, H)) / quad_area(quad)
            if not inside and 0.6 < vis < 0.95:
                break
        elif inside:
            break
        size *= 0.97
    else:
        raise RuntimeError("no placement found")
    place(canvas, card, quad, card_mask(cw, ch))
    t = card_truth(fields, side, quad)
    t["cut"] = bool(cut)
    t["border_covered"] = bool(cut)
    t["head_covered"] = head_cov
    t["head_blurred"] = head_blur > HEAD_BLUR_SIGMA
    if cut:
        degr.append("cut")
    if want("cover_edge", p["cover_edge"]):
        # A finger or a pen over one edge of the card, coming from outside it.
        k = rnd.randrange(4)
        a, b = quad[k], quad[(k + 1) % 4]
        u = rnd.uniform(0.25, 0.75)
        ex, ey = a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1])
        mx, my = sum(x for x, _ in quad) / 4, sum(y for _, y in quad) / 4
        out = (ex - mx, ey - my)
        sidelen = math.dist(a, b)
        depth = rnd.uniform(0.04, 0.1) * sidelen
        n = math.hypot(*out)
        tip = (ex - out[0] / n * depth, ey - out[1] / n * depth)
        finger(ImageDraw.Draw(canvas), tip, out, sidelen * rnd.uniform(0.08, 0.14))
        t["border_covered"] = True
        degr.append("edge_covered:%d" % k)
    img, q, gray = finish(rnd, nrng, canvas, p, degr, [t])
    return encode_jpeg(img, q), {"width": W, "height": H, "level": level, "gray_image": gray,
                                 "degradations": degr, "cards": [t]}


def clip_quad(quad, w, h):
    """Sutherland-Hodgman clip of a convex polygon to the frame."""
    poly = [tuple(p) for p in quad]
    for edge in range(4):
        out = []
        for i in range(len(poly)):
            cur, prev = poly[i], poly[i - 1]

            def inside(pt):
                return (pt[0] >= 0, pt[0] <= w, pt[1] >= 0, pt[1] <= h)[edge]

            def cross(p0, p1):
                if edge < 2:
                    xe = 0 if edge == 0 else w
                    tt = (xe - p0[0]) / (p1[0] - p0[0])
                else:
                    ye = 0 if edge == 2 else h
                    tt = (ye - p0[1]) / (p1[1] - p0[1])
                return (p0[0] + tt * (p1[0] - p0[0]), p0[1] + tt * (p1[1] - p0[1]))
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
        poly = out
        if not poly:
            return [(0, 0)] * 4
    return poly


def reading_order(cards):
    """Rows top to bottom (cards whose vertical spans overlap by half share a row), left to right."""
    def span(c):
        ys = [y for _, y in c["corners"]]
        return min(ys), max(ys)
    cards = sorted(cards, key=lambda c: sum(y for _, y in c["corners"]))
    rows = []
    for c in cards:
        lo, hi = span(c)
        for row in rows:
            rlo, rhi = row[0]
            if min(hi, rhi) - max(lo, rlo) > 0.5 * min(hi - lo, rhi - rlo):
                row[1].append(c)
                break
        else:
            rows.append([(lo, hi), [c]])
    out = []
    for _, row in rows:
        out += sorted(row, key=lambda c: sum(x for x, _ in c["corners"]))
    return out


def photocopy(rnd, nrng):
    """身份证复印件: an A4-like page, greyscale, the front above the back, scanned or photographed."""
    PW, PH = 1240, 1754  # A4 at 150 dpi
    page = Image.new("RGB", (PW, PH), (250, 250, 250))
    front, back = fake_person(rnd)
    cw = int(856 / 2100 * PW * 1.0 * 85.6 / 85.6 * 2.45 / 2.0)  # 85.6 mm at 150 dpi is 505 px
    cw = 505
    cards = []
    degr = ["photocopy"]
    # A copier renders the card's pale ground as light grey; a light copy
    # washes it out to nearly the page's white, leaving the printed outline.
    faint = rnd.random() < 0.25
    degr.append("faint" if faint else "toned")
    for i, (fields, side) in enumerate(((front, "front"), (back, "back"))):
        img = card_pixels(fields, side, cw * 2).resize((cw, int(round(cw * mkcards.ASPECT))), Image.Resampling.LANCZOS)
        g = img.convert("L")
        if faint:
            g = g.point(lambda v: max(0, min(255, int((v - 40) * 1.25))))
        else:
            tone = rnd.uniform(0.82, 0.92)
            g = g.point(lambda v: max(0, min(255, int(v * tone + 5))))
        img = g.convert("RGB")
        ch = img.size[1]
        ang = rnd.uniform(-2.5, 2.5) * math.pi / 180
        c = (PW / 2 + rnd.uniform(-60, 60), PH * (0.3 if i == 0 else 0.68) + rnd.uniform(-40, 40))
        quad = projected_quad(cw, ch, 0, ang, 0, 0, c)  # size 0: fixed below
        quad = [[c[0] + (x * math.cos(ang) - y * math.sin(ang)), c[1] + (x * math.sin(ang) + y * math.cos(ang))]
                for x, y in ((-cw / 2, -ch / 2), (cw / 2, -ch / 2), (cw / 2, ch / 2), (-cw / 2, ch / 2))]
        place(page, img, quad, card_mask(*img.size))
        cards.append(card_truth(fields, side, quad))
    d = ImageDraw.Draw(page)
    if rnd.random() < 0.5:
        d.text((PW * 0.1, PH * 0.9), "此复印件仅供办理业务使用", font=font(36), fill=(60, 60, 60))
    arr = np.asarray(page, np.float32) + nrng.normal(0, 3, (PH, PW, 1))
    page = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rnd.random() < 0.5:
        # Scanned: the page is the frame, smaller.
        scale = rnd.uniform(0.55, 0.8)
        W, H = int(PW * scale), int(PH * scale)
        page = page.resize((W, H), Image.Resampling.LANCZOS)
        for c in cards:
            c["corners"] = [[round(x * scale, 2), round(y * scale, 2)] for x, y in c["corners"]]
        canvas = page
        degr.append("scanned")
        p = dict(LEVELS["clean"])
    else:
        # Photographed on a desk with a phone.
        W, H = frame_size(rnd)
        if W > H:
            W, H = H, W
        canvas = background(rnd, nrng, W, H, rnd.choice(("wood", "desk", "dark")))
        quad = projected_quad(PW, PH, rnd.uniform(0.85, 0.95) * H, rnd.uniform(-8, 8) * math.pi / 180,
                              rnd.uniform(-0.2, 0.2), rnd.uniform(-0.2, 0.2), (W / 2, H / 2))
        hm = place(canvas, page, quad)
        for c in cards:
            c["corners"] = [[round(x, 2), round(y, 2)] for x, y in apply_h(hm, c["corners"])]
        degr.append("photographed")
        p = dict(LEVELS["good"])
    p["gray"] = 0
    img, q, _ = finish(rnd, nrng, canvas, p, degr, cards, gray=True)
    return encode_jpeg(img, q), {"width": W, "height": H, "level": "photocopy", "gray_image": True,
                                 "degradations": degr, "cards": reading_order(cards)}


def multi(rnd, nrng, pairs=False):
    """Several people's cards on one flatbed scan, in a grid of rows and columns.

    pairs: each row is one person, the front on the left and the back on
    the right (truth "person" numbers them in reading order)."""
    if pairs:
        rows, cols = rnd.choice((2, 3)), 2
    else:
        rows, cols = rnd.choice(((1, 2), (2, 1), (2, 2), (3, 1), (2, 3)))
    W, H = 1600, 1200
    if rows > cols:
        W, H = H, W
    canvas = background(rnd, nrng, W, H, rnd.choice(("paper", "desk")))
    cardw = min(W / cols, H / rows * 1.58) * rnd.uniform(0.62, 0.78)
    cards = []
    for r in range(rows):
        if pairs:
            front, back = fake_person(rnd)
        for c in range(cols):
            if pairs:
                side = ("front", "back")[c]
            else:
                front, back = fake_person(rnd)
                side = rnd.choice(("front", "back"))
            fields = front if side == "front" else back
            img = card_pixels(fields, side, int(cardw * 1.2))
            cx = (c + 0.5) * W / cols + rnd.uniform(-0.04, 0.04) * W / cols
            cy = (r + 0.5) * H / rows + rnd.uniform(-0.04, 0.04) * H / rows
            ang = rnd.uniform(-6, 6) * math.pi / 180
            quad = projected_quad(img.size[0], img.size[1], cardw * math.cos(abs(ang)) +
                                  img.size[1] * cardw / img.size[0] * math.sin(abs(ang)), ang, 0, 0, (cx, cy))
            place(canvas, img, quad, card_mask(*img.size))
            cards.append(card_truth(fields, side, quad))
            if pairs:
                cards[-1]["person"] = r + 1
    degr = ["%s:%dx%d" % ("pairs" if pairs else "multi", rows, cols)]
    img, q, gray = finish(rnd, nrng, canvas, LEVELS["clean"], degr, cards)
    return encode_jpeg(img, q), {"width": W, "height": H, "level": "pairs" if pairs else "multi", "gray_image": gray,
                                 "degradations": degr, "cards": reading_order(cards)}


def nocard(rnd, nrng):
    """A desk with other things on it and no card."""
    W, H = frame_size(rnd)
    bg = rnd.choice(("wood", "fabric", "paper", "desk", "dark"))
    canvas = background(rnd, nrng, W, H, bg)
    degr = ["background:" + bg]
    clutter(rnd, canvas, rnd.randint(3, 12))
    img, q, gray = finish(rnd, nrng, canvas, LEVELS["good"], degr, [])
    return encode_jpeg(img, q), {"width": W, "height": H, "level": "nocard", "gray_image": gray,
                                 "degradations": degr, "cards": []}


def make_one(level, seed):
    rnd = random.Random("mkphotos:%s:%d" % (level, seed))
    nrng = np.random.default_rng(rnd.getrandbits(64))
    if level == "photocopy":
        return photocopy(rnd, nrng)
    if level == "multi":
        return multi(rnd, nrng)
    if level == "pairs":
        return multi(rnd, nrng, pairs=True)
    if level == "nocard":
        return nocard(rnd, nrng)
    front, back = fake_person(rnd)
    side = rnd.choice(("front", "back"))
    return photo_of_card(rnd, nrng, level, front if side == "front" else back, side)


# Quality-flag cases: one good-level photo each, with exactly these degradations.
FLAG_CASES = [
    ("plain", "front", {}),
    ("plain_back", "back", {}),
    ("gray", "front", {"gray": True}),
    ("cut", "front", {"cut": True}),
    ("edge", "front", {"cover_edge": True}),
    ("edge_back", "back", {"cover_edge": True}),
    ("head_note", "front", {"cover_head": "note"}),
    ("head_coin", "front", {"cover_head": "coin"}),
    ("head_blur", "front", {"head_blur": True}),
    ("defocus", "front", {"defocus": 4.0}),
]


def flag_set(directory, seed):
    os.makedirs(directory, exist_ok=True)
    for name, side, force in FLAG_CASES:
        rnd = random.Random("mkphotos:flags:%s:%d" % (name, seed))
        nrng = np.random.default_rng(rnd.getrandbits(64))
        front, back = fake_person(rnd)
        data, truth = photo_of_card(rnd, nrng, "good", front if side == "front" else back, side, force=force)
        truth["level"] = "flags"
        save(os.path.join(directory, "flag-%s.jpg" % name), data, truth, seed)


def write_private(path, data):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save(path, data, truth, seed):
    truth["seed"] = seed
    write_private(path, data)
    js = json.dumps(truth, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    write_private(os.path.splitext(path)[0] + ".json", js + b"\n")


def main(argv):
    p = argparse.ArgumentParser(prog="mkphotos.py", description="photograph SPECIMEN ID cards")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("set")
    s.add_argument("dir")
    s.add_argument("--level", required=True, choices=("clean", "good", "hard", "photocopy", "multi", "pairs",
                                                       "nocard"))
    s.add_argument("--count", type=int, default=10)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--prefix", default=None)
    s = sub.add_parser("flags")
    s.add_argument("dir")
    s.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("photo")
    s.add_argument("card")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--level", default="good", choices=("clean", "good", "hard"))
    s.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    if a.cmd == "set":
        if not 1 <= a.count <= 10000:
            p.error("--count must be 1..10000")
        os.makedirs(a.dir, exist_ok=True)
        prefix = a.prefix or a.level
        for i in range(a.count):
            data, truth = make_one(a.level, a.seed + i)
            save(os.path.join(a.dir, "%s-%04d.jpg" % (prefix, i)), data, truth, a.seed + i)
    elif a.cmd == "flags":
        flag_set(a.dir, a.seed)
    else:
        with open(a.card, "rb") as f:
            raw = f.read()
        side = "back"
        fields = {}
        # The truth of an existing card comes from its specimen segment; the photo never carries it.
        i = mkcards.find_marker(raw, 0xFE)
        if i >= 0:
            n = int.from_bytes(raw[i + 2:i + 4], "big")
            fields = json.loads(raw[i + 4:i + 2 + n][len(mkcards.COM_PREFIX):].decode("utf-8"))
            side = "back" if fields.get("type") == mkcards.TYPE_BACK else "front"
        card = Image.open(io.BytesIO(raw)).convert("RGB")
        card.info.clear()
        rnd = random.Random("mkphotos:photo:%d" % a.seed)
        nrng = np.random.default_rng(rnd.getrandbits(64))
        data, truth = photo_of_card(rnd, nrng, a.level, fields, side, card)
        save(a.output, data, truth, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

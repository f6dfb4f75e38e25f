# Makes synthetic SPECIMEN ID-card JPEGs of fake people (with a FAIZ-SPECIMEN COM segment) for the emulator tests.
"""Synthetic specimen resident ID cards for the faiz-idcard test suite.

Every card shows fake people only and is marked 样本 / SPECIMEN in red.  The
fields drawn on the card are also embedded, as JSON, in a JPEG COM segment
(marker FF FE) placed right after SOI, whose payload is

    FAIZ-SPECIMEN {"type": ..., "name": ..., ...}

The emulator (tests/emulator.py) reads that segment back to "recognise" the
card, and crops the portrait and the number strip using the proportions in
LAYOUT below, so the two files must agree on it.

Output is deterministic: the same arguments give the same bytes (no EXIF, no
timestamps, JSON with sorted keys).

Usage:
  mkcards.py front -o FILE --name 张三 --sex 男 --people 汉 --birthday 1992年8月22日
                   --address ... --id-number ... [--width N] [--extra JSON]
                   [--exif-orientation N] [--noise]
  mkcards.py back -o FILE --authority ... --validity 2015.03.01-2035.03.01
                   [--width N] [--exif-orientation N] [--noise]
  mkcards.py temporary -o FILE (same options as front)

--exif-orientation N (2..8) stores the card turned or mirrored so that
applying EXIF orientation N shows it upright, and writes an EXIF APP1
segment (big-endian, IFD0 holding only tag 0x0112) right after SOI, before
the specimen COM segment.  --noise adds deterministic high-frequency noise
and encodes at quality 100: a card of width 4000 is then over 3 MiB, real
image content the client must re-encode to send.
  mkcards.py set DIR          the standard fixture set used by the bats tests
  mkcards.py check ID         print the GB 11643 check character of 17 digits / verify 18
"""

import argparse
import io
import json
import os
import random
import re
import sys

from PIL import Image, ImageChops, ImageDraw, ImageFont

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
DEFAULT_WIDTH = 1200
ASPECT = 757 / 1200  # ISO/IEC 7810 ID-1 proportions, 85.6 x 54 mm
QUALITY = 80
NOISE_QUALITY = 100
NOISE_AMPLITUDE = 48  # noise values 0..47 added, then 24 taken off: +-24 around the card
COM_PREFIX = b"FAIZ-SPECIMEN "

# Regions as fractions (left, top, right, bottom) of the card image.  The
# emulator uses the same numbers to cut head_portrait and id_number_image.
LAYOUT = {
    "portrait": (0.62, 0.10, 0.90, 0.70),
    "id_number": (0.30, 0.77, 0.97, 0.93),
}

TYPE_FRONT = "第二代身份证"
TYPE_BACK = "第二代身份证背面"
TYPE_TEMPORARY = "临时身份证"

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_char(first17):
    """GB 11643-1999 ISO 7064 MOD 11-2 check character for 17 digits."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError("need 17 digits: %r" % first17)
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[total % 11]


def id_valid(number):
    return bool(re.fullmatch(r"[0-9]{17}[0-9X]", number)) and id_check_char(number[:17]) == number[17]


def make_id(first17):
    return first17 + id_check_char(first17)


def font(size):
    return ImageFont.truetype(FONT_PATH, size)


def box(frac, w, h):
    l, t, r, b = frac
    return (int(l * w), int(t * h), int(r * w), int(b * h))


def background(w, h, tint):
    """Card base: pale tinted field, faint guilloche-like lines, rounded border."""
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((2, 2, w - 3, h - 3), radius=int(w * 0.035), fill=tint, outline=(150, 160, 170), width=3)
    step = max(8, w // 60)
    for i in range(-h, w, step):
        d.line((i, 0, i + h, h), fill=tuple(max(0, c - 10) for c in tint), width=1)
    return img, d


def specimen_watermark(d, w, h):
    """Large pale marking drawn under the text: this is a test specimen, not a document."""
    d.text((int(w * 0.18), int(h * 0.40)), "样本 SPECIMEN", font=font(int(h * 0.16)), fill=(240, 185, 185))


def specimen_mark(d, w, h):
    """Small red marking drawn over everything."""
    d.text((int(w * 0.40), int(h * 0.015)), "样本 SPECIMEN · 非真实证件", font=font(int(h * 0.06)), fill=(210, 30, 30))


def silhouette(rect):
    l, t, r, b = rect
    cw, ch = r - l, b - t
    # Drawn on its own tile so the shoulders are clipped to the box.
    tile = Image.new("RGB", (cw, ch), (228, 232, 238))
    td = ImageDraw.Draw(tile)
    cx, hr, hy = cw // 2, int(cw * 0.22), int(ch * 0.36)
    td.ellipse((cx - hr, hy - int(hr * 1.2), cx + hr, hy + int(hr * 1.2)), fill=(70, 75, 90))
    td.ellipse((int(cw * 0.08), int(ch * 0.66), cw - int(cw * 0.08), ch + int(ch * 0.45)), fill=(70, 75, 90))
    td.rectangle((0, 0, cw - 1, ch - 1), outline=(120, 120, 130), width=2)
    return tile


def split_address(address, per_line):
    return [address[i:i + per_line] for i in range(0, len(address), per_line)] or [""]


def parse_birthday(birthday):
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", birthday)
    if m:
        return m.group(1), m.group(2), m.group(3)
    return birthday, "", ""


def draw_front(fields, w, title=None):
    h = int(round(w * ASPECT))
    img, d = background(w, h, (238, 242, 236))
    specimen_watermark(d, w, h)
    lab = font(int(h * 0.042))
    val = font(int(h * 0.050))
    label_col = (60, 110, 160)
    ink = (20, 20, 20)
    lx, vx = int(w * 0.07), int(w * 0.17)
    if title:
        d.text((lx, int(h * 0.025)), title, font=font(int(h * 0.05)), fill=ink)
    y = int(h * 0.12)
    d.text((lx, y), "姓 名", font=lab, fill=label_col)
    d.text((vx, y - 4), fields["name"], font=val, fill=ink)
    y = int(h * 0.24)
    d.text((lx, y), "性 别", font=lab, fill=label_col)
    d.text((vx, y - 4), fields["sex"], font=val, fill=ink)
    d.text((int(w * 0.30), y), "民 族", font=lab, fill=label_col)
    d.text((int(w * 0.40), y - 4), fields["people"], font=val, fill=ink)
    y = int(h * 0.36)
    d.text((lx, y), "出 生", font=lab, fill=label_col)
    yy, mm, dd = parse_birthday(fields["birthday"])
    if mm:
        d.text((vx, y - 4), yy, font=val, fill=ink)
        d.text((int(w * 0.26), y), "年", font=lab, fill=label_col)
        d.text((int(w * 0.31), y - 4), mm, font=val, fill=ink)
        d.text((int(w * 0.36), y), "月", font=lab, fill=label_col)
        d.text((int(w * 0.41), y - 4), dd, font=val, fill=ink)
        d.text((int(w * 0.46), y), "日", font=lab, fill=label_col)
    else:
        d.text((vx, y - 4), yy, font=val, fill=ink)
    y = int(h * 0.48)
    d.text((lx, y), "住 址", font=lab, fill=label_col)
    for i, line in enumerate(split_address(fields["address"], 11)[:4]):
        d.text((vx, y - 4 + i * int(h * 0.065)), line, font=val, fill=ink)
    pbox = box(LAYOUT["portrait"], w, h)
    img.paste(silhouette(pbox), pbox[:2])
    y = int(h * 0.82)
    d.text((lx, y), "公民身份号码", font=lab, fill=label_col)
    num_box = box(LAYOUT["id_number"], w, h)
    d.text((num_box[0] + int(w * 0.02), y - 6), fields["id_number"],
           font=font(int(h * 0.062)), fill=ink)
    specimen_mark(d, w, h)
    return img


def draw_back(fields, w):
    h = int(round(w * ASPECT))
    img, d = background(w, h, (236, 240, 246))
    specimen_watermark(d, w, h)
    ink = (20, 20, 20)
    # A plain red disc with stars stands in for an emblem: not a real one.
    el, et = int(w * 0.07), int(h * 0.08)
    er = int(h * 0.15)
    d.ellipse((el, et, el + 2 * er, et + 2 * er), fill=(205, 40, 40), outline=(230, 190, 60), width=4)
    d.text((el + int(er * 0.32), et + int(er * 0.62)), "样本", font=font(int(er * 0.7)), fill=(250, 210, 60))
    d.text((int(w * 0.32), int(h * 0.09)), "中华人民共和国", font=font(int(h * 0.075)), fill=ink)
    d.text((int(w * 0.28), int(h * 0.24)), "居民身份证", font=font(int(h * 0.12)), fill=ink)
    lab = font(int(h * 0.042))
    val = font(int(h * 0.050))
    lx, vx = int(w * 0.22), int(w * 0.40)
    d.text((lx, int(h * 0.71)), "签发机关", font=lab, fill=ink)
    d.text((vx, int(h * 0.71) - 4), fields["issue_authority"], font=val, fill=ink)
    d.text((lx, int(h * 0.83)), "有效期限", font=lab, fill=ink)
    d.text((vx, int(h * 0.83) - 4), fields["validity"], font=val, fill=ink)
    specimen_mark(d, w, h)
    return img


def com_segment(fields):
    payload = COM_PREFIX + json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    if len(payload) > 65533:
        raise ValueError("specimen fields too long for one COM segment")
    return b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload


# The stored image for EXIF orientation N is the upright card put through
# the inverse of what N asks a viewer to do (PIL's ROTATE_* turn
# anticlockwise).  2, 3, 4, 5 and 7 are their own inverses; 6 (turn 90
# clockwise to view) is stored turned 90 anticlockwise, 8 the other way.
STORE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def exif_segment(orientation):
    """APP1 with "Exif\\0\\0" and a big-endian TIFF block whose IFD0 has one entry: Orientation (SHORT, 1)."""
    tiff = (b"MM" + (42).to_bytes(2, "big") + (8).to_bytes(4, "big")
            + (1).to_bytes(2, "big")
            + (0x0112).to_bytes(2, "big") + (3).to_bytes(2, "big") + (1).to_bytes(4, "big")
            + orientation.to_bytes(2, "big") + b"\0\0"
            + (0).to_bytes(4, "big"))
    payload = b"Exif\0\0" + tiff
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def add_noise(img):
    """The card plus deterministic per-pixel noise: hard to compress, still legible."""
    rnd = random.Random(20240601)
    w, h = img.size
    noise = Image.frombytes("RGB", (w, h), rnd.randbytes(w * h * 3))
    noise = noise.point(lambda v: v * NOISE_AMPLITUDE // 256)
    return ImageChops.add(img, noise, scale=1.0, offset=-(NOISE_AMPLITUDE // 2))


def encode(img, fields, orientation=1, noise=False):
    """Encode as baseline JPEG and insert the specimen COM segment right after SOI.

    With orientation 2..8 the image is stored transformed and an EXIF APP1
    goes before the COM segment; with noise it is noisy and at quality 100.
    The defaults give the same bytes as before these options existed.
    """
    quality = QUALITY
    if noise:
        img = add_noise(img)
        quality = NOISE_QUALITY
    if orientation != 1:
        img = img.transpose(STORE_FOR_ORIENTATION[orientation])
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    data = buf.getvalue()
    assert data[:2] == b"\xff\xd8"
    exif = exif_segment(orientation) if orientation != 1 else b""
    return data[:2] + exif + com_segment(fields) + data[2:]


def front_fields(a, card_type):
    fields = {"type": card_type, "name": a.name, "sex": a.sex, "people": a.people,
              "birthday": a.birthday, "address": a.address, "id_number": a.id_number}
    if getattr(a, "extra", None):
        fields.update(json.loads(a.extra))
    return fields


def card_front(fields, width, card_type=TYPE_FRONT, orientation=1, noise=False):
    title = "临时居民身份证" if card_type == TYPE_TEMPORARY else None
    return encode(draw_front(fields, width, title), fields, orientation, noise)


def card_back(fields, width, orientation=1, noise=False):
    return encode(draw_back(fields, width), fields, orientation, noise)


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def png_bytes():
    img = Image.new("RGB", (64, 40), (200, 220, 240))
    ImageDraw.Draw(img).rectangle((8, 8, 56, 32), outline=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def find_marker(data, marker):
    """Offset of the first segment with this marker, walking the header segments."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        m = data[i + 1]
        if m == marker:
            return i
        if m == 0xDA:
            return -1
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return -1


ZHANGSAN = {"type": TYPE_FRONT, "name": "张三", "sex": "男", "people": "汉", "birthday": "1992年8月22日",
            "address": "广东省广州市海珠区新港中路样本街1号", "id_number": make_id("44010519920822003")}
ZHANGSAN_BACK = {"type": TYPE_BACK, "issue_authority": "广州市公安局海珠分局", "validity": "2015.03.01-2035.03.01"}
LISI = {"type": TYPE_FRONT, "name": "李四", "sex": "女", "people": "汉", "birthday": "1985年11月27日",
        "address": "北京市东城区样本胡同10号", "id_number": make_id("11010119851127100")}
WANGWU = {"type": TYPE_TEMPORARY, "name": "王五", "sex": "男", "people": "回", "birthday": "2001年1月9日",
          "address": "江苏省南京市玄武区样本路88号", "id_number": make_id("32010220010109005")}


def make_set(directory, width):
    os.makedirs(directory, exist_ok=True)
    for f in (ZHANGSAN, LISI, WANGWU):
        assert id_valid(f["id_number"]), f["id_number"]
    front = card_front(ZHANGSAN, width)
    files = {
        "front_zhangsan.jpg": front,
        "back_zhangsan.jpg": card_back(ZHANGSAN_BACK, width),
        "front_lisi.jpg": card_front(LISI, width),
        "temporary_wangwu.jpg": card_front(WANGWU, width, TYPE_TEMPORARY),
        "empty.jpg": b"",
        "notjpeg.jpg": png_bytes(),
        # Real card cut in half: SOI, COM, SOF and part of the scan, no EOI.
        "truncated.jpg": front[:len(front) // 2],
        # SOI, a COM segment, EOI: well-formed markers but no frame header.
        "nosof.jpg": b"\xff\xd8" + com_segment({"note": "no SOF"}) + b"\xff\xd9",
    }
    # A valid JPEG with neither a specimen segment nor a fixture: the emulator answers 40007.
    buf = io.BytesIO()
    plain, d = background(width, int(round(width * ASPECT)), (240, 240, 240))
    specimen_watermark(d, width, int(round(width * ASPECT)))
    specimen_mark(d, width, int(round(width * ASPECT)))
    plain.save(buf, "JPEG", quality=QUALITY)
    files["plain.jpg"] = buf.getvalue()
    assert find_marker(files["truncated.jpg"], 0xC0) > 0 and not files["truncated.jpg"].endswith(b"\xff\xd9")
    for name, data in sorted(files.items()):
        write(os.path.join(directory, name), data)


def add_image_options(s):
    s.add_argument("--exif-orientation", type=int, default=1, metavar="N",
                   help="store the card so that EXIF orientation N (1..8) shows it upright, with an EXIF segment")
    s.add_argument("--noise", action="store_true",
                   help="add high-frequency noise and encode at quality 100 (width 4000: over 3 MiB)")


def main(argv):
    p = argparse.ArgumentParser(prog="mkcards.py", description="make synthetic SPECIMEN ID-card JPEGs")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("front", "temporary"):
        s = sub.add_parser(name)
        s.add_argument("-o", "--output", required=True)
        s.add_argument("--name", default="张三")
        s.add_argument("--sex", default="男")
        s.add_argument("--people", default="汉")
        s.add_argument("--birthday", default="1992年8月22日")
        s.add_argument("--address", default=ZHANGSAN["address"])
        s.add_argument("--id-number", default=ZHANGSAN["id_number"])
        s.add_argument("--extra", help="JSON object merged into the specimen fields (e.g. head_covered)")
        s.add_argument("--width", type=int, default=DEFAULT_WIDTH)
        add_image_options(s)
    s = sub.add_parser("back")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--authority", default=ZHANGSAN_BACK["issue_authority"])
    s.add_argument("--validity", default=ZHANGSAN_BACK["validity"])
    s.add_argument("--extra")
    s.add_argument("--width", type=int, default=DEFAULT_WIDTH)
    add_image_options(s)
    s = sub.add_parser("set")
    s.add_argument("dir")
    s.add_argument("--width", type=int, default=DEFAULT_WIDTH)
    s = sub.add_parser("check")
    s.add_argument("number")
    a = p.parse_args(argv)

    if a.cmd in ("front", "temporary", "back", "set") and not 200 <= a.width <= 8000:
        p.error("--width must be 200..8000")
    if a.cmd in ("front", "temporary", "back") and not 1 <= a.exif_orientation <= 8:
        p.error("--exif-orientation must be 1..8")
    if a.cmd == "front":
        write(a.output, card_front(front_fields(a, TYPE_FRONT), a.width, TYPE_FRONT,
                                   a.exif_orientation, a.noise))
    elif a.cmd == "temporary":
        write(a.output, card_front(front_fields(a, TYPE_TEMPORARY), a.width, TYPE_TEMPORARY,
                                   a.exif_orientation, a.noise))
    elif a.cmd == "back":
        fields = {"type": TYPE_BACK, "issue_authority": a.authority, "validity": a.validity}
        if a.extra:
            fields.update(json.loads(a.extra))
        write(a.output, card_back(fields, a.width, a.exif_orientation, a.noise))
    elif a.cmd == "set":
        make_set(a.dir, a.width)
    elif a.cmd == "check":
        n = a.number.upper()
        if len(n) == 17:
            print(make_id(n))
        else:
            print("valid" if id_valid(n) else "invalid")
            return 0 if id_valid(n) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

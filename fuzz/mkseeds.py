#!/usr/bin/python3
"""Writes the seed corpora in fuzz/corpus/NAME/ (run from the top directory).

Seeds are small on purpose: libFuzzer grows its own corpus under build/.
"""
import base64
import io
import json
import os
import struct

from PIL import Image

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

# fuzz_response: the first byte picks the status from this list.
STATUS = [200, 401, 403, 500, 502, 404]


def put(name, fname, data):
    d = os.path.join(TOP, name)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


def resp(fname, status, body):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode()
    put("response", fname, bytes([STATUS.index(status)]) + body)


SUCCESS = {
    "code": "0",
    "data": {
        "address": "广东省清新县浸潭镇鸡见坑村委会下围村2号",
        "birthday": "1992年8月22日",
        "border_covered": False, "complete": True, "error_code": 0,
        "error_msg": "ok", "gray_image": False, "head_blurred": False,
        "head_covered": False, "id_number": "666667777788888999",
        "name": "张三", "people": "汉", "sex": "男",
        "time_cost": {"preprocess": 143, "recognize": 277},
        "type": "第二代身份证",
    },
    "desc": "success",
    "sid": "wcr0000xxxxxxxxxxxxxxxxx",
}


def responses():
    resp("page-success", 200, SUCCESS)
    resp("page-failure", 200, {"code": "10106", "desc":
         "invalid parameter|invalid X-Appid", "data": "",
         "sid": "wcr0000xxxxxxxxxxxxxxxxxxx"})
    resp("platform-success", 200, {"code": 0, "message": "ok", "data": {
        "type": "第二代身份证背面", "issue_authority": "清新县公安局",
        "validity": "2010.01.01-2020.01.01", "error_code": "0",
        "head_portrait": {"image": "/9j/"}, "cropped_image": "/9j/2Q==",
        "time_cost": {"preprocess": 1}}})
    resp("temporary", 200, {"code": 0, "data": {"type": "临时身份证",
         "name": None, "gray_image": True}})
    resp("error-code-40007", 200, {"code": "0", "data": {"error_code": 40007,
         "error_msg": "fail to recognize"}, "desc": "success"})
    resp("error-code-unknown", 200, {"code": 0, "data": {
         "error_code": "12345", "error_msg": "odd"}})
    resp("403-empty", 403, b"")
    resp("401-blacklist", 401, "ip被封了")
    resp("500-quota", 500, "调用次数已用完")
    resp("500-throttle", 500, {"code": "1414", "message": "服务器限流",
         "data": "Server throttling", "success": False})
    resp("200-50004", 200, {"code": 50004, "data": None,
         "message": "接口正被频繁调用，请稍后再试"})
    resp("200-50002", 200, {"code": 50002, "data": None, "message": "x"})
    resp("200-50000", 200, {"code": 50000, "data": None, "message": "x"})
    resp("200-50003", 200, {"code": 50003, "data": None,
         "message": "接口调用请走网关"})
    resp("502-empty", 502, b"")
    resp("404-html", 404, "<html>not found</html>")
    resp("200-not-json", 200, "<html>gateway</html>")
    resp("200-bad-types", 200, {"code": "0", "data": {"name": 1,
         "time_cost": {"recognize": "x"}, "head_covered": "no"}})


def exif(orientation, big=True):
    """An Exif APP1 segment holding IFD0 with one orientation entry."""
    e = ">" if big else "<"
    tiff = (b"MM" if big else b"II") + struct.pack(e + "HI", 42, 8)
    tiff += struct.pack(e + "H", 1)
    tiff += struct.pack(e + "HHI", 0x0112, 3, 1)
    tiff += struct.pack(e + "H", orientation) + b"\0\0"
    tiff += struct.pack(e + "I", 0)
    payload = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def jpeg(w, h, mode="RGB", orientation=None, big=True, comment=None,
         progressive=False, quality=50):
    im = Image.new(mode, (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            v = (x * 7 + y * 13) % 256
            px[x, y] = v if mode == "L" else (v, 255 - v, (x * y) % 256)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, progressive=progressive,
            optimize=False)
    b = out.getvalue()
    if comment is not None:
        c = comment.encode()
        b = b[:2] + b"\xff\xfe" + struct.pack(">H", len(c) + 2) + c + b[2:]
    if orientation is not None:
        b = b[:2] + exif(orientation, big) + b[2:]
    return b


def jpegs():
    imgs = {
        "rgb-16x8": jpeg(16, 8),
        "grey-9x5": jpeg(9, 5, "L"),
        "exif-6-mm": jpeg(24, 12, orientation=6),
        "exif-3-ii": jpeg(12, 20, orientation=3, big=False),
        "exif-8-comment": jpeg(20, 10, orientation=8, comment="card"),
        "progressive-32x24": jpeg(32, 24, progressive=True),
        "wide-300x20": jpeg(300, 20, quality=30),
    }
    for name, b in imgs.items():
        put("jpeg", name + ".jpg", b)
    # prepare: the first byte picks max_side (16 + 4*(b & 63)) and max_bytes.
    for name, b in imgs.items():
        put("prepare", name + "-small", b"\x05" + b)
        put("prepare", name + "-tight", b"\xc2" + b)
    put("prepare", "exif-5-large", b"\x3f" + jpeg(40, 30, orientation=5))
    put("prepare", "exif-2", b"\x01" + jpeg(18, 18, orientation=2))
    put("prepare", "exif-7-grey", b"\x41" + jpeg(25, 17, "L", orientation=7))
    put("prepare", "exif-4", b"\x81" + jpeg(17, 9, orientation=4))


def configs():
    # The first byte picks the profile: 0 default, 1 work, 2 a, 3 "".
    put("config", "default", b"\0[default]\naccess_key = abc\n"
        b"secret_key = \"s3cr3t\"\nendpoint = http://127.0.0.1:8090\n")
    put("config", "work", b"\1# comment\n; other\n\xef\xbb\xbf[default]\r\n"
        b"access_key=a\r\n[ work ]\r\naccess_key = w\r\nsecret_key=x\r\n"
        b"colour = blue\r\n")
    put("config", "bom", b"\0\xef\xbb\xbf[default]\naccess_key=k\n")
    put("config", "outside", b"\0access_key = k\n")
    put("config", "base64-line", b"\0[default]\nc2VjcmV0==\n")
    put("config", "empty-value", b"\2[a]\nsecret_key =\nendpoint=\"\"\n")


def resumes():
    sha = "5388d992697d505af06cc11283926f5c4b5e7646d19f36d7f2fc88399e6af423"
    ok = {"file": "a.jpg", "sha256": sha, "error": None}
    bad = {"file": "b.jpg", "sha256": "0" * 64, "error": {"code": "40007"}}
    dry = {"file": "c.jpg", "sha256": "1" * 64, "error": None,
           "dry_run": True}
    lines = [json.dumps(x) for x in (ok, bad, dry)]
    put("resume", "three", "\n".join(lines) + "\n")
    put("resume", "cut", lines[0] + "\n" + lines[1][:30])
    put("resume", "junk", "not json\n[1,2]\n\n" + json.dumps(
        {"sha256": "ABC", "error": None}) + "\n")
    put("resume", "many", "".join(json.dumps({"sha256": "%064x" % (i * 7919),
        "error": None}) + "\n" for i in range(20, 0, -1)))


def b64s():
    put("b64", "jpeg", base64.b64encode(jpeg(8, 8)))
    put("b64", "lines", b"QUJD\r\nREVG\nR0g=\n")
    put("b64", "pad2", b"QQ==")
    put("b64", "bad-pad", b"QQ=A")
    put("b64", "empty", b"")
    put("b64", "spaces", b" Q U J D ")


def gathers():
    # The first byte's low bit selects NUL-separated (-0) lists.
    put("gather", "lines", b"\0a.jpg\nb.jpeg\r\n\n/dir/c.JPG\nlast")
    put("gather", "nul", b"\1a.jpg\0b c.jpg\0\0d\n.jpg\0")
    put("gather", "nul-in-lines", b"\0a\0b\n")
    put("gather", "long", b"\0" + b"x" * 4097 + b"\n")


def locengines():
    # fuzz_locengine: mode, width - 16, height - 16, 8 corner bytes, RGB
    # pixels that the target scales up 4 times. The real back, whole
    # (mode 0: find the card) and as a card at its approximate corners.
    back = Image.open(os.path.join(os.path.dirname(TOP), "..", "tests",
                                   "fixtures", "card_back.jpg")).convert("RGB")
    small = back.resize((200, 150))
    px = small.tobytes()
    corners = bytes([30, 50, 225, 50, 225, 205, 30, 205])
    put("locengine", "back-find", bytes([0, 200 - 16, 150 - 16]) + corners + px)
    put("locengine", "back-quad", bytes([1, 200 - 16, 150 - 16]) + corners + px)
    grey = Image.new("RGB", (48, 32), (200, 200, 200))
    put("locengine", "flat", bytes([0, 32, 16]) + corners + grey.tobytes())


responses()
jpegs()
locengines()
configs()
resumes()
b64s()
gathers()

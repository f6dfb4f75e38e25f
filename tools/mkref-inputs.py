#!/usr/bin/python3
# Makes the reference inputs of tests/fixtures/nn/ from real pictures, preprocessed as PaddleOCR does.
"""
Writes NAME.in.bin (raw little-endian float32, NCHW with N = 1) for each
case and a manifest.json listing them; tools/ort-ref.mjs then runs ONNX
Runtime on these inputs and adds the outputs to the manifest.

Pictures: tests/fixtures/card_back.jpg (a real card back, given as
SAMPLE) and synthetic SPECIMEN cards drawn by tests/mkcards.py with made-up
fields, one of them rotated onto a background as a phone photo would be.

Preprocessing follows ../shared/reference/engine-notes.md:
  det: BGR, resized to the case's size (multiples of 32), x/255, then
       (x - mean) / std per plane with mean 0.485 0.456 0.406 and std
       0.229 0.224 0.225 applied to the B, G, R planes in that order.
  rec: BGR crop of one text line, resized to height 48 keeping the aspect
       ratio (or to the case's width), x/255, (x - 0.5) / 0.5; a crop
       narrower than the case's width is padded on the right with 0, as
       PaddleOCR pads its batches.

usage: tools/mkref-inputs.py SAMPLE OUTDIR SCRATCHDIR
"""
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

DET_MEAN = (0.485, 0.456, 0.406)
DET_STD = (0.229, 0.224, 0.225)
REC_H = 48


def bgr(img):
    """HxWx3 float32 array in BGR order, 0..255."""
    a = np.asarray(img.convert("RGB"), dtype=np.float32)
    return a[:, :, ::-1]


def det_input(img, w, h):
    a = bgr(img.resize((w, h), Image.BILINEAR)) / 255.0
    planes = [(a[:, :, c] - DET_MEAN[c]) / DET_STD[c] for c in range(3)]
    return np.stack(planes)[None].astype("<f4")


def rec_input(img, box, width, stretch):
    """Crop box (l, t, r, b); stretch resizes straight to width, otherwise
    the aspect ratio is kept and the rest is padded with 0."""
    crop = img.crop(box)
    w = width if stretch else min(width, int(np.ceil(REC_H * crop.width / crop.height)))
    a = bgr(crop.resize((w, REC_H), Image.BILINEAR)) / 255.0
    a = (a - 0.5) / 0.5
    out = np.zeros((1, 3, REC_H, width), dtype="<f4")
    out[0, :, :, :w] = a.transpose(2, 0, 1)
    return out


def photo(card, angle, size, seed):
    """The card rotated by angle degrees on a shaded, noisy table top."""
    rng = np.random.default_rng(seed)
    W, H = size
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    base = 90 + 60 * xx / W + 30 * yy / H
    table = np.stack([base * 0.9, base * 0.8, base * 0.7], axis=2)
    table += rng.normal(0, 6, table.shape)
    bg = Image.fromarray(np.clip(table, 0, 255).astype(np.uint8))
    rot = card.convert("RGBA").rotate(angle, resample=Image.BICUBIC, expand=True)
    bg.paste(rot, ((W - rot.width) // 2, (H - rot.height) // 2), rot)
    return bg


def main():
    sample, outdir, scratch = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    os.makedirs(scratch, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    mk = os.path.join(here, "..", "tests", "mkcards.py")
    front_path = os.path.join(scratch, "front.jpg")
    subprocess.run([sys.executable, mk, "front", "-o", front_path, "--width", "1200",
                    "--name", "张伟明", "--sex", "男", "--people", "汉",
                    "--birthday", "1985-03-12",
                    "--address", "北京市海淀区中关村南大街甲27号院3号楼1单元502室",
                    "--id-number", "110108198503120012"], check=True)
    back = Image.open(sample)
    front = Image.open(front_path)
    front.load()

    cases = []

    def add(name, model, arr, source, image=None):
        fn = name + ".in.bin"
        arr.tofile(os.path.join(outdir, fn))
        case = {"name": name, "model": model, "input": fn,
                "input_dims": list(arr.shape), "source": source}
        if image is not None:
            # The picture's own size, which det boxes are mapped back to.
            case["image_size"] = [image.width, image.height]
        cases.append(case)

    add("det_back_96x160", "det", det_input(back, 160, 96),
        "tests/fixtures/card_back.jpg (437x273) resized to 160x96", back)
    add("det_front_224x352", "det", det_input(front, 352, 224),
        "mkcards.py front, width 1200, resized to 352x224", front)
    table = photo(front, 7.0, (1400, 1000), 10)
    add("det_photo_320x448", "det", det_input(table, 448, 320),
        "mkcards.py front rotated 7 degrees on a 1400x1000 noisy table, resized to 448x320",
        table)
    add("rec_front_people_80", "rec",
        rec_input(front, (470, 176, 524, 228), 80, False),
        "mkcards.py front, box (470,176)-(524,228): the one-character value, padded to width 80")
    add("rec_back_authority_209", "rec",
        rec_input(back, (170, 192, 279, 217), 209, False),
        "tests/fixtures/card_back.jpg, box (170,192)-(279,217): the issuing authority, odd width 209")
    add("rec_back_validity_320", "rec",
        rec_input(back, (172, 224, 358, 252), 320, True),
        "tests/fixtures/card_back.jpg, box (172,224)-(358,252): the validity dates, resized to 320")
    add("rec_front_idnumber_640", "rec",
        rec_input(front, (78, 610, 890, 672), 640, True),
        "mkcards.py front, box (78,610)-(890,672): label and ID number, resized to 640")

    manifest = {"generated_by": "tools/mkref-inputs.py", "cases": cases}
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

// The peer of the local engine in make bench-engine-peer: PaddleOCR's own pipeline (det on the whole photo, rec on every box) on ONNX Runtime, and a user's label-based field parser.
//
// usage: node tools/ort-pipeline.mjs SCRATCH MODELS_DIR [-j N] FILE...
//
// SCRATCH holds onnxruntime-node, sharp (libvips with libjpeg-turbo, for
// decoding as cv2.imread does), @techstark/opencv-js and clipper-lib,
// installed there by tools/ort-pipeline.sh; MODELS_DIR the PP-OCRv4 det
// and rec models and ppocr_keys_v1.txt. For each photo, as PaddleOCR's
// text system does it with no angle classifier: decode (EXIF orientation
// applied), det on the whole photo with its long side at 960 (limit type
// "max", multiples of 32), DB post-processing (tools/ocr-db.mjs: map
// threshold 0.3, box score 0.6, unclip 1.5, min size 3), each box cut out
// with a perspective warp (a box 1.5 times taller than wide turned a
// quarter counter-clockwise), rec in batches of 6 crops of similar aspect
// ratio at height 48 (width from the batch's widest ratio, at least
// 320), CTC greedy decoding, lines under 0.5 dropped. One session per
// model with one thread each.
//
// Then the fields, the way a user's OCR script reads them: by the card's
// label words (姓名 性别 民族 出生 住址 公民身份号码 签发机关 有效期限) and
// simple patterns over the rows of the card (cardRows), with no check digits,
// no region table and no geometry (parse_fields below).
//
// Without -j (or -j 1) the photos are read one after the other on this
// thread, and each line carries "cpu_ms": the process's CPU time for that
// photo (decoding included). With -j N, N worker threads (each with its
// own sessions, as N processes of a Python script would have) share the
// photos, and the last line gives the wall time and the peak RSS of the
// process. Output, one JSON line per photo, the shape build/engine-run
// prints (tests/bench-score.py reads it): {"file", "card", "ncards",
// "code", "side", the fields, "rows", "cpu_ms"}; then {"images",
// "wall_s", "images_per_s", "peak_rss_mb"}.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

import { dbBoxes } from "./ocr-db.mjs";

const DET = { limit_side: 960, thresh: 0.3, box_thresh: 0.6, unclip_ratio: 1.5, min_size: 3, max_candidates: 1000 };
const REC = { height: 48, min_width: 320, batch: 6, drop_score: 0.5 };
const SESSION = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function usage() {
  console.error("usage: node tools/ort-pipeline.mjs SCRATCH MODELS_DIR [-j N] FILE...");
  process.exit(2);
}

// Everything one reader needs: libraries, sessions, the keys.
async function openReader(scratch, modelsDir) {
  const require = createRequire(path.resolve(scratch, "package.json"));
  const ort = require("onnxruntime-node");
  const sharp = require("sharp");
  const cv = require("@techstark/opencv-js");
  const ClipperLib = require("clipper-lib");

  // libvips would start its own threads: one reader is one thread.
  sharp.concurrency(1);
  sharp.cache(false);
  await new Promise((resolve) => {
    if (cv.Mat) resolve();
    else cv.onRuntimeInitialized = resolve;
  });
  const det = await ort.InferenceSession.create(path.join(modelsDir, "ch_PP-OCRv4_det_infer.onnx"), SESSION);
  const rec = await ort.InferenceSession.create(path.join(modelsDir, "ch_PP-OCRv4_rec_infer.onnx"), SESSION);
  // Class 0 is the CTC blank, class i the keys file's line i, and one
  // more class after the last line is a space.
  const keys = fs.readFileSync(path.join(modelsDir, "ppocr_keys_v1.txt"), "utf8").split("\n");
  if (keys[keys.length - 1] === "") keys.pop();
  const classes = ["", ...keys.map((k) => k.replace(/\r$/, "")), " "];
  return { ort, sharp, cv, ClipperLib, det, rec, classes };
}

// JPEG to a BGR cv.Mat (the channel order PaddleOCR reads with cv2).
async function decode(R, buf) {
  const { data, info } = await R.sharp(buf, { failOn: "none" })
    .rotate()
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const rgb = new R.cv.Mat(info.height, info.width, R.cv.CV_8UC3);
  rgb.data.set(data);
  const bgr = new R.cv.Mat();
  R.cv.cvtColor(rgb, bgr, R.cv.COLOR_RGB2BGR);
  rgb.delete();
  return bgr;
}

// HWC bytes of m to a CHW float tensor with per-channel (x/255 - mean)/std.
function toCHW(m, mean, std, out, outW, offset) {
  const h = m.rows, w = m.cols, d = m.data, plane = outW * h;
  for (let c = 0; c < 3; c++) {
    const a = 1 / 255 / std[c], b = mean[c] / std[c], base = offset + c * plane;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) out[base + y * outW + x] = d[(y * w + x) * 3 + c] * a - b;
    }
  }
}

async function detect(R, img) {
  const { cv } = R;
  const h = img.rows, w = img.cols;
  const ratio = Math.max(h, w) > DET.limit_side ? DET.limit_side / Math.max(h, w) : 1;
  const rh = Math.max(Math.round((h * ratio) / 32) * 32, 32);
  const rw = Math.max(Math.round((w * ratio) / 32) * 32, 32);
  const small = new cv.Mat();
  cv.resize(img, small, new cv.Size(rw, rh), 0, 0, cv.INTER_LINEAR);
  const x = new Float32Array(3 * rh * rw);
  toCHW(small, MEAN, STD, x, rw, 0);
  small.delete();
  const out = await R.det.run({ [R.det.inputNames[0]]: new R.ort.Tensor("float32", x, [1, 3, rh, rw]) });
  const map = out[R.det.outputNames[0]];
  return dbBoxes(cv, R.ClipperLib, map.data, map.dims[3], map.dims[2], w, h, DET);
}

// The box cut out upright, as PaddleOCR's get_rotate_crop_image does.
function cropBox(R, img, pts) {
  const { cv } = R;
  const d = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const cw = Math.trunc(Math.max(d(pts[0], pts[1]), d(pts[2], pts[3])));
  const ch = Math.trunc(Math.max(d(pts[0], pts[3]), d(pts[1], pts[2])));
  const src = cv.matFromArray(4, 1, cv.CV_32FC2, pts.flat());
  const dst = cv.matFromArray(4, 1, cv.CV_32FC2, [0, 0, cw, 0, cw, ch, 0, ch]);
  const M = cv.getPerspectiveTransform(src, dst);
  const crop = new cv.Mat();
  cv.warpPerspective(img, crop, M, new cv.Size(cw, ch), cv.INTER_CUBIC, cv.BORDER_REPLICATE, new cv.Scalar());
  src.delete(); dst.delete(); M.delete();
  if (crop.rows >= 1.5 * crop.cols) {
    const turned = new cv.Mat();
    cv.rotate(crop, turned, cv.ROTATE_90_COUNTERCLOCKWISE);
    crop.delete();
    return turned;
  }
  return crop;
}

// CTC greedy decoding of one batch item: [text, mean probability kept].
function ctc(R, probs, steps, nc, item) {
  let text = "", sum = 0, kept = 0, prev = -1;
  for (let t = 0; t < steps; t++) {
    const base = (item * steps + t) * nc;
    let best = 0;
    for (let c = 1; c < nc; c++) if (probs[base + c] > probs[base + best]) best = c;
    if (best !== 0 && best !== prev) {
      text += R.classes[best] ?? "";
      sum += probs[base + best];
      kept++;
    }
    prev = best;
  }
  return [text, kept ? sum / kept : 0];
}

async function recognise(R, img, boxes) {
  const { cv } = R;
  const crops = boxes.map((b) => cropBox(R, img, b.points));
  const order = crops.map((c, i) => i).sort((a, b) => crops[a].cols / crops[a].rows - crops[b].cols / crops[b].rows);
  const res = new Array(crops.length);
  const H = REC.height;
  for (let s = 0; s < order.length; s += REC.batch) {
    const idx = order.slice(s, s + REC.batch);
    let maxRatio = REC.min_width / H;
    for (const i of idx) maxRatio = Math.max(maxRatio, crops[i].cols / crops[i].rows);
    const W = Math.trunc(H * maxRatio);
    const x = new Float32Array(idx.length * 3 * H * W); // zero padding on the right
    idx.forEach((i, k) => {
      const c = crops[i];
      const rw = Math.min(W, Math.ceil((H * c.cols) / c.rows));
      const line = new cv.Mat();
      cv.resize(c, line, new cv.Size(rw, H), 0, 0, cv.INTER_LINEAR);
      toCHW(line, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], x, W, k * 3 * H * W);
      line.delete();
    });
    const out = await R.rec.run({ [R.rec.inputNames[0]]: new R.ort.Tensor("float32", x, [idx.length, 3, H, W]) });
    const p = out[R.rec.outputNames[0]];
    idx.forEach((i, k) => { res[i] = ctc(R, p.data, p.dims[1], p.dims[2], k); });
  }
  for (const c of crops) c.delete();
  const lines = [];
  boxes.forEach((b, i) => {
    if (res[i][1] >= REC.drop_score) lines.push({ text: res[i][0], score: Number(res[i][1].toFixed(4)), box: b.points });
  });
  return lines;
}

/*
 * The lines as rows of the card, top to bottom, each row's texts left to
 * right joined into one string. Rows are taken in the text's own frame
 * (the mean direction of the wider boxes), so a card photographed on its
 * side reads like an upright one; lines whose centres are within half a
 * line height of a row's belong to it.
 */
export function cardRows(lines) {
  let cx = 0, sy = 0;
  const geo = lines.map((l) => {
    const p = l.box;
    const e1 = [p[1][0] - p[0][0], p[1][1] - p[0][1]];
    const e2 = [p[2][0] - p[1][0], p[2][1] - p[1][1]];
    const [long, short] = Math.hypot(...e1) >= Math.hypot(...e2) ? [e1, e2] : [e2, e1];
    const len = Math.hypot(...long);
    if (len > 2 * Math.hypot(...short)) {
      // Doubled angles average directions that differ by 180 degrees.
      const a = 2 * Math.atan2(long[1], long[0]);
      cx += len * Math.cos(a);
      sy += len * Math.sin(a);
    }
    return { c: [(p[0][0] + p[2][0]) / 2, (p[0][1] + p[2][1]) / 2], h: Math.hypot(...short), text: l.text };
  });
  // The axis of the text, in (-90, 90] degrees; of its two directions the
  // one that rec reads: rightward near the horizontal, and downward near
  // the vertical (tall crops are turned counter-clockwise).
  let t = Math.atan2(sy, cx) / 2;
  if (t < -Math.PI / 4) t += Math.PI;
  const [c, s] = [Math.cos(t), Math.sin(t)];
  const pts = geo.map((g) => ({ x: g.c[0] * c + g.c[1] * s, y: -g.c[0] * s + g.c[1] * c, h: g.h, text: g.text }));
  pts.sort((a, b) => a.y - b.y);
  const rows = [];
  for (const q of pts) {
    const r = rows[rows.length - 1];
    if (r && Math.abs(q.y - r.y) < 0.5 * Math.max(q.h, r.h)) r.items.push(q);
    else rows.push({ y: q.y, h: q.h, items: [q] });
  }
  return rows.map((r) => r.items.sort((a, b) => a.x - b.x).map((q) => q.text).join(""));
}

/*
 * The fields from the card's rows, as a user's script does it: full-width
 * forms folded (NFKC), spaces dropped, then each field found after its
 * label word on the label's row (or the next row when nothing follows
 * it), the address from the 住址 row to the number's. No check
 * characters, no tables: only the text a person reads.
 */
export function parseFields(rows) {
  const L = rows.map((t) => t.normalize("NFKC").replace(/\s+/g, ""));
  const all = L.join("\n");
  const f = {};
  const LABELS = /姓名|性别|民族|出生|住址|公民身份号码|签发机关|有效期限/;
  // The text after label on its row up to the next label, or else the
  // next row when that is not itself a label.
  const after = (label) => {
    const i = L.findIndex((t) => t.includes(label));
    if (i < 0) return null;
    const rest = L[i].slice(L[i].indexOf(label) + label.length).split(LABELS)[0];
    if (rest !== "") return rest;
    const next = L[i + 1];
    return next !== undefined && !LABELS.test(next) ? next : null;
  };
  const flat = all.replace(/\n/g, "");
  const id = flat.match(/\d{17}[\dXx]/);
  if (id) f.id_number = id[0].toUpperCase();
  const name = after("姓名");
  if (name) f.name = name;
  const sex = (after("性别") || "").match(/男|女/) || flat.match(/男|女/);
  if (sex) f.sex = sex[0];
  const people = after("民族");
  if (people) f.people = people;
  const b = flat.match(/(\d{4})年(\d{1,2})月(\d{1,2})日/);
  if (b) f.birthday = `${b[1]}年${Number(b[2])}月${Number(b[3])}日`;
  const a = L.findIndex((t) => t.includes("住址"));
  if (a >= 0) {
    let addr = L[a].slice(L[a].indexOf("住址") + 2);
    for (let i = a + 1; i < L.length && !/公民身份|号码|\d{17}/.test(L[i]); i++) addr += L[i];
    if (addr) f.address = addr;
  }
  const auth = after("签发机关");
  if (auth) f.issue_authority = auth;
  const v = flat.match(/(\d{4}\.\d{2}\.\d{2})-(\d{4}\.\d{2}\.\d{2}|长期)/);
  if (v) f.validity = `${v[1]}-${v[2]}`;
  const front = f.id_number || f.name || /公民身份号码/.test(all);
  const back = f.issue_authority || f.validity || /签发机关|有效期限/.test(all);
  f.side = front ? "front" : back ? "back" : null;
  return f;
}

const FIELDS = ["name", "sex", "people", "birthday", "address", "id_number", "issue_authority", "validity"];

async function readOne(R, file) {
  const buf = fs.readFileSync(file);
  const t0 = process.cpuUsage();
  const img = await decode(R, buf);
  const boxes = await detect(R, img);
  const lines = await recognise(R, img, boxes);
  img.delete();
  const rows = cardRows(lines);
  const f = parseFields(rows);
  const d = process.cpuUsage(t0);
  const o = { file, card: 1, ncards: 1, code: f.side ? "" : "no_card", side: f.side };
  const mine = f.side === "front" ? FIELDS.slice(0, 6) : f.side === "back" ? FIELDS.slice(6) : [];
  for (const k of FIELDS) o[k] = mine.includes(k) ? (f[k] ?? null) : null;
  o.rows = rows;
  o.cpu_ms = (d.user + d.system) / 1000;
  return o;
}

function summary(n, wall) {
  return JSON.stringify({
    images: n,
    wall_s: Number(wall.toFixed(3)),
    images_per_s: Number((wall > 0 ? n / wall : 0).toFixed(3)),
    peak_rss_mb: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  });
}

if (!isMainThread) {
  const R = await openReader(workerData.scratch, workerData.models);
  parentPort.postMessage({ ready: true });
  parentPort.on("message", async (file) => {
    if (file === null) {
      parentPort.close();
      return;
    }
    try {
      parentPort.postMessage({ line: await readOne(R, file) });
    } catch (e) {
      parentPort.postMessage({ line: { file, code: "failed", error: String(e) } });
    }
  });
} else {
  const args = process.argv.slice(2);
  if (args.length < 2) usage();
  const [scratch, models] = args.splice(0, 2);
  let jobs = 1;
  if (args[0] === "-j") {
    jobs = Number(args[1]);
    args.splice(0, 2);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) usage();
  }
  if (args.length === 0) usage();
  if (jobs === 1) {
    const R = await openReader(scratch, models);
    const w0 = process.hrtime.bigint();
    for (const file of args) console.log(JSON.stringify(await readOne(R, file)));
    console.log(summary(args.length, Number(process.hrtime.bigint() - w0) / 1e9));
  } else {
    // Workers load their models first; the clock starts when all are ready,
    // as build/engine-run's does after loading.
    const self = new URL(import.meta.url);
    const workers = [];
    for (let k = 0; k < jobs; k++) {
      const w = new Worker(self, { workerData: { scratch, models } });
      workers.push(w);
      await new Promise((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      });
    }
    const w0 = process.hrtime.bigint();
    let next = 0, done = 0;
    await new Promise((resolve) => {
      const feed = (w) => w.postMessage(next < args.length ? args[next++] : null);
      for (const w of workers) {
        w.on("message", (m) => {
          if (!m.line) return;
          console.log(JSON.stringify(m.line));
          if (++done === args.length) resolve();
          feed(w);
        });
        feed(w);
      }
    });
    console.log(summary(args.length, Number(process.hrtime.bigint() - w0) / 1e9));
    for (const w of workers) await w.terminate();
  }
}

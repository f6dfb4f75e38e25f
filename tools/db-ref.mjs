// PaddleOCR's DB post-processing on the committed ONNX Runtime det maps, with OpenCV and Clipper, as the reference for src/ocr_det.c.
//
// usage: node tools/db-ref.mjs SCRATCH FIXTURES_DIR
//
// SCRATCH holds @techstark/opencv-js (OpenCV 4.5 built for JavaScript) and
// clipper-lib (Angus Johnson's Clipper), installed there by tools/db-ref.sh;
// they are the same primitives PaddleOCR's Python post-processing calls
// (cv2.findContours, cv2.minAreaRect, cv2.boxPoints, cv2.fillPoly,
// pyclipper's offset). For every det case of FIXTURES_DIR/manifest.json
// this follows PaddleOCR's DBPostProcess (score mode "fast") and the
// detector's filtering and reading-order sort, and writes
// FIXTURES_DIR/det_boxes.json: per case the boxes in picture coordinates
// (corners clockwise from top-left) with their scores.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

import { dbBoxes } from "./ocr-db.mjs";

const [scratch, fixDir] = process.argv.slice(2);
if (!fixDir) {
  console.error("usage: node tools/db-ref.mjs SCRATCH FIXTURES_DIR");
  process.exit(2);
}
const require = createRequire(path.resolve(scratch, "package.json"));
const cv = require("@techstark/opencv-js");
const ClipperLib = require("clipper-lib");

const P = { thresh: 0.3, box_thresh: 0.5, unclip_ratio: 1.5, min_size: 3, max_candidates: 1000 };

await new Promise((resolve) => {
  if (cv.Mat) resolve();
  else cv.onRuntimeInitialized = resolve;
});
const manifest = JSON.parse(fs.readFileSync(path.join(fixDir, "manifest.json"), "utf8"));
const out = {
  generated_by: "tools/db-ref.mjs",
  opencv: cv.getBuildInformation().match(/OpenCV (\S+)/)[1],
  params: P,
  cases: [],
};
for (const c of manifest.cases) {
  if (c.model !== "det") continue;
  const buf = fs.readFileSync(path.join(fixDir, c.output));
  const pred = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const [, , h, w] = c.output_dims;
  const [destW, destH] = c.image_size;
  const boxes = dbBoxes(cv, ClipperLib, pred, w, h, destW, destH, P);
  out.cases.push({ name: c.name, map: c.output, map_size: [w, h], image_size: [destW, destH], boxes });
  console.error(`${c.name}: ${boxes.length} boxes`);
}
// Arrays of numbers, and arrays of those (corner lists), on one line each.
const oneLine = (m) => m.replace(/\s+/g, " ").replace(/\[ /g, "[").replace(/ \]/g, "]");
const text = JSON.stringify(out, null, 1)
  .replace(/\[[-\d.,\s]+\]/g, oneLine)
  .replace(/\[(\s*\[[-\d., ]+\],?)+\s*\]/g, oneLine);
fs.writeFileSync(path.join(fixDir, "det_boxes.json"), text + "\n");

// PaddleOCR's DB post-processing (score mode "fast") with OpenCV and Clipper: shared by tools/db-ref.mjs and tools/ort-pipeline.mjs.
//
// dbBoxes(cv, ClipperLib, pred, w, h, destW, destH, P) takes the det
// model's probability map pred (w x h floats) and returns the text boxes
// in picture coordinates (destW x destH): corners clockwise from the
// top-left, with their scores, in PaddleOCR's reading order. P holds
// thresh, box_thresh, unclip_ratio, min_size and max_candidates. cv is
// @techstark/opencv-js (the primitives PaddleOCR's Python calls:
// findContours, minAreaRect, boxPoints, fillPoly) and ClipperLib is
// clipper-lib (pyclipper's offset).

// cv2.minAreaRect, then its corners ordered as PaddleOCR's get_mini_boxes
// orders them; returns [box, shorter side].
function miniBox(cv, contourMat) {
  const r = cv.minAreaRect(contourMat);
  const pts = cv.RotatedRect.points(r).map((p) => [p.x, p.y]);
  pts.sort((a, b) => a[0] - b[0]);
  let i1, i2, i3, i4;
  if (pts[1][1] > pts[0][1]) { i1 = 0; i4 = 1; } else { i1 = 1; i4 = 0; }
  if (pts[3][1] > pts[2][1]) { i2 = 2; i3 = 3; } else { i2 = 3; i3 = 2; }
  return [[pts[i1], pts[i2], pts[i3], pts[i4]], Math.min(r.size.width, r.size.height)];
}

function pointsMat(cv, pts) {
  return cv.matFromArray(pts.length, 1, cv.CV_32SC2, pts.flat().map(Math.trunc));
}

function pointsMatF(cv, pts) {
  return cv.matFromArray(pts.length, 1, cv.CV_32FC2, pts.flat());
}

// Mean probability inside the box over its bounding rectangle (box_score_fast).
function scoreFast(cv, pred, w, h, box) {
  const xs = box.map((p) => p[0]);
  const ys = box.map((p) => p[1]);
  const clip = (v, hi) => Math.min(Math.max(v, 0), hi);
  const xmin = clip(Math.floor(Math.min(...xs)), w - 1);
  const xmax = clip(Math.ceil(Math.max(...xs)), w - 1);
  const ymin = clip(Math.floor(Math.min(...ys)), h - 1);
  const ymax = clip(Math.ceil(Math.max(...ys)), h - 1);
  const mw = xmax - xmin + 1;
  const mh = ymax - ymin + 1;
  const mask = cv.Mat.zeros(mh, mw, cv.CV_8UC1);
  const poly = new cv.MatVector();
  const pm = pointsMat(cv, box.map((p) => [p[0] - xmin, p[1] - ymin]));
  poly.push_back(pm);
  cv.fillPoly(mask, poly, new cv.Scalar(1));
  let sum = 0;
  let n = 0;
  for (let y = 0; y < mh; y++) {
    for (let x = 0; x < mw; x++) {
      if (mask.ucharPtr(y, x)[0]) {
        sum += pred[(ymin + y) * w + xmin + x];
        n++;
      }
    }
  }
  mask.delete(); poly.delete(); pm.delete();
  return n ? sum / n : 0;
}

// Offset the box by area * ratio / perimeter with round joins (unclip),
// on integer coordinates as pyclipper takes them.
function unclip(ClipperLib, box, ratio) {
  let area = 0;
  let len = 0;
  for (let i = 0; i < 4; i++) {
    const [x0, y0] = box[i];
    const [x1, y1] = box[(i + 1) % 4];
    area += x0 * y1 - x1 * y0;
    len += Math.hypot(x1 - x0, y1 - y0);
  }
  const distance = (Math.abs(area) / 2) * ratio / len;
  const co = new ClipperLib.ClipperOffset(2, 0.25);
  co.AddPath(box.map(([x, y]) => ({ X: Math.trunc(x), Y: Math.trunc(y) })),
    ClipperLib.JoinType.jtRound, ClipperLib.EndType.etClosedPolygon);
  const out = new ClipperLib.Paths();
  co.Execute(out, distance);
  return out.length ? out[0].map((p) => [p.X, p.Y]) : null;
}

// The detector's own steps after DBPostProcess: corners clockwise from the
// top-left, clipped to the picture, tiny boxes dropped, reading order.
function orderClockwise(box) {
  const s = [...box].sort((a, b) => a[0] - b[0]);
  const left = s.slice(0, 2).sort((a, b) => a[1] - b[1]);
  const right = s.slice(2).sort((a, b) => a[1] - b[1]);
  return [left[0], right[0], right[1], left[1]];
}

export function dbBoxes(cv, ClipperLib, pred, w, h, destW, destH, P) {
  const bitmap = new cv.Mat(h, w, cv.CV_8UC1);
  for (let i = 0; i < w * h; i++) bitmap.data[i] = pred[i] > P.thresh ? 255 : 0;
  const contours = new cv.MatVector();
  const hier = new cv.Mat();
  cv.findContours(bitmap, contours, hier, cv.RETR_LIST, cv.CHAIN_APPROX_SIMPLE);
  const boxes = [];
  const n = Math.min(contours.size(), P.max_candidates);
  for (let i = 0; i < n; i++) {
    const c = contours.get(i);
    const [raw, sside] = miniBox(cv, c);
    c.delete();
    // OpenCV's corners are float32: 186 comes out as 185.99998, which the
    // floor and truncation below would turn into a whole pixel's shift of
    // the score window (up to 0.13 of score on these maps). Rounded to
    // 1/1000 pixel they are what the rectangle means.
    const pts = raw.map((p) => p.map((v) => Math.round(v * 1000) / 1000));
    if (sside < P.min_size) continue;
    const score = scoreFast(cv, pred, w, h, pts);
    if (P.box_thresh > score) continue;
    const grown = unclip(ClipperLib, pts, P.unclip_ratio);
    if (!grown) continue;
    const gm = pointsMatF(cv, grown);
    const [box, side2] = miniBox(cv, gm);
    gm.delete();
    if (side2 < P.min_size + 2) continue;
    let b = box.map(([x, y]) => [
      Math.min(Math.max(Math.round((x / w) * destW), 0), destW),
      Math.min(Math.max(Math.round((y / h) * destH), 0), destH),
    ]);
    b = orderClockwise(b).map(([x, y]) => [Math.min(Math.max(x, 0), destW - 1), Math.min(Math.max(y, 0), destH - 1)]);
    const rw = Math.trunc(Math.hypot(b[0][0] - b[1][0], b[0][1] - b[1][1]));
    const rh = Math.trunc(Math.hypot(b[0][0] - b[3][0], b[0][1] - b[3][1]));
    if (rw <= 3 || rh <= 3) continue;
    boxes.push({ points: b, score: Number(score.toFixed(5)) });
  }
  bitmap.delete(); contours.delete(); hier.delete();
  // Top to bottom, then left to right among boxes within 10 pixels in y.
  boxes.sort((a, b) => a.points[0][1] - b.points[0][1] || a.points[0][0] - b.points[0][0]);
  for (let i = 0; i < boxes.length - 1; i++) {
    for (let j = i; j >= 0; j--) {
      const a = boxes[j].points[0];
      const b = boxes[j + 1].points[0];
      if (Math.abs(b[1] - a[1]) < 10 && b[0] < a[0]) {
        [boxes[j], boxes[j + 1]] = [boxes[j + 1], boxes[j]];
      } else break;
    }
  }
  return boxes;
}

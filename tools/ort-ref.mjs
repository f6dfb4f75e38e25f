// Runs ONNX Runtime (onnxruntime-node) on the committed reference inputs and writes their outputs.
//
// usage: node tools/ort-ref.mjs ORT_SCRATCH MODELS_DIR FIXTURES_DIR
//
// ORT_SCRATCH is the directory onnxruntime-node was installed into (by
// tools/ort-ref.sh); MODELS_DIR holds the PP-OCRv4 models and keys file.
// FIXTURES_DIR/manifest.json lists the cases (written by
// tools/mkref-inputs.py); for each this writes NAME.out.bin (raw
// little-endian float32, the model's first output) and adds the output's
// dims to the manifest, plus for rec the CTC greedy decoding (indices,
// text, confidence, min_margin) and for det the number of map pixels
// above 0.3 (and within 1e-3 of it), so a test can compare sequences and
// thresholded maps and a person can read what the model saw.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [scratch, modelsDir, fixDir] = process.argv.slice(2);
if (!fixDir) {
  console.error("usage: node tools/ort-ref.mjs ORT_SCRATCH MODELS_DIR FIXTURES_DIR");
  process.exit(2);
}
const require = createRequire(path.resolve(scratch, "package.json"));
const ort = require("onnxruntime-node");

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("the fixtures are little-endian; this machine is not");
}

const MODELS = { det: "ch_PP-OCRv4_det_infer.onnx", rec: "ch_PP-OCRv4_rec_infer.onnx" };
// One thread and sequential execution: the same settings as the bench, and
// no run-to-run variation from parallel reductions.
const SESSION = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

// Line i (1-based) of the keys file is class i; class 0 is the CTC blank
// and the one class after the last line is a space.
function loadKeys(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function ctcGreedy(data, steps, classes, keys) {
  const indices = [];
  const probs = [];
  let prev = -1;
  let margin = Infinity;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestP = data[t * classes];
    let second = -Infinity;
    for (let c = 1; c < classes; c++) {
      const p = data[t * classes + c];
      if (p > bestP) {
        second = bestP;
        bestP = p;
        best = c;
      } else if (p > second) {
        second = p;
      }
    }
    margin = Math.min(margin, bestP - second);
    if (best !== 0 && best !== prev) {
      indices.push(best);
      probs.push(bestP);
    }
    prev = best;
  }
  const text = indices.map((i) => (i <= keys.length ? keys[i - 1] : " ")).join("");
  const confidence = probs.length ? probs.reduce((a, b) => a + b, 0) / probs.length : 0;
  // min_margin: the smallest gap between a step's best and second-best
  // probability, i.e. how far any output may move before the argmax flips.
  return { indices, text, confidence: Number(confidence.toFixed(6)), min_margin: Number(margin.toExponential(3)) };
}

const manifestPath = path.join(fixDir, "manifest.json");
const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
const keys = loadKeys(path.join(modelsDir, "ppocr_keys_v1.txt"));
const sessions = {};
for (const [k, f] of Object.entries(MODELS)) {
  sessions[k] = await ort.InferenceSession.create(path.join(modelsDir, f), SESSION);
}

for (const c of manifest.cases) {
  const s = sessions[c.model];
  const buf = fs.readFileSync(path.join(fixDir, c.input));
  const n = c.input_dims.reduce((a, b) => a * b, 1);
  if (buf.length !== n * 4) throw new Error(`${c.input}: ${buf.length} bytes, dims say ${n * 4}`);
  const x = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const feeds = { [s.inputNames[0]]: new ort.Tensor("float32", x, c.input_dims) };
  const res = await s.run(feeds);
  const y = res[s.outputNames[0]];
  c.output = `${c.name}.out.bin`;
  c.output_dims = y.dims.map(Number);
  fs.writeFileSync(path.join(fixDir, c.output), Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  if (c.model === "rec") {
    const [, steps, classes] = c.output_dims;
    if (classes !== keys.length + 2) throw new Error(`rec has ${classes} classes, keys ${keys.length} lines`);
    Object.assign(c, ctcGreedy(y.data, steps, classes, keys));
  } else {
    c.above_0_3 = y.data.reduce((a, v) => a + (v > 0.3 ? 1 : 0), 0);
    // Pixels within 1e-3 of the threshold: the only ones an output within
    // the allowed 1e-3 could put on the other side.
    c.near_0_3 = y.data.reduce((a, v) => a + (Math.abs(v - 0.3) <= 1e-3 ? 1 : 0), 0);
  }
  console.error(`${c.name}: ${c.output_dims.join("x")}${c.text !== undefined ? " " + c.text : ""}`);
}

const out = {
  ort_version: ort.env.versions.common,
  generated_by: "tools/ort-ref.mjs",
  inputs_by: manifest.inputs_by ?? manifest.generated_by,
  session_options: SESSION,
  cases: manifest.cases,
};
// Arrays of numbers (dims, indices) on one line each, for people reading it.
const text = JSON.stringify(out, null, 1).replace(/\[[-\d.,\s]+\]/g, (m) => m.replace(/\s+/g, " ").replace(/\[ /, "[").replace(/ \]/, "]"));
fs.writeFileSync(manifestPath + ".tmp", text + "\n");
fs.renameSync(manifestPath + ".tmp", manifestPath);

// ONNX Runtime's side of make bench-engine: CPU time per pass with one thread, and peak RSS.
//
// usage: node tools/ort-bench.mjs ORT_SCRATCH MODEL.onnx C H W ITERATIONS [MODEL.onnx C H W ITERATIONS]...
//
// Creates every session first (so the RSS covers all models loaded at
// once), then for each: two warm-up passes, then ITERATIONS timed passes
// on a fixed pseudo-random 1xCxHxW input. The time of a pass is the
// process's user + system CPU time (process.cpuUsage) across session.run,
// so any thread ORT started would be counted. Prints, like build/nn-bench:
//   ort MODEL 1x3x736x960 median_ms 152.3 min_ms 150.1 passes 20
//   ort peak_rss_mb 260.1
import { createRequire } from "node:module";
import path from "node:path";

const [scratch, ...rest] = process.argv.slice(2);
if (!scratch || rest.length === 0 || rest.length % 5 !== 0) {
  console.error("usage: node tools/ort-bench.mjs ORT_SCRATCH MODEL.onnx C H W ITERATIONS ...");
  process.exit(2);
}
const require = createRequire(path.resolve(scratch, "package.json"));
const ort = require("onnxruntime-node");

// One thread for everything: the setting the runtime is compared in.
const SESSION = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

// Uniform values in [-2, 2) from a fixed linear congruential sequence: the
// same input on every run, in the range of normalised pixels.
function input(n) {
  const a = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = (s / 4294967296) * 4 - 2;
  }
  return a;
}

const jobs = [];
for (let i = 0; i < rest.length; i += 5) {
  const [model, c, h, w, iters] = rest.slice(i, i + 5);
  const dims = [1, Number(c), Number(h), Number(w)];
  const session = await ort.InferenceSession.create(model, SESSION);
  jobs.push({ model, dims, iters: Number(iters), session });
}
for (const j of jobs) {
  const x = new ort.Tensor("float32", input(j.dims.reduce((a, b) => a * b, 1)), j.dims);
  const feeds = { [j.session.inputNames[0]]: x };
  for (let k = 0; k < 2; k++) await j.session.run(feeds);
  const ms = [];
  for (let k = 0; k < j.iters; k++) {
    const t0 = process.cpuUsage();
    await j.session.run(feeds);
    const d = process.cpuUsage(t0);
    ms.push((d.user + d.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  const median = ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
  console.log(`ort ${j.model} ${j.dims.join("x")} median_ms ${median.toFixed(1)} min_ms ${ms[0].toFixed(1)} passes ${ms.length}`);
}
console.log(`ort peak_rss_mb ${(process.resourceUsage().maxRSS / 1024).toFixed(1)}`);
console.log(`ort version ${ort.env.versions.common}`);

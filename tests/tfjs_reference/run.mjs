// Reference runner: executes a TF.js graph model with TensorFlow.js itself so the
// Python test suite can compare our PyTorch ports against it on identical inputs.
//
//   node run.mjs --model PATH/model.json --input IN.npy --out OUT_DIR [--backend wasm|cpu]
//
// Writes one .npy per output (name with ':' and '/' replaced by '_') and outputs.json.
// Any error: one line on stderr, exit code 1.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WASM_DIR = path.join(HERE, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep;

// ---- .npy (format versions 1-3); only what the reference needs -------------------

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(NPY_MAGIC)) throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4') throw new Error(`${file}: dtype ${descr} unsupported, need little-endian float32 ('<f4')`);
  if (fortran !== 'False') throw new Error(`${file}: Fortran-order arrays unsupported, need C order`);
  if (shapeText === undefined) throw new Error(`${file}: no shape in .npy header`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (buf.length - dataStart !== size * 4) throw new Error(`${file}: expected ${size * 4} data bytes, found ${buf.length - dataStart}`);
  // Copy: the data offset inside the Buffer's pool is not necessarily 4-byte aligned.
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + dataStart, buf.byteOffset + buf.length));
  return { data, shape };
}

function writeNpy(file, data, shape) { // data: Float32Array, C order
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1.0: magic(6) + version(2) + len(2) + header, padded with spaces so data is 64-byte aligned.
  header = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const prefix = Buffer.alloc(10);
  NPY_MAGIC.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

// ---- model loading from disk (no tfjs-node, no fetch) -----------------------------

function fileHandler(modelJsonPath) {
  const dir = path.dirname(modelJsonPath);
  return {
    load: async () => {
      const modelJson = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
      // Shards are concatenated in manifest order, as tf.io's HTTP loader does.
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = manifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
        const all = Buffer.concat(shards);
        return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.length)];
      });
    },
  };
}

// ---- main ---------------------------------------------------------------------------

async function main() {
  const { values: args } = parseArgs({
    options: {
      model: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
    },
    strict: true,
  });
  for (const k of ['model', 'input', 'out']) if (!args[k]) throw new Error(`missing --${k}`);
  if (!['wasm', 'cpu'].includes(args.backend)) throw new Error(`--backend must be wasm or cpu, got ${args.backend}`);

  // Keep stderr for real errors: PROD mutes tfjs's advisory warnings (e.g. "install tfjs-node"),
  // and executeAsync's "you can use model.execute()" notice is printed unconditionally.
  tf.enableProdMode();
  const warn = console.warn;
  console.warn = (...a) => { if (!String(a[0]).startsWith('This model execution did not contain')) warn(...a); };

  if (args.backend === 'wasm') setWasmPaths(WASM_DIR); // local file path: nothing is downloaded
  if (!(await tf.setBackend(args.backend))) throw new Error(`backend ${args.backend} failed to initialise`);
  await tf.ready();

  const model = await tf.loadGraphModel(fileHandler(path.resolve(args.model)));
  if (model.inputs.length !== 1) throw new Error(`model has ${model.inputs.length} inputs, runner supports exactly 1`);
  const spec = model.inputs[0];
  const { data, shape } = readNpy(args.input);
  if (spec.shape && (spec.shape.length !== shape.length || spec.shape.some((d, i) => d > 0 && d !== shape[i]))) {
    throw new Error(`input shape [${shape}] does not match model input ${spec.name} [${spec.shape}]`);
  }

  const input = tf.tensor(data, shape, 'float32');
  const names = model.outputNodes; // signature keys, in signature order
  const t0 = performance.now();
  let outs = await model.executeAsync({ [spec.name]: input }, names);
  const seconds = (performance.now() - t0) / 1000;
  if (!Array.isArray(outs)) outs = [outs];

  fs.mkdirSync(args.out, { recursive: true });
  const index = {};
  for (let i = 0; i < names.length; i++) {
    const t = outs[i];
    const values = await t.data();
    const file = names[i].replace(/[:/]/g, '_') + '.npy';
    writeNpy(path.join(args.out, file), t.dtype === 'float32' ? values : Float32Array.from(values), t.shape);
    index[names[i]] = { file, shape: t.shape };
  }
  const meta = { backend: tf.getBackend(), tfjs: tf.version.tfjs, execute_seconds: seconds, outputs: index };
  fs.writeFileSync(path.join(args.out, 'outputs.json'), JSON.stringify(meta, null, 2) + '\n');
}

main().catch((err) => {
  const msg = (err && err.message) || String(err);
  process.stderr.write(`tfjs_reference: ${msg.split('\n')[0]}\n`);
  process.exit(1);
});

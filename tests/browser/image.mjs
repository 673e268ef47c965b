// Small image readers and a "not blank" check, shared by the browser test (PNG screenshots
// from Chromium) and the desktop test (binary PPM from opsim-desktop --screenshot).
// No dependencies beyond node's zlib.
//
// As a command: node image.mjs FILE.(png|ppm) [--width W --height H]
// prints the measures and exits 1 when the image looks blank (or has the wrong size).
import {readFileSync} from 'node:fs';
import {inflateSync} from 'node:zlib';
import {fileURLToPath} from 'node:url';

// PNG, 8 bits per channel, RGB or RGBA, not interlaced (what Chromium writes).
export function decodePng(buf) {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  for (let i = 0; i < 8; i++) if (buf[i] !== sig[i]) throw new Error('not a PNG file');
  let pos = 8, width = 0, height = 0, channels = 0;
  const idat = [];
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8], colour = data[9], interlace = data[12];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG (bit depth ${depth}, colour type ${colour}, interlace ${interlace})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  if (!width || !height) throw new Error('PNG without IHDR');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('PNG data too short');
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1, dst = y * stride, up = dst - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[dst + x - channels] : 0;
      const b = y > 0 ? out[up + x] : 0;
      const c = x >= channels && y > 0 ? out[up + x - channels] : 0;
      let v = raw[src + x];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) >> 1; break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      out[dst + x] = v & 255;
    }
  }
  return {width, height, channels, data: out};
}

// Binary PPM (P6, maxval 255).
export function decodePpm(buf) {
  const fields = [];
  let pos = 0;
  while (fields.length < 4 && pos < buf.length) {
    while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]))) pos++;
    if (buf[pos] === 35) {  // '#' comment
      while (pos < buf.length && buf[pos] !== 10) pos++;
      continue;
    }
    let start = pos;
    while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    fields.push(buf.toString('latin1', start, pos));
  }
  pos++;  // the single whitespace after maxval
  const [magic, w, h, max] = fields;
  if (magic !== 'P6' || max !== '255') throw new Error(`not a binary 8-bit PPM (${magic}, maxval ${max})`);
  const width = Number(w), height = Number(h);
  const data = buf.subarray(pos, pos + width * height * 3);
  if (data.length !== width * height * 3) throw new Error('PPM data too short');
  return {width, height, channels: 3, data};
}

export function decodeImage(path) {
  const buf = readFileSync(path);
  return buf[0] === 0x89 ? decodePng(buf) : decodePpm(buf);
}

// Measures of a region (fractions of the image: {x0, y0, x1, y1} in 0..1): how many distinct
// colours, which colour is the background (the most common) and what share of the pixels
// differ from it by more than a little.
export function measure(img, region = {x0: 0, y0: 0, x1: 1, y1: 1}) {
  const xa = Math.floor(region.x0 * img.width), xb = Math.ceil(region.x1 * img.width);
  const ya = Math.floor(region.y0 * img.height), yb = Math.ceil(region.y1 * img.height);
  const counts = new Map();
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const i = (y * img.width + x) * img.channels;
      const key = (img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2];
      counts.set(key, (counts.get(key) || 0) + 1);
    }
  }
  let bg = 0, bgCount = -1;
  for (const [k, n] of counts) if (n > bgCount) { bg = k; bgCount = n; }
  const br = bg >> 16, bgG = (bg >> 8) & 255, bb = bg & 255;
  let differ = 0, total = 0;
  for (const [k, n] of counts) {
    total += n;
    const d = Math.abs((k >> 16) - br) + Math.abs(((k >> 8) & 255) - bgG) + Math.abs((k & 255) - bb);
    if (d > 24) differ += n;
  }
  return {colours: counts.size, background: `#${bg.toString(16).padStart(6, '0')}`,
          foreground_share: total ? differ / total : 0, pixels: total};
}

// The UI's look: at least `minColours` colours in the whole image, and in the plot area
// (the right part of the window, below the toolbar) some share of non-background pixels.
export const kPlotRegion = {x0: 0.32, y0: 0.12, x1: 0.99, y1: 0.85};
export function checkNotBlank(img, {minColours = 16, minShare = 0.02} = {}) {
  const whole = measure(img);
  const plots = measure(img, kPlotRegion);
  const problems = [];
  if (whole.colours < minColours) problems.push(`only ${whole.colours} colours in the image (want >= ${minColours})`);
  if (plots.foreground_share < minShare)
    problems.push(`plot area ${(plots.foreground_share * 100).toFixed(2)} % non-background (want >= ${minShare * 100} %)`);
  return {ok: problems.length === 0, problems, whole, plots};
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const file = args[0];
  const want = {};
  for (let i = 1; i + 1 < args.length; i += 2) want[args[i].replace(/^--/, '')] = Number(args[i + 1]);
  if (!file) {
    console.error('usage: node image.mjs FILE.(png|ppm) [--width W --height H]');
    process.exit(2);
  }
  let img;
  try {
    img = decodeImage(file);
  } catch (e) {
    console.error(`FAIL: ${file}: ${e.message}`);
    process.exit(1);
  }
  const r = checkNotBlank(img);
  if (want.width && img.width !== want.width) r.problems.push(`width ${img.width}, want ${want.width}`);
  if (want.height && img.height !== want.height) r.problems.push(`height ${img.height}, want ${want.height}`);
  console.log(`${file}: ${img.width}x${img.height}, ${r.whole.colours} colours, background ${r.whole.background}, ` +
              `plot area ${(r.plots.foreground_share * 100).toFixed(1)} % drawn`);
  for (const p of r.problems) console.log(`FAIL: ${p}`);
  process.exit(r.problems.length ? 1 : 0);
}

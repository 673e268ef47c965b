// A static file server for the built web page, on 127.0.0.1 only (a free port unless one is
// given), with the MIME types the page needs (application/wasm for streaming compilation).
import {readFileSync} from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const kMime = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json',
  '.css': 'text/css', '.png': 'image/png', '.ico': 'image/x-icon', '.data': 'application/octet-stream',
};

// Resolves to {server, url, notFound}; notFound collects the paths that were asked for and missing.
export async function serve(root, port = 0) {
  root = path.resolve(root);
  const notFound = [];
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    let body;
    try {
      body = readFileSync(file);
    } catch {
      notFound.push(rel);
      res.writeHead(404, {'Content-Type': 'text/plain'}).end('not found');
      return;
    }
    res.writeHead(200, {'Content-Type': kMime[path.extname(file)] ?? 'application/octet-stream',
                        'Cache-Control': 'no-store'});
    res.end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {server, url: `http://127.0.0.1:${server.address().port}/`, notFound};
}

// The system's Chromium, headless, with software WebGL 2 (TOOLCHAIN.md); never a download.
export const kChromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--window-size=1280,800',
];

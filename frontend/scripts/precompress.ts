// A Vite build step: writes a brotli (.br) and a gzip (.gz) copy beside each text file of the build, so the server
// (backend/fraudops/api/static.py) sends compressed bytes without compressing on every request. Node's own zlib
// does both, at their highest levels: the cost is paid once per build (about a second), never per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Plugin } from "vite";

const TEXT = /\.(?:js|mjs|css|html|svg|json|txt|map)$/;
/** Smaller files gain less than the headers the encoding costs. */
const MIN_BYTES = 1024;
/** A copy that saves less than this share of the bytes is not worth the client's decoding. */
const MAX_RATIO = 0.9;

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

export interface Compressed {
  file: string;
  bytes: number;
  gzip: number;
  brotli: number;
}

/** Compress every text file under `dir`; returns what was written. */
export function precompress(dir: string): Compressed[] {
  const written: Compressed[] = [];
  for (const file of files(dir)) {
    if (!TEXT.test(file) || statSync(file).size < MIN_BYTES) continue;
    const data = readFileSync(file);
    const gzip = gzipSync(data, { level: 9 });
    const brotli = brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    });
    if (gzip.length <= data.length * MAX_RATIO) writeFileSync(`${file}.gz`, gzip);
    if (brotli.length <= data.length * MAX_RATIO) writeFileSync(`${file}.br`, brotli);
    written.push({ file: path.relative(dir, file), bytes: data.length, gzip: gzip.length, brotli: brotli.length });
  }
  return written;
}

export function precompressPlugin(): Plugin {
  let outDir = "dist";
  return {
    name: "fraudops-precompress",
    apply: "build",
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const written = precompress(outDir);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
      const sum = (key: "bytes" | "gzip" | "brotli") => written.reduce((total, c) => total + c[key], 0);
      this.info(`${written.length} files: ${kb(sum("bytes"))} → brotli ${kb(sum("brotli"))}, gzip ${kb(sum("gzip"))}`);
    },
  };
}

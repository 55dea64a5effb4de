// The last step of scripts/build-web.sh, on the built web app in DIST:
//  1. every image under DIST/logos and DIST/brand gets a content-hashed copy (`sber.svg` →
//     `sber-0123456789abcdef.svg`, the form of Trunk's own hashed names, which the server serves
//     as immutable) and DIST/assets.json maps each configured path to it (the server gives the
//     hashed paths to the SPA);
//  2. the portal's pages (not the embed page) start the app after the first paint of what the
//     server wrote into them (the first view: header, heading, lead), not before: Trunk's loader
//     then fetches the wasm, and its early preload is dropped, so on a slow phone link the
//     wasm does not compete with the style sheet for the first paint;
//  3. every file a page loads (wasm, js, css, svg) is compressed now, once, at the best settings:
//     brotli quality 11 (`.br`) and gzip level 9 (`.gz`) beside it, which the server sends as they
//     are instead of compressing on every answer.
//   node scripts/finish-dist.mjs DIST
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, statSync, unlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dist = process.argv[2];
if (!dist) {
  console.error('usage: node scripts/finish-dist.mjs DIST');
  process.exit(2);
}

const HASHED = /-[0-9a-f]{16}(_bg)?\.[a-z0-9]+$/;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// Old compressed copies go first: they are written again from what is there now.
for (const f of walk(dist)) {
  if (f.endsWith('.br') || f.endsWith('.gz')) unlinkSync(f);
}

const manifest = {};
for (const sub of ['logos', 'brand']) {
  let files;
  try {
    files = walk(join(dist, sub));
  } catch {
    continue;
  }
  for (const f of files) {
    if (HASHED.test(f) || !f.endsWith('.svg')) continue;
    const body = readFileSync(f);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const hashed = f.replace(/\.svg$/, `-${hash}.svg`);
    writeFileSync(hashed, body);
    manifest['/' + relative(dist, f)] = '/' + relative(dist, hashed);
  }
}
writeFileSync(join(dist, 'assets.json'), JSON.stringify(manifest, null, 1) + '\n');

// Waits until the browser reports the first contentful paint (the first view is on screen and
// counted), or a frame where paint timing is not reported, at most 3 s; then the app starts.
const AFTER_PAINT = 'await new Promise(r=>{const t=setTimeout(r,3000),go=()=>{clearTimeout(t);setTimeout(r)};' +
  'try{if(!PerformanceObserver.supportedEntryTypes.includes("paint"))throw 0;new PerformanceObserver((l,o)=>' +
  '{if(l.getEntries().some(e=>e.name==="first-contentful-paint")){o.disconnect();go()}}).observe({type:"paint",buffered:true})}' +
  'catch{requestAnimationFrame(()=>setTimeout(go))}});';
for (const page of ['index.html', 'account.html', 'manage.html', 'security.html']) {
  const file = join(dist, page);
  let html = readFileSync(file, 'utf8');
  if (!html.includes(AFTER_PAINT)) {
    const loader = /const wasm\s*=\s*await init\(/;
    const preload = /<link\b[^>]*\bas=["']?fetch["']?[^>]*_bg\.wasm[^>]*>/;
    if (!loader.test(html) || !preload.test(html)) {
      console.error(`finish-dist: ${page}: Trunk's loader or wasm preload not found; its format changed`);
      process.exit(1);
    }
    html = html.replace(loader, (m) => AFTER_PAINT + m).replace(preload, '');
    writeFileSync(file, html);
  }
}

let raw = 0, br = 0, gz = 0, n = 0;
for (const f of walk(dist)) {
  if (!/\.(wasm|js|css|svg)$/.test(f)) continue;
  const body = readFileSync(f);
  const b = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      [constants.BROTLI_PARAM_MODE]: f.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
    },
  });
  const g = gzipSync(body, { level: 9 });
  // A compressed copy that is not smaller is not worth sending.
  if (b.length < body.length) writeFileSync(f + '.br', b);
  if (g.length < body.length) writeFileSync(f + '.gz', g);
  raw += body.length; br += b.length; gz += g.length; n += 1;
}
console.error(`finish-dist: ${Object.keys(manifest).length} images hashed; ${n} files precompressed: ` +
  `${raw} bytes raw, ${gz} gzip, ${br} brotli`);

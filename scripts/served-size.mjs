// The first load of each page as a running portal serves it: the page (with its boot data and
// first view, compressed as the server sends it) and every wasm, js and css file it references,
// asked for with `Accept-Encoding: br, gzip` as browsers do; bytes on the wire, bodies only.
//   node scripts/served-size.mjs PORTAL_URL [PATH ...] [--budget BYTES] [--budget-embed BYTES]
// Exits 1 when a page's first load is over its budget (200,000 bytes; the embed page 150,000).
import http from 'node:http';

const args = process.argv.slice(2);
const portal = args.shift();
let budget = 200_000;
let embedBudget = 150_000;
const paths = [];
while (args.length) {
  const a = args.shift();
  if (a === '--budget') budget = Number(args.shift());
  else if (a === '--budget-embed') embedBudget = Number(args.shift());
  else paths.push(a);
}
if (!portal) {
  console.error('usage: node scripts/served-size.mjs PORTAL_URL [PATH ...] [--budget BYTES]');
  process.exit(2);
}
if (!paths.length) paths.push('/', '/registration/x', '/account/banks', '/account/security', '/embed/sber');

function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, encoding: res.headers['content-encoding'] || 'identity', body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

async function text(url) {
  // The page's own references are read from its uncompressed form.
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { s += c; });
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
}

let over = 0;
for (const path of paths) {
  const page = await get(portal + path);
  const html = await text(portal + path);
  const refs = [...new Set([...html.matchAll(/(?:href|src|module_or_path:)\s*=?\s*["'`]?(\/[^"'`\s>]+\.(?:wasm|js|css))/g)].map((m) => m[1]))];
  const rows = [[path, page.encoding, page.body.length]];
  for (const ref of refs) {
    const r = await get(portal + ref);
    if (r.status !== 200) throw new Error(`${ref}: ${r.status}`);
    rows.push([ref, r.encoding, r.body.length]);
  }
  const total = rows.reduce((s, r) => s + r[2], 0);
  const limit = path.startsWith('/embed/') ? embedBudget : budget;
  console.log(`\n${path}: first load ${total} bytes (${Math.round((total * 100) / limit)}% of ${limit})`);
  for (const [name, enc, n] of rows) console.log(`  ${name.padEnd(56)} ${enc.padEnd(8)} ${String(n).padStart(8)}`);
  if (total > limit) over += 1;
}
if (over) {
  console.error(`\n${over} page(s) over budget`);
  process.exit(1);
}

// A load balancer for the replica test (scripts/test.sh): listens on 127.0.0.1:PORT and sends each
// HTTP request to the next of the given portals in turn, so one browser's requests alternate
// between replicas. Prints what each replica served on SIGTERM, and answers GET /__alternate with
// the same as JSON: requests, registration starts and bank callbacks per replica.
//   node alternate.mjs PORT http://127.0.0.1:A http://127.0.0.1:B ...
import http from 'node:http';

const [port, ...upstreams] = process.argv.slice(2);
if (!port || upstreams.length < 2) {
  console.error('usage: node alternate.mjs PORT UPSTREAM UPSTREAM...');
  process.exit(2);
}
const targets = upstreams.map((u) => new URL(u));
const served = targets.map((t) => ({ upstream: t.origin, requests: 0, starts: 0, callbacks: 0 }));
const agent = new http.Agent({ keepAlive: true });
let next = 0;

const server = http.createServer((req, res) => {
  if (req.url === '/__alternate') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(served));
    return;
  }
  const i = next;
  next = (next + 1) % targets.length;
  const s = served[i];
  s.requests += 1;
  if (req.method === 'POST' && req.url.startsWith('/api/v1/registrations')) s.starts += 1;
  if (req.url.startsWith('/auth/callback')) s.callbacks += 1;
  const up = http.request(
    {
      host: targets[i].hostname,
      port: targets[i].port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode, answer.rawHeaders);
      answer.pipe(res);
    },
  );
  up.on('error', (e) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`replica ${targets[i].origin}: ${e.message}`);
  });
  req.pipe(up);
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => {
  console.log(JSON.stringify(served));
  process.exit(0);
});

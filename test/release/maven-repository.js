// A Maven repository over HTTP on 127.0.0.1, as deploy:deploy-file and Maven's resolver use one:
// PUT stores a file under UPLOADS, GET serves it. A GET for a file that was not uploaded is served
// from MIRROR (a Maven local repository, read-only), the way a repository manager proxies Central,
// except under EXCLUDE (the released group: that must come from the upload); a
// maven-metadata.xml is served from the local repository's maven-metadata-central.xml.
//
// Usage: node maven-repository.js UPLOADS MIRROR EXCLUDE PORTFILE
// Prints nothing; writes the port it listens on to PORTFILE; logs one line per request to stdout.
const fs = require('fs');
const http = require('http');
const path = require('path');

const [uploads, mirror, exclude, portFile] = process.argv.slice(2);
if (!portFile) {
  console.error('usage: node maven-repository.js UPLOADS MIRROR EXCLUDE PORTFILE');
  process.exit(2);
}

const inside = (root, urlPath) => {
  const file = path.resolve(root, `.${urlPath}`);
  return file.startsWith(path.resolve(root) + path.sep) ? file : undefined;
};

const server = http.createServer((req, res) => {
  const urlPath = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  const done = (status, body) => {
    console.log(`${req.method} ${urlPath} ${status}`);
    res.writeHead(status, { 'content-type': 'application/octet-stream' });
    res.end(body);
  };
  const uploaded = inside(uploads, urlPath);
  if (!uploaded) return done(400);
  if (req.method === 'PUT') {
    fs.mkdirSync(path.dirname(uploaded), { recursive: true });
    const out = fs.createWriteStream(uploaded);
    req.pipe(out);
    out.on('finish', () => done(201));
    out.on('error', () => done(500));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return done(405);
  const candidates = [uploaded];
  if (!urlPath.startsWith(exclude)) {
    const mirrored = inside(mirror, urlPath);
    if (mirrored) {
      candidates.push(mirrored);
      if (path.basename(mirrored) === 'maven-metadata.xml') candidates.push(path.join(path.dirname(mirrored), 'maven-metadata-central.xml'));
    }
  }
  const found = candidates.find((file) => fs.statSync(file, { throwIfNoEntry: false })?.isFile());
  if (!found) return done(404);
  return done(200, req.method === 'HEAD' ? undefined : fs.readFileSync(found));
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));

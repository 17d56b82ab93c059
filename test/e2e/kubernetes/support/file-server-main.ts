import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { basename } from "node:path";

/**
 * A static HTTP server for update bundles, run inside a lab's network namespace (`ip netns exec`)
 * so the VMs fetch bundles from the bridge address, as they would from a release server:
 *
 *     node file-server-main.ts HOST PORT FILE...
 *
 * Serves each FILE at /<its base name>; everything else is 404. Prints "listening" once bound.
 */
const [host, port, ...files] = process.argv.slice(2);
if (!host || !port || files.length === 0) {
  process.stderr.write("usage: file-server-main.ts HOST PORT FILE...\n");
  process.exit(2);
}
const byName = new Map(files.map((f) => [basename(f), f]));
const server = createServer((req, res) => {
  const path = byName.get(decodeURIComponent((req.url ?? "/").slice(1)));
  console.log(`${new Date().toISOString()} ${req.socket.remoteAddress} GET ${req.url} ${path ? 200 : 404}`);
  if (!path) {
    res.writeHead(404).end("not found");
    return;
  }
  res.writeHead(200, { "content-length": statSync(path).size, "content-type": "application/octet-stream" });
  createReadStream(path).pipe(res);
});
server.listen(Number(port), host, () => console.log(`listening on http://${host}:${port}`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));

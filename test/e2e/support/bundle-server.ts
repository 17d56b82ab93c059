import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { basename } from "node:path";

/**
 * A static HTTP server for update bundles on the host. Inside a qemu user-network VM the host's
 * loopback is 10.0.2.2, so the node fetches http://10.0.2.2:<port>/<file>.
 */
export async function serveFiles(
  files: readonly string[],
): Promise<{ url(file: string): string; close(): void; server: Server }> {
  const byName = new Map(files.map((f) => [basename(f), f]));
  const server = createServer((req, res) => {
    const path = byName.get(decodeURIComponent((req.url ?? "/").slice(1)));
    if (!path) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-length": statSync(path).size, "content-type": "application/octet-stream" });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { server, url: (file) => `http://10.0.2.2:${port}/${basename(file)}`, close: () => server.close() };
}

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { bundleSizeLimit, downloadBundle } from "./bundle-download.ts";

let server: Server;
let base: string;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === "/to-file") return void res.writeHead(301, { location: "file:///etc/shadow" }).end();
    if (req.url === "/to-ftp") return void res.writeHead(302, { location: "ftp://127.0.0.1/x" }).end();
    if (req.url?.startsWith("/hop/")) {
      const n = Number(req.url.split("/")[2]);
      return void res.writeHead(302, { location: n > 0 ? `/hop/${n - 1}` : "/small" }).end();
    }
    if (req.url === "/small") return void res.end(Buffer.alloc(1000, 1));
    if (req.url === "/endless") {
      const chunk = Buffer.alloc(65536, 2);
      const pump = () => {
        while (res.write(chunk));
        res.once("drain", pump);
      };
      res.on("close", () => res.removeAllListeners("drain"));
      return void pump();
    }
    if (req.url === "/stall") {
      res.writeHead(200);
      res.write("x");
      return; // never ends
    }
    if (req.url === "/silent") return; // never answers
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

async function fetchAll(path: string, options: Partial<Parameters<typeof downloadBundle>[1]> = {}) {
  let n = 0;
  for await (const c of downloadBundle(`${base}${path}`, {
    signal: new AbortController().signal,
    maxBytes: () => 1 << 20,
    ...options,
  }))
    n += c.length;
  return n;
}

test("redirects: a few are followed, too many are refused, and only to http(s)", async () => {
  assert.equal(await fetchAll("/hop/3"), 1000);
  await assert.rejects(fetchAll("/hop/6"), /more than 5 redirects/);
  await assert.rejects(fetchAll("/to-file"), /only over http\(s\), not file:/);
  await assert.rejects(fetchAll("/to-ftp"), /only over http\(s\), not ftp:/);
});

test("a server that sends more than the size cap is cut off", async () => {
  await assert.rejects(
    fetchAll("/endless", { maxBytes: () => 5 * 1024 * 1024 }),
    /sent more than 5242880 bytes/,
  );
});

test("a server that stalls or never answers times out", async () => {
  await assert.rejects(fetchAll("/stall", { idleTimeoutMs: 200 }), /sent nothing for 200 ms/);
  await assert.rejects(fetchAll("/silent", { headersTimeoutMs: 200 }), /no answer within the timeout/);
});

test("an abort stops the download", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(fetchAll("/stall", { signal: controller.signal }), /aborted/);
});

test("the size limit follows the signed sizes", () => {
  const limit = bundleSizeLimit([1000, 2000, 1 << 30]);
  assert.ok(limit > (1 << 30) + 3000 && limit < (1 << 30) + 16 * 1024 * 1024);
});

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { Relay } from "@basalt/provision";

/**
 * `basaltctl cluster` runs the relay and its forwarder thread from the bundles beside dist/basaltctl.mjs
 * (the package's .ts sources are not there when the CLI is installed on its own): both bundled entry
 * points must work. Here the relay runs without a namespace (the exec prefix is empty) and forwards
 * to an echo server on loopback.
 */
const dist = join(import.meta.dirname, "../../dist");

test("the bundled relay and forwarder carry a TCP connection", async (t) => {
  const relayMain = join(dist, "relay-main.mjs");
  const worker = join(dist, "forwarder-worker.mjs");
  assert.ok(
    existsSync(relayMain) && existsSync(worker),
    "npm run build writes dist/relay-main.mjs and dist/forwarder-worker.mjs",
  );
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  t.after(() => echo.close());
  const port = (echo.address() as { port: number }).port;
  const relay = await Relay.start([], ["127.0.0.0/8"], {
    command: [process.execPath, relayMain],
    workerUrl: pathToFileURL(worker),
  });
  t.after(() => relay.close());
  const fwd = await relay.forward({ host: "127.0.0.1", port });
  assert.notEqual(fwd.port, port);
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect(fwd.port, "127.0.0.1", () => s.end("ping through the bundle\n"));
    let got = "";
    s.on("data", (b) => {
      got += b.toString();
    });
    s.on("end", () => resolve(got));
    s.on("error", reject);
  });
  assert.equal(reply, "ping through the bundle\n");
});

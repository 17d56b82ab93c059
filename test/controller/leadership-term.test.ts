import assert from "node:assert/strict";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import { after, before, test } from "node:test";
import { LeaderElector } from "@basalt/kube";
import { BasaltError } from "@basalt/machinery";
import { MemoryLeaseLock, SeverableLeaseLock } from "@basalt/testkit";
import {
  BasaltNodeAgent,
  endpointAnnotation,
} from "../../apps/basalt-controller/src/agent/basalt-node-agent.ts";
import { termBoundAgent } from "../../apps/basalt-controller/src/agent/term-bound-agent.ts";
import { createIdentities, type Identities, serverCertificate } from "../support/pki-fixtures.ts";

/**
 * Issue 12 item 13: the controller's node calls belong to its leadership term. The real
 * LeaderElector leads on a Lease (in memory, severable); the real BasaltNodeAgent calls a node over
 * mTLS — here a node whose API has accepted the call and stalls (it never answers), as one does in the
 * middle of a long Upgrade. When the replica is cut off from the Lease and its term ends, the call in
 * flight is aborted at once (not after its own timeout), and no new call goes out.
 */
let ids: Identities;
let server: Http2SecureServer;
let endpoint: string;
let streams = 0;
let sessions = 0;

before(async () => {
  ids = await createIdentities();
  const serving = await serverCertificate(ids.ca, "node-stall", "127.0.0.1");
  server = createSecureServer({
    ca: ids.ca.cert,
    cert: serving.cert,
    key: serving.key,
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on("session", () => sessions++);
  // Accept the call, never answer: a node busy with a long install.
  server.on("stream", (stream) => {
    streams++;
    // The client's abort resets the stream: expected here.
    stream.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => {
  server?.close();
});

test("losing the Lease aborts the node call in flight and refuses the next one", {
  timeout: 60_000,
}, async () => {
  const lock = new SeverableLeaseLock(new MemoryLeaseLock());
  let term: AbortSignal | undefined;
  const led = Promise.withResolvers<void>();
  const elector = new LeaderElector(
    lock,
    {
      namespace: "basalt-system",
      name: "basalt-controller",
      identity: "replica-a",
      leaseDurationSeconds: 3,
      renewDeadlineSeconds: 2,
      retryPeriodSeconds: 0.5,
    },
    {
      onStartedLeading: (signal) => {
        term = signal;
        led.resolve();
      },
    },
  );
  const stop = new AbortController();
  const running = elector.run(stop.signal);
  try {
    await led.promise;
    const agent = termBoundAgent(
      new BasaltNodeAgent({
        tls: { ca: ids.ca.cert, cert: ids.admin.cert, key: ids.admin.key },
        timeoutMs: 60_000,
      }),
      () => (elector.isLeader ? term : undefined),
    );
    const node = { name: "node-stall", addresses: [], annotations: { [endpointAnnotation]: endpoint } };
    const started = performance.now();
    const inFlight = agent.status(node).then(
      () => assert.fail("the stalled call cannot succeed"),
      (err: unknown) => err,
    );
    // The call reached the node and waits for its answer.
    while (streams === 0) await new Promise((r) => setTimeout(r, 20));
    lock.severed = true;
    const err = await inFlight;
    const took = performance.now() - started;
    assert.ok(err instanceof BasaltError, String(err));
    assert.equal(err.code, "canceled");
    assert.match(err.message, /leadership term ended/);
    assert.ok(
      took < 10_000,
      `aborted with the term (after ${Math.round(took)} ms), not at the 60 s call timeout`,
    );
    assert.equal(elector.isLeader, false);
    // No new call leaves a replica that does not lead.
    const before = sessions;
    await assert.rejects(agent.upgrade(node, { rebootPending: true }), (e: unknown) => {
      assert.ok(e instanceof BasaltError);
      assert.equal(e.code, "canceled");
      assert.match(e.message, /does not lead/);
      return true;
    });
    assert.equal(sessions, before, "no connection was opened for the refused call");
  } finally {
    stop.abort();
    await running;
  }
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { connectLine, parseAnswer, parseConnectLine, targetAllowed } from "./relay-protocol.ts";

test("handshake lines round-trip", () => {
  const line = connectLine({ host: "10.77.0.10", port: 50000 });
  assert.equal(line, "CONNECT 10.77.0.10:50000\n");
  assert.deepEqual(parseConnectLine(line.trimEnd()), { host: "10.77.0.10", port: 50000 });
});

test("malformed handshakes are refused with a reason", () => {
  for (const bad of [
    "CONNECT example.com:80",
    "CONNECT 10.0.0.1",
    "CONNECT 10.0.0.1:0",
    "CONNECT 10.0.0.1:70000",
    "CONNECT 10.0.0.300:80",
    "connect 10.0.0.1:80",
    "",
  ]) {
    assert.ok("error" in parseConnectLine(bad), bad);
  }
});

test("targets must be in the allowed networks", () => {
  const allowed = ["10.77.0.0/24", "127.0.0.0/8"];
  assert.equal(targetAllowed("10.77.0.1", allowed), true);
  assert.equal(targetAllowed("127.0.0.1", allowed), true);
  assert.equal(targetAllowed("10.78.0.1", allowed), false);
  assert.equal(targetAllowed("192.168.1.1", allowed), false);
});

test("answers", () => {
  assert.equal(parseAnswer("OK"), undefined);
  assert.equal(parseAnswer("ERR connect ECONNREFUSED"), "connect ECONNREFUSED");
  assert.match(parseAnswer("HTTP/1.1 400")!, /unexpected answer/);
});

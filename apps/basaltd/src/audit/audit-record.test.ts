import assert from "node:assert/strict";
import { test } from "node:test";
import { reasonText, redactUrl, strongestRole, targetOf } from "./audit-record.ts";

test("targets come from an allow-list of fields; URL secrets never reach the record", () => {
  assert.equal(targetOf({ name: "containerd" }), "containerd");
  assert.equal(targetOf({ path: "/proc/meminfo" }), "/proc/meminfo");
  assert.equal(
    targetOf({
      url: "https://user:pw@h.example/b.bundle?X-Amz-Signature=SECRET#x",
      options: { force: true },
    }),
    "https://h.example/b.bundle [query removed] force",
  );
  assert.equal(targetOf({ part: { case: "options", value: { stage: true } } }), "stage");
  assert.equal(targetOf({ config: "token: SECRET", value: "SECRET" }), "");
  assert.ok(targetOf({ path: `/proc/${"a".repeat(70_000)}` }).length < 300);
  assert.equal(redactUrl("not a url?token=x"), "not a url [query removed]");
});

test("reasons are one bounded line without URL query strings", () => {
  const r = reasonText(`"ftp://h/x?token=SECRET" is not an http(s) URL\n${"x".repeat(5000)}`);
  assert.doesNotMatch(r, /SECRET|\n/);
  assert.ok(r.length < 400);
});

test("the record's role is the strongest held", () => {
  assert.equal(strongestRole(["os:reader", "os:admin"]), "os:admin");
  assert.equal(strongestRole([]), "");
});

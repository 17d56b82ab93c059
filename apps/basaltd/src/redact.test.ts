import assert from "node:assert/strict";
import { test } from "node:test";
import { mayReadSecrets, redactArgs, redactArgv, redactUrl, redactUrlsIn } from "./redact.ts";

test("argv: the program stays, the arguments are counted", () => {
  assert.equal(redactArgv(["/usr/bin/etcd", "--token=s3cret"]), "/usr/bin/etcd (1 argument hidden)");
  assert.equal(redactArgv(["/bin/sleep"]), "/bin/sleep");
  assert.equal(redactArgs("node app.js --password hunter2"), "node (3 arguments hidden)");
});

test("URLs lose query, fragment and credentials", () => {
  assert.equal(
    redactUrl("https://user:pw@cdn.example/b.bundle?X-Sig=abc#x"),
    "https://cdn.example/b.bundle (query and credentials hidden)",
  );
  assert.equal(redactUrl("http://127.0.0.1:8080/b.bundle"), "http://127.0.0.1:8080/b.bundle");
  assert.equal(
    redactUrlsIn("cannot fetch http://h/x?sig=1: refused"),
    "cannot fetch http://h/x (query and credentials hidden): refused",
  );
});

test("who may read secrets", () => {
  assert.equal(mayReadSecrets(["os:reader"]), false);
  assert.equal(mayReadSecrets(["os:operator"]), false);
  assert.equal(mayReadSecrets(["os:admin"]), true);
});

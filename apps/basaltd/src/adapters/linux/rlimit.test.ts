import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";

// Runs in a child whose limit is first lowered to the kernel's init default (1024/4096), as
// basaltd finds it as PID 1; the child raises it and reports /proc/self/limits.
test("raiseNoFileLimit lifts RLIMIT_NOFILE from the init default", () => {
  const script = `
    import { raiseNoFileLimit } from ${JSON.stringify(new URL("./rlimit.ts", import.meta.url).pathname)};
    const got = await raiseNoFileLimit();
    const line = (await import("node:fs")).readFileSync("/proc/self/limits", "utf8").split("\\n").find((l) => l.startsWith("Max open files"));
    console.log(JSON.stringify({ got, line }));
  `;
  const r = spawnSync(
    "sh",
    [
      "-c",
      `ulimit -Sn 1024 && ulimit -Hn 4096 && exec "$0" --input-type=module -e "$1"`,
      process.execPath,
      script,
    ],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const { got, line } = JSON.parse(r.stdout) as { got: { soft: number; hard: number }; line: string };
  // Raising a hard limit needs CAP_SYS_RESOURCE (bit 24), which PID 1 has and a sandbox may not.
  const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]}`);
  if ((capEff >> 24n) & 1n) {
    assert.ok(got.soft >= 65_536, JSON.stringify(got));
  } else {
    assert.equal(got.soft, 4096, "without privilege the soft limit rises to the hard one");
  }
  assert.match(line, new RegExp(`Max open files\\s+${got.soft}\\s+${got.hard}`));
});

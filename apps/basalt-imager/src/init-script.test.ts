import assert from "node:assert/strict";
import { test } from "node:test";
import { renderInitScript } from "./init-script.ts";

test("the init script opens verity before mounting and hands over to basaltd", () => {
  const s = renderInitScript({
    init: ["/usr/bin/node", "/usr/lib/basalt/basaltd.mjs", "--init"],
    fatalDelaySeconds: 10,
  });
  assert.ok(s.startsWith("#!/bin/busybox sh\n"));
  const verity = s.indexOf("verity 1 $DEV $DEV 4096 4096");
  const mount = s.indexOf("mount -t erofs -o ro /dev/mapper/basalt-root");
  assert.ok(verity > 0 && mount > verity);
  assert.match(
    s,
    /exec \/bin\/env -i .* \/bin\/switch_root \/newroot \/usr\/bin\/node \/usr\/lib\/basalt\/basaltd\.mjs --init\n$/,
  );
  assert.match(s, /sleep 10; reboot -f/);
});

test("the init script hands PID 1 the environment it is given, after PATH and HOME", () => {
  const s = renderInitScript({
    init: ["/usr/bin/node", "/usr/lib/basalt/basaltd.mjs", "--init"],
    fatalDelaySeconds: 10,
    env: { NODE_COMPILE_CACHE: "/usr/lib/basalt/compile-cache", NODE_COMPILE_CACHE_PORTABLE: "1" },
  });
  assert.match(
    s,
    /exec \/bin\/env -i PATH=\/usr\/bin:\/usr\/sbin HOME=\/ BASALT_INITRAMFS_UPTIMES=\$STARTED,\$SWITCHED NODE_COMPILE_CACHE=\/usr\/lib\/basalt\/compile-cache NODE_COMPILE_CACHE_PORTABLE=1 \/bin\/switch_root \/newroot \/usr\/bin\/node/,
  );
});

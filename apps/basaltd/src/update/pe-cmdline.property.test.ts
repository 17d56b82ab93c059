import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { peSection, slotOfCommandLine, ukiCommandLine } from "./pe-cmdline.ts";
import { fakeUki } from "./test-support/fake-uki.ts";

test("property: reading .cmdline never throws and never reaches past the image, for any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      const s = peSection(bytes, ".cmdline");
      assert.ok(s === undefined || s.byteOffset + s.length <= bytes.byteOffset + bytes.length);
      ukiCommandLine(bytes);
    }),
    { numRuns: 3000 },
  );
});

test("property: a UKI with corrupted header bytes is read safely", () => {
  const uki = fakeUki("console=ttyS0 basalt.slot=B roothash=ab", 4096);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: 0x1ff }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }),
      (edits) => {
        const image = Uint8Array.from(uki);
        for (const [at, value] of edits) image[at] = value;
        const s = peSection(image, ".cmdline");
        assert.ok(s === undefined || s.byteOffset + s.length <= image.length);
        const cmdline = ukiCommandLine(image);
        if (cmdline !== undefined) slotOfCommandLine(cmdline);
      },
    ),
    { numRuns: 3000 },
  );
});

test("property: the command line of a well-formed UKI reads back as written", () => {
  const word = fc.stringMatching(/^[a-z0-9._=-]{1,20}$/);
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 10 }), fc.constantFrom("A", "B"), (words, slot) => {
      const cmdline = [...words, `basalt.slot=${slot}`].join(" ");
      const image = fakeUki(cmdline);
      assert.equal(ukiCommandLine(image), cmdline);
      assert.equal(slotOfCommandLine(ukiCommandLine(image)!), slot);
    }),
  );
});

/**
 * Reads the `.cmdline` section of a UKI (a PE/COFF image) without any tool: the slot a UKI boots and
 * the verity root hash it pins are in its command line.
 */
export function peSection(image: Uint8Array, name: string): Uint8Array | undefined {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (image.length < 0x40 || view.getUint16(0, true) !== 0x5a4d) return undefined;
  const pe = view.getUint32(0x3c, true);
  if (pe + 24 > image.length || view.getUint32(pe, true) !== 0x00004550) return undefined;
  const sections = view.getUint16(pe + 6, true);
  const optionalSize = view.getUint16(pe + 20, true);
  let at = pe + 24 + optionalSize;
  for (let i = 0; i < sections && at + 40 <= image.length; i++, at += 40) {
    const raw = image.subarray(at, at + 8);
    const sectionName = new TextDecoder().decode(raw).replace(/\0+$/, "");
    if (sectionName === name) {
      const virtualSize = view.getUint32(at + 8, true);
      const rawSize = view.getUint32(at + 16, true);
      const offset = view.getUint32(at + 20, true);
      const size = Math.min(virtualSize || rawSize, rawSize || virtualSize);
      if (offset + size > image.length) return undefined;
      return image.subarray(offset, offset + size);
    }
  }
  return undefined;
}

export function ukiCommandLine(image: Uint8Array): string | undefined {
  const s = peSection(image, ".cmdline");
  return s ? new TextDecoder().decode(s).replace(/\0+$/, "").trim() : undefined;
}

export function slotOfCommandLine(cmdline: string): "A" | "B" | undefined {
  const m = /(?:^|\s)basalt\.slot=([AB])(?:\s|$)/.exec(cmdline);
  return m ? (m[1] as "A" | "B") : undefined;
}

/**
 * A minimal PE image holding only a `.cmdline` section (and padding to look like a UKI of `size`
 * bytes): enough for the update engine, which reads nothing else of a UKI.
 */
export function fakeUki(cmdline: string, size = 8192): Uint8Array {
  const image = Buffer.alloc(Math.max(size, 1024));
  image.write("MZ", 0, "latin1");
  image.writeUInt32LE(0x80, 0x3c);
  image.writeUInt32LE(0x00004550, 0x80);
  image.writeUInt16LE(0x8664, 0x84);
  image.writeUInt16LE(1, 0x86);
  image.writeUInt16LE(0, 0x94);
  const section = 0x80 + 24;
  image.write(".cmdline", section, "latin1");
  const data = Buffer.from(cmdline);
  image.writeUInt32LE(data.length, section + 8);
  image.writeUInt32LE(0x30000, section + 12);
  image.writeUInt32LE(data.length, section + 16);
  image.writeUInt32LE(0x200, section + 20);
  data.copy(image, 0x200);
  // Distinct filler so different UKIs hash differently.
  for (let i = 0x200 + data.length; i < image.length; i++) image[i] = (i * 7 + cmdline.length) & 0xff;
  return image;
}

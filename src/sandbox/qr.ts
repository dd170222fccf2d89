/// <reference types="node" />
// A real QR code as a PNG, for the sandbox's `qr` answers: the module matrix from @paulmillr/qr
// (no dependencies; it also decodes, which the tests use), written as a greyscale PNG with
// node:zlib, since that library writes GIF and SVG only and a PNG of a 1-bit matrix is one
// deflate and three CRCs.
import { crc32, deflateSync } from "node:zlib";
import encodeQR from "@paulmillr/qr";

/** A PNG chunk: length, type, data, CRC of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** `text` as a QR code: a PNG image, `scale` pixels per module, with the standard 4-module quiet zone. */
export function qrPng(text: string, scale = 4): Buffer {
  const modules = encodeQR(text, "raw", { border: 4 });
  const size = modules.length * scale;
  const rows = Buffer.alloc(size * (size + 1), 255);
  for (let y = 0; y < size; y++) {
    const row = modules[Math.floor(y / scale)]!;
    const offset = y * (size + 1);
    rows[offset] = 0; // filter: none
    for (let x = 0; x < size; x++) if (row[Math.floor(x / scale)]) rows[offset + 1 + x] = 0;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * The card's QR code as a PNG. The `qrcode` library lays out the symbol (segments, error
 * correction, masking); the PNG around its module matrix is written here, an 8-bit grayscale
 * image with Node's own zlib: the library's PNG path (pngjs streams) took seconds per card
 * under load, this takes milliseconds.
 */
import { crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import { SHC_PREFIX } from './smart-health-card';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Pixels per module, and the quiet zone in modules the QR standard asks for. */
const SCALE = 4;
const QUIET_ZONE = 4;

const chunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, crc]);
};

/** A PNG of a square module matrix (`dark(x, y)`), with the quiet zone around it. */
export const pngOfMatrix = (size: number, dark: (x: number, y: number) => boolean): Buffer => {
  const width = (size + 2 * QUIET_ZONE) * SCALE;
  const row = width + 1; // each scanline starts with its filter type (0: none)
  const raw = Buffer.alloc(row * width, 0xff);
  for (let y = 0; y < width; y++) {
    raw[y * row] = 0;
    const my = Math.floor(y / SCALE) - QUIET_ZONE;
    for (let x = 0; x < width; x++) {
      const mx = Math.floor(x / SCALE) - QUIET_ZONE;
      if (mx >= 0 && my >= 0 && mx < size && my < size && dark(mx, my)) raw[y * row + 1 + x] = 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale, deflate, no filter method, no interlace
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
};

/** The spec's QR for a `shc:/` text: the prefix in byte mode, the digits in numeric mode, error correction L. */
export const healthCardQrPng = (qr: string): Buffer => {
  const symbol = QRCode.create(
    [
      { data: Buffer.from(SHC_PREFIX), mode: 'byte' },
      { data: qr.slice(SHC_PREFIX.length), mode: 'numeric' },
    ],
    { errorCorrectionLevel: 'L' },
  );
  const { size, data } = symbol.modules;
  return pngOfMatrix(size, (x, y) => data[y * size + x] === 1);
};

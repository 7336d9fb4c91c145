// pngjs comes with qrcode and has no types of its own; the QR image test reads PNGs back with it.
declare module 'pngjs' {
  export const PNG: { sync: { read(buffer: Buffer): { width: number; height: number; data: Buffer } } };
}

import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { healthCardQrPng } from './qr-image';

// The PNG is read back by an independent decoder (pngjs) and compared, module by module, with
// the symbol the QR library lays out for the same text.
describe('the QR image of a health card', () => {
  const qr = `shc:/${'5676290952432060346029243740446031222959532654603460292540772804336028702864716745222809'.repeat(12)}`;

  it('is a PNG whose dark pixels are exactly the symbol’s dark modules, inside a 4-module quiet zone', () => {
    const image = PNG.sync.read(healthCardQrPng(qr));
    const symbol = QRCode.create(
      [
        { data: Buffer.from('shc:/'), mode: 'byte' },
        { data: qr.slice(5), mode: 'numeric' },
      ],
      { errorCorrectionLevel: 'L' },
    );
    const { size, data } = symbol.modules;
    expect(image.width).toBe((size + 8) * 4);
    expect(image.height).toBe(image.width);
    let mismatches = 0;
    for (let y = 0; y < image.height; y++)
      for (let x = 0; x < image.width; x++) {
        const mx = Math.floor(x / 4) - 4;
        const my = Math.floor(y / 4) - 4;
        const dark = mx >= 0 && my >= 0 && mx < size && my < size && data[my * size + mx] === 1;
        const pixel = image.data[(y * image.width + x) * 4]!;
        if ((pixel === 0) !== dark) mismatches++;
      }
    expect(mismatches).toBe(0);
  });
});

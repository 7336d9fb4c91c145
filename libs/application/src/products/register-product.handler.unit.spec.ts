import { type Actor, productStream } from '@vaxledger/domain';
import { handlerSpec } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { MAH, productRow } from '../testing/rows';
import { type RegisterProductCommand, RegisterProductHandler } from './register-product.handler';

const maker: Actor = { orgCode: MAH, role: 'manufacturer', provinceCode: '320000' };
const product: RegisterProductCommand = {
  productCode: '8696399',
  name: 'Hepatitis B vaccine 10 µg',
  vaccineType: 'HepB',
  approvalNo: 'S20260002',
  mahOrgCode: MAH,
  dosesPerUnit: 1,
  storageC: { min: 2, max: 8 },
  shelfLifeMonths: 24,
  programme: 'NIP',
  serialised: false,
};

describe('RegisterProduct handler', () => {
  it('without packaging levels, registers the product code as its unit level', async () => {
    const spec = handlerSpec();
    const handler = new RegisterProductHandler({ executor: spec.executor, reads: memoryReads(), clock: spec.clock });
    await spec.when(() => handler.handle(product, maker, { correlationId: 'c' }));
    await spec.then([
      {
        streamId: productStream('8696399'),
        type: 'ProductRegistered',
        data: expect.objectContaining({ productCode: '8696399', levels: [{ level: 1, code: '8696399', childrenPerParent: 1 }] }),
      },
    ]);
  });

  it('given a packaging code another product uses, refuses (PRODUCT_CODE_TAKEN)', async () => {
    const spec = handlerSpec();
    const reads = memoryReads({ products: [productRow({ levels: [{ level: 1, code: '8696321', childrenPerParent: 1 }] })] });
    const handler = new RegisterProductHandler({ executor: spec.executor, reads, clock: spec.clock });
    const levels = [
      { level: 1, code: '8696399', childrenPerParent: 1 },
      { level: 2, code: '8696321', childrenPerParent: 10 },
    ];
    await spec.when(() => handler.handle({ ...product, levels }, maker, { correlationId: 'c' }));
    await spec.thenRefuses('PRODUCT_CODE_TAKEN');
  });

  it('refuses a GTIN-14 whose check digit is wrong (INVALID_GTIN)', async () => {
    const spec = handlerSpec();
    const handler = new RegisterProductHandler({ executor: spec.executor, reads: memoryReads(), clock: spec.clock });
    await spec.when(() => handler.handle({ ...product, productCode: '06901234567891' }, maker, { correlationId: 'c' }));
    await spec.thenRefuses('INVALID_GTIN');
  });
});

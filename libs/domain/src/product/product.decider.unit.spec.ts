import { deciderSpec } from '../testing/decider-spec';
import { actor, MAH, NOW, OTHER_MAH, PRODUCT_CODE } from '../testing/fixtures';
import { productDecider, type RegisterProduct, type RegisterProductData } from './product.decider';
import { productRegistered } from './product.events';

const registration: RegisterProductData = {
  productCode: PRODUCT_CODE,
  levels: [{ level: 1, code: PRODUCT_CODE, childrenPerParent: 1 }],
  name: 'Hepatitis B vaccine (recombinant) 10 µg',
  vaccineType: 'HepB',
  approvalNo: 'S20260001',
  mahOrgCode: MAH,
  dosesPerUnit: 1,
  storageC: { min: 2, max: 8 },
  shelfLifeMonths: 24,
  programme: 'NIP',
  serialised: true,
};

const register = (data: Partial<RegisterProductData> = {}, context: Partial<RegisterProduct['context']> = {}): RegisterProduct => ({
  type: 'RegisterProduct',
  data: { ...registration, ...data },
  context: { now: NOW, actor: actor('manufacturer', MAH), ...context },
});

const given = deciderSpec(productDecider);

describe('product, when new', () => {
  it('registers the MAH’s product', () =>
    given([])
      .when(register())
      .then([productRegistered({ ...registration, vaccineType: 'HepB' })]));

  it('registers a product with pack and case levels', () => {
    const levels = [
      { level: 1, code: PRODUCT_CODE, childrenPerParent: 1 },
      { level: 2, code: '8696322', childrenPerParent: 10 },
      { level: 3, code: '8696323', childrenPerParent: 20 },
    ];
    given([])
      .when(register({ levels }))
      .then([productRegistered({ ...registration, vaccineType: 'HepB', levels })]);
  });

  it('refuses a caller that is not a manufacturer', () =>
    given([])
      .when(register({}, { actor: actor('cdc', MAH) }))
      .thenRefuses('NOT_PRODUCT_OWNER'));

  it('refuses a manufacturer registering for another MAH', () =>
    given([])
      .when(register({}, { actor: actor('manufacturer', OTHER_MAH) }))
      .thenRefuses('NOT_PRODUCT_OWNER'));

  it('refuses a code another product already uses', () =>
    given([])
      .when(register({}, { codeTakenBy: '8696000' }))
      .thenRefuses('PRODUCT_CODE_TAKEN'));

  it('refuses a vaccine type outside the schedule value set', () =>
    given([])
      .when(register({ vaccineType: 'Smallpox' }))
      .thenRefuses('UNKNOWN_VACCINE_TYPE', 'vaccineType'));

  it.each([[{ min: 8, max: 2 }], [{ min: 5, max: 5 }]])('refuses a storage range %j whose minimum is not below its maximum', (storageC) =>
    given([]).when(register({ storageC })).thenRefuses('INVALID_STORAGE_RANGE', 'storageC'),
  );

  it.each([0, -1, 1.5])('refuses %d doses per unit', (dosesPerUnit) =>
    given([]).when(register({ dosesPerUnit })).thenRefuses('INVALID_QUANTITY', 'dosesPerUnit'),
  );

  it.each([0, 2.5])('refuses a shelf life of %d months', (shelfLifeMonths) =>
    given([]).when(register({ shelfLifeMonths })).thenRefuses('INVALID_QUANTITY', 'shelfLifeMonths'),
  );

  it.each([
    ['no levels', []],
    ['no unit level', [{ level: 2, code: '8696322', childrenPerParent: 10 }]],
    [
      'a gap',
      [
        { level: 1, code: PRODUCT_CODE, childrenPerParent: 1 },
        { level: 3, code: '8696323', childrenPerParent: 10 },
      ],
    ],
    [
      'a repeated code',
      [
        { level: 1, code: PRODUCT_CODE, childrenPerParent: 1 },
        { level: 2, code: PRODUCT_CODE, childrenPerParent: 10 },
      ],
    ],
    [
      'an empty pack',
      [
        { level: 1, code: PRODUCT_CODE, childrenPerParent: 1 },
        { level: 2, code: '8696322', childrenPerParent: 0 },
      ],
    ],
  ])('refuses packaging levels with %s', (_, levels) =>
    given([]).when(register({ levels })).thenRefuses('INVALID_PACKAGING_LEVELS', 'levels'),
  );
});

describe('product, when registered', () => {
  const registered = [productRegistered({ ...registration, vaccineType: 'HepB' })];

  it('refuses to register it again', () => given(registered).when(register()).thenRefuses('PRODUCT_EXISTS'));

  it('holds the product facts batches are checked against', () =>
    expect(given(registered).state()).toEqual({
      status: 'registered',
      product: {
        productCode: PRODUCT_CODE,
        mahOrgCode: MAH,
        vaccineType: 'HepB',
        levels: registration.levels,
        dosesPerUnit: 1,
        storageC: { min: 2, max: 8 },
        shelfLifeMonths: 24,
        programme: 'NIP',
        serialised: true,
      },
    }));
});

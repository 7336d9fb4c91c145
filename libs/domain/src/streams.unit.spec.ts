import {
  batchIdOf,
  batchStream,
  lotReleaseStream,
  orgStream,
  personStream,
  productStream,
  recallStream,
  siteStream,
  splitBatchId,
  streamCategory,
} from './streams';

describe('stream ids', () => {
  it('builds one id per aggregate, category first', () => {
    const batchId = batchIdOf('8696321', '202611A017');
    expect(batchId).toBe('8696321-202611A017');
    expect([
      orgStream('12510000MB0A1234XJ'),
      productStream('8696321'),
      batchStream(batchId),
      lotReleaseStream(batchId),
      siteStream('12440300MB1B2345QN'),
      recallStream('R-1'),
      personStream('510000', 'p1tz62ri4byn76xi7ekedhqwttwe'),
    ]).toEqual([
      'org-12510000MB0A1234XJ',
      'product-8696321',
      'batch-8696321-202611A017',
      'lotrelease-8696321-202611A017',
      'site-12440300MB1B2345QN',
      'recall-R-1',
      'person-510000-p1tz62ri4byn76xi7ekedhqwttwe',
    ]);
  });

  it('reads the category back, whatever hyphens follow', () => {
    expect(streamCategory('batch-8696321-202611A017')).toBe('batch');
    expect(streamCategory('site-12440300MB1B2345QN-02')).toBe('site');
    expect(streamCategory('lotrelease-8696321-A')).toBe('lotrelease');
    expect(streamCategory('orphan')).toBe('orphan');
  });

  it('splits a batch id into product and lot', () => {
    expect(splitBatchId('8696321-202611A017')).toEqual({ productCode: '8696321', lotNumber: '202611A017' });
    expect(splitBatchId('8696321')).toBeNull();
    expect(splitBatchId('-A')).toBeNull();
  });
});

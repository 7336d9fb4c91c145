import { checkDoseRow, derivedDoseKey, DoseFileError, parseDoseCsv } from './dose-csv';

const ID = '510104199003071237';
const HEADER = 'idType,idNumber,name,birthDate,sex,batchId,doseNumber,administeredAt,route,vaccinatorRef';
const ROW = `RESIDENT_ID,${ID},张三,1990-03-07,M,8696321-202611A017,1,2026-11-20T10:15:00+08:00,IM,V-0042`;

const fileError = (input: string | Uint8Array): DoseFileError => {
  try {
    parseDoseCsv(input);
  } catch (error) {
    if (error instanceof DoseFileError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
};

describe('dose file parsing', () => {
  it('reads a header row and one dose per row, with a BOM, CRLF, quoted cells and blank lines', () => {
    const bytes = new TextEncoder().encode(
      `\ufeff${HEADER}\r\n${ROW}\r\n\r\n"RESIDENT_ID","${ID}","Li, ""Lei""",1990-03-07,F,b-1,2,2026-11-20T10:15:00Z,SC,V\r\n`,
    );
    const rows = parseDoseCsv(bytes);
    expect(rows.map((r) => [r.row, r.line])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect(rows[0]!.cells).toMatchObject({ idType: 'RESIDENT_ID', idNumber: ID, name: '张三', doseNumber: '1' });
    expect(rows[1]!.cells.name).toBe('Li, "Lei"');
  });

  it('takes Chinese column headers, in any order, and 男/女 for sex', () => {
    const rows = parseDoseCsv(
      `姓名,证件类型,证件号码,出生日期,性别,批次号,剂次,接种时间,接种途径,接种人员,追溯码\n王五,RESIDENT_ID,${ID},1990-03-07,女,b-1,1,2026-11-20T10:15:00+08:00,IM,V,\n`,
    );
    const checked = checkDoseRow(rows[0]!);
    expect(checked).toMatchObject({ ok: true, command: { person: { name: '王五', sex: 'F' }, batchId: 'b-1' } });
    // An empty optional cell is absent, not an empty trace code.
    expect(checked.ok && 'traceCode' in checked.command).toBe(false);
  });

  it('refuses a header with unknown, repeated or missing columns, naming each', () => {
    const error = fileError(`${HEADER.replace('vaccinatorRef', 'nurse')},name\n`);
    expect(error.errors).toEqual([
      { field: 'nurse', reason: 'unknown column "nurse"' },
      { field: 'name', reason: 'column name appears twice' },
      { field: 'vaccinatorRef', reason: 'column vaccinatorRef is missing' },
    ]);
  });

  it('refuses an empty file, text that is not UTF-8 (a GBK export) and broken quoting', () => {
    expect(fileError('').message).toMatch(/empty/);
    // "姓名" in GBK.
    expect(fileError(Uint8Array.from([0xd0, 0xd5, 0xc3, 0xfb, 0x0a])).message).toMatch(/not UTF-8/);
    expect(fileError(`${HEADER}\n"RESIDENT_ID,${ID}\n`).message).toMatch(/not valid CSV/);
  });

  it('keeps a row with a missing or extra cell, and refuses that row alone', () => {
    const rows = parseDoseCsv(`${HEADER}\n${ROW},extra\n${ROW}\n`);
    expect(checkDoseRow(rows[0]!)).toEqual({ ok: false, errors: [{ field: 'row', reason: 'the row has 11 cells, the header 10' }] });
    expect(checkDoseRow(rows[1]!).ok).toBe(true);
  });
});

describe('a dose row is checked as POST /v1/doses checks its body', () => {
  const check = (changes: Record<string, string>) => {
    const cells = Object.fromEntries(HEADER.split(',').map((c, i) => [c, ROW.split(',')[i]!]));
    const [row] = parseDoseCsv(
      `${[...Object.keys(cells), ...Object.keys(changes).filter((k) => !(k in cells))].join(',')}\n${[
        ...Object.keys(cells).map((k) => changes[k] ?? cells[k]),
        ...Object.keys(changes)
          .filter((k) => !(k in cells))
          .map((k) => changes[k]),
      ]
        .map((v) => `"${v}"`)
        .join(',')}\n`,
    );
    return checkDoseRow(row!);
  };
  const fields = (changes: Record<string, string>) => {
    const checked = check(changes);
    return checked.ok ? [] : checked.errors.map((e) => e.field);
  };

  it('accepts a valid row as the command POST /v1/doses would take', () => {
    expect(check({ bodySite: 'left deltoid', traceCode: '86963210000000000017', idempotencyKey: 'HIS-42' })).toEqual({
      ok: true,
      idempotencyKey: 'HIS-42',
      command: {
        person: { idType: 'RESIDENT_ID', idNumber: ID, name: '张三', birthDate: '1990-03-07', sex: 'M' },
        batchId: '8696321-202611A017',
        traceCode: '86963210000000000017',
        doseNumber: 1,
        administeredAt: '2026-11-20T10:15:00+08:00',
        route: 'IM',
        bodySite: 'left deltoid',
        vaccinatorRef: 'V-0042',
      },
    });
  });

  it.each([
    [{ idType: 'DRIVING_LICENCE' }, 'idType'],
    [{ idNumber: '' }, 'idNumber'],
    [{ idNumber: '1'.repeat(41) }, 'idNumber'],
    [{ name: '' }, 'name'],
    [{ birthDate: '07/03/1990' }, 'birthDate'],
    [{ sex: 'X' }, 'sex'],
    [{ batchId: 'ab' }, 'batchId'],
    [{ doseNumber: '0' }, 'doseNumber'],
    [{ doseNumber: '21' }, 'doseNumber'],
    [{ doseNumber: '1.5' }, 'doseNumber'],
    [{ administeredAt: '2026-11-20 10:15' }, 'administeredAt'],
    [{ route: 'oral' }, 'route'],
    [{ vaccinatorRef: '' }, 'vaccinatorRef'],
    [{ issuingState: 'cn' }, 'issuingState'],
    [{ bodySite: 'x'.repeat(41) }, 'bodySite'],
    [{ overrideCode: 'LATE' }, 'overrideReason'],
    [{ idempotencyKey: 'key with spaces' }, 'idempotencyKey'],
  ])('refuses %j (VALIDATION_FAILED on %s)', (changes, field) => {
    expect(fields(changes)).toEqual([field]);
  });

  it('never repeats a cell in its reasons (they reach answers and reports)', () => {
    const checked = check({ idNumber: `${ID}${'9'.repeat(30)}`, name: '张'.repeat(101), birthDate: `x${ID}` });
    expect(checked.ok).toBe(false);
    expect(JSON.stringify(checked)).not.toMatch(new RegExp(`${ID}|张张`));
  });
});

describe('the key of a row without an idempotencyKey cell', () => {
  const [row] = parseDoseCsv(`${HEADER}\n${ROW}\n`);
  const command = (checkDoseRow(row!) as { command: Parameters<typeof derivedDoseKey>[1] }).command;

  it('is the same for the same dose whatever the file, and holds no identifier', () => {
    const key = derivedDoseKey('p1abc', command);
    expect(key).toMatch(/^csv-[\w-]{43}$/);
    expect(derivedDoseKey('p1abc', { ...command, person: { ...command.person, name: '张叁' } })).toBe(key);
    expect(key).not.toContain(ID);
  });

  it('differs for another person or another dose', () => {
    const key = derivedDoseKey('p1abc', command);
    expect(derivedDoseKey('p1abd', command)).not.toBe(key);
    expect(derivedDoseKey('p1abc', { ...command, doseNumber: 2 })).not.toBe(key);
    expect(derivedDoseKey('p1abc', { ...command, administeredAt: '2026-11-20T10:16:00+08:00' })).not.toBe(key);
  });
});

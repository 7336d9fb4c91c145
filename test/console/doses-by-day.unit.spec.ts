import { everyDay } from '../../console/src/pages/regulator/doses-by-day';

describe('the doses-per-day chart’s days', () => {
  it('fills the days without doses with 0, so the axis is a calendar', () =>
    expect(
      everyDay([
        { day: '2026-02-27', count: 2 },
        { day: '2026-03-02', count: 1 },
      ]),
    ).toEqual([
      { day: '2026-02-27', count: 2 },
      { day: '2026-02-28', count: 0 },
      { day: '2026-03-01', count: 0 },
      { day: '2026-03-02', count: 1 },
    ]));

  it('keeps consecutive days as they are, and has no day without any dose', () => {
    expect(
      everyDay([
        { day: '2024-12-31', count: 3 },
        { day: '2025-01-01', count: 4 },
      ]),
    ).toEqual([
      { day: '2024-12-31', count: 3 },
      { day: '2025-01-01', count: 4 },
    ]);
    expect(everyDay([])).toEqual([]);
  });
});

import { STATUS } from './error-codes';
import { problem, TITLES } from './problem';

describe('problem answers', () => {
  it('give every stable code a title of its status, never the fallback "Error"', () => {
    const untitled = Object.entries(STATUS).filter(([, status]) => TITLES[status] === undefined);
    expect(untitled).toEqual([]);
    expect(problem('UNSUPPORTED_MEDIA_TYPE', 'send JSON').title).toBe('Unsupported media type');
  });
});

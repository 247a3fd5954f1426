import { formatNanos, parseGoDuration } from '../../src/private/corefile/duration';

describe('parseGoDuration', () => {
  test.each([
    ['0', 0],
    ['300ms', 300e6],
    ['5s', 5e9],
    ['1m30s', 90e9],
    ['1h', 3600e9],
    ['1.5s', 1.5e9],
    ['.5s', 0.5e9],
    ['1.s', 1e9],
    ['10us', 10e3],
    ['10\u00b5s', 10e3],
    ['10\u03bcs', 10e3],
    ['7ns', 7],
    ['+2s', 2e9],
    ['-2s', -2e9],
  ])('GIVEN the Go duration %p WHEN parsed THEN it is %p nanoseconds', (text, nanos) => {
    expect(parseGoDuration(text)).toBeCloseTo(nanos);
  });

  test.each(['', '5', '5 s', 's', '.s', '5sec', '1h2', '1.5.5s', '3000000h', '-', '5S'])('GIVEN %p WHEN parsed THEN it is not a Go duration', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('formatNanos', () => {
  test.each([
    [0, '0s'],
    [500, '500ns'],
    [1500, '1.5\u00b5s'],
    [300e6, '300ms'],
    [5e9, '5s'],
    [90e9, '1m30s'],
    [3600e9, '1h0m0s'],
    [3725.5e9, '1h2m5.5s'],
  ])('GIVEN %p nanoseconds WHEN formatted THEN it reads %p like Go', (nanos, text) => {
    expect(formatNanos(nanos)).toBe(text);
  });
});

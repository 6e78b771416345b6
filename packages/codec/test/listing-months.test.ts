/**
 * The month tables of `list/months.ts`: twelve months in every language, one month for every
 * spelling whatever languages share it, and every spelling read back in any case, with or without
 * its final dot, and in unix lines.
 */
import { describe, expect, test } from 'vitest';
import { cjkDateAt, dayAt, MONTH_TABLES, monthAt, yearAt } from '../src/list/months.js';
import { parseListingLine } from '../src/listing.js';

describe('month tables', () => {
  test('every language has twelve months, each with at least one spelling', () => {
    for (const [language, table] of Object.entries(MONTH_TABLES)) {
      expect(table, language).toHaveLength(12);
      for (const spellings of table) expect(spellings.length, language).toBeGreaterThan(0);
    }
  });

  test('a spelling two languages share names the same month in both', () => {
    const seen = new Map<string, [string, number]>();
    for (const [language, table] of Object.entries(MONTH_TABLES)) {
      table.forEach((spellings, month) => {
        for (const spelling of spellings) {
          const before = seen.get(spelling);
          if (before !== undefined) expect([spelling, before[1]], `${language} and ${before[0]}`).toEqual([spelling, month]);
          seen.set(spelling, [language, month]);
        }
      });
    }
  });

  test('every spelling reads back, in any case, with or without a final dot, and dates a unix line', () => {
    for (const [language, table] of Object.entries(MONTH_TABLES)) {
      table.forEach((spellings, month) => {
        for (const spelling of spellings) {
          for (const written of [spelling, spelling.toUpperCase(), `${spelling}.`, spelling[0]!.toUpperCase() + spelling.slice(1)]) {
            expect(monthAt(written, 0, written.length), `${language} ${written}`).toBe(month);
          }
          const line = `-rw-r--r-- 1 u g 6 ${spelling} 9  2020 f`;
          expect(parseListingLine(line, 'unix')?.modifiedAt?.getUTCMonth(), line).toBe(month);
        }
      });
    }
  });

  test('CJK marks, and what is not a month, a day or a year', () => {
    expect(monthAt('12월', 0, 3)).toBe(11);
    expect(monthAt('13月', 0, 3)).toBe(-1);
    expect(monthAt('1001', 0, 4)).toBe(-1);
    expect(monthAt('mars', 0, 4)).toBe(2);
    expect(monthAt('marsx', 0, 5)).toBe(-1);
    expect(dayAt('31日', 0, 3)).toBe(31);
    expect(dayAt('32', 0, 2)).toBe(-1);
    expect(dayAt('0.', 0, 2)).toBe(-1);
    expect(yearAt('2024년', 0, 5)).toBe(2024);
    expect(yearAt('202', 0, 3)).toBe(-1);
    expect(cjkDateAt('6月3日', 0, 4)).toBe((0 * 16 + 5) * 32 + 3);
    expect(cjkDateAt('2024年13月3日', 0, 10)).toBe(-1);
    expect(cjkDateAt('6月3', 0, 3)).toBe(-1);
  });
});

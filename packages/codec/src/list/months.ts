/**
 * Month names in listing dates: English, the languages `ls` is often run in on servers, and the
 * CJK month and day markers.
 *
 * Theory of operation: `ls -l` prints the month with the C library's abbreviated month name
 * (`%b`), so a server whose locale is German lists `Mär` and one in Hungarian `márc.`. Each
 * language is a small table below: for each month, the spellings that the GNU C library's locale
 * data (`abmon`, and `%b` where it differs, as Russian's genitive `мая`) has printed in its
 * releases, lower case and without the final `.` that several languages add. The tables are merged
 * into one map at load; they agree wherever two languages share a spelling (`mar`, `maj`, `lis`),
 * which `test/listing-months.test.ts` checks. English, by far the most common, is read first by a
 * switch on the three letters, without the map.
 *
 * CJK listings write the month as a number with a marker: `6月` (Chinese, Japanese) or `6월`
 * (Korean), the day as `3日` or `3일`, the year as `2024年` or `2024년`.
 *
 * @module
 */
import { daysInMonth } from '../time.js';
import { decimal } from './digits.js';
import { indexIn } from './scan.js';

/** Spellings of the twelve months, January first, in one language. */
type MonthTable = readonly (readonly string[])[];

/** A language's table, frozen: the tables are only ever read. */
function months(...spellings: string[][]): MonthTable {
  return Object.freeze(spellings.map((s) => Object.freeze(s)));
}

const ENGLISH = months(['jan'], ['feb'], ['mar'], ['apr'], ['may'], ['jun'], ['jul'], ['aug'], ['sep', 'sept'], ['oct'], ['nov'], ['dec']);
const GERMAN = months(['jan', 'jän'], ['feb'], ['mär', 'mrz'], ['apr'], ['mai'], ['jun'], ['jul'], ['aug'], ['sep', 'sept'], ['okt'], ['nov'], ['dez']);
const FRENCH = months(['janv'], ['févr', 'fév'], ['mars'], ['avr', 'avril'], ['mai'], ['juin'], ['juil'], ['août'], ['sept'], ['oct'], ['nov'], ['déc']);
const SPANISH = months(['ene'], ['feb'], ['mar'], ['abr'], ['may'], ['jun'], ['jul'], ['ago'], ['sep', 'sept', 'set'], ['oct'], ['nov'], ['dic']);
const ITALIAN = months(['gen'], ['feb'], ['mar'], ['apr'], ['mag'], ['giu'], ['lug'], ['ago'], ['set'], ['ott'], ['nov'], ['dic']);
const DUTCH = months(['jan'], ['feb'], ['mrt', 'maa'], ['apr'], ['mei'], ['jun'], ['jul'], ['aug'], ['sep'], ['okt'], ['nov'], ['dec']);
const PORTUGUESE = months(['jan'], ['fev'], ['mar'], ['abr'], ['mai'], ['jun'], ['jul'], ['ago'], ['set'], ['out'], ['nov'], ['dez']);
const SWEDISH = months(['jan'], ['feb'], ['mar'], ['apr'], ['maj'], ['jun'], ['jul'], ['aug'], ['sep'], ['okt'], ['nov'], ['dec']);
const POLISH = months(['sty'], ['lut'], ['mar'], ['kwi'], ['maj'], ['cze'], ['lip'], ['sie'], ['wrz'], ['paź'], ['lis'], ['gru']);
const RUSSIAN = months(['янв'], ['фев'], ['мар'], ['апр'], ['май', 'мая'], ['июн'], ['июл'], ['авг'], ['сен'], ['окт'], ['ноя'], ['дек']);
const HUNGARIAN = months(['jan'], ['febr'], ['márc'], ['ápr'], ['máj'], ['jún'], ['júl'], ['aug'], ['szept'], ['okt'], ['nov'], ['dec']);
const CZECH = months(['led'], ['úno'], ['bře'], ['dub'], ['kvě'], ['čen', 'čvn'], ['čec', 'čvc'], ['srp'], ['zář'], ['říj'], ['lis'], ['pro']);

/** Every language's table, by its ISO 639-1 code. @internal (the consistency test reads it) */
export const MONTH_TABLES: Readonly<Record<string, MonthTable>> = Object.freeze({
  en: ENGLISH,
  de: GERMAN,
  fr: FRENCH,
  es: SPANISH,
  it: ITALIAN,
  nl: DUTCH,
  pt: PORTUGUESE,
  sv: SWEDISH,
  pl: POLISH,
  ru: RUSSIAN,
  hu: HUNGARIAN,
  cs: CZECH,
});

/** Spelling to month index (0–11), every table merged: a frozen lookup table, only read. */
const BY_NAME: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.values(MONTH_TABLES).flatMap((table) => table.flatMap((spellings, month) => spellings.map((s) => [s, month] as const)))),
);

/** The longest spelling, so that longer columns are refused before any copy is made. */
const LONGEST = 5;

/** Month index (0–11) of the three-letter English abbreviation at `at`, any case, or -1. @internal */
export function englishMonth(text: string, at: number): number {
  const key = ((text.charCodeAt(at) | 0x20) << 16) | ((text.charCodeAt(at + 1) | 0x20) << 8) | (text.charCodeAt(at + 2) | 0x20);
  switch (key) {
    case 0x6a616e: return 0; // jan
    case 0x666562: return 1; // feb
    case 0x6d6172: return 2; // mar
    case 0x617072: return 3; // apr
    case 0x6d6179: return 4; // may
    case 0x6a756e: return 5; // jun
    case 0x6a756c: return 6; // jul
    case 0x617567: return 7; // aug
    case 0x736570: return 8; // sep
    case 0x6f6374: return 9; // oct
    case 0x6e6f76: return 10; // nov
    case 0x646563: return 11; // dec
    default: return -1;
  }
}

const MONTH_MARK = 0x6708; // 月
const KOREAN_MONTH_MARK = 0xc6d4; // 월

/**
 * Month index (0–11) of the month name `text[start, end)` in any language of the tables (any case,
 * with or without a final `.`), or of a CJK month (`6月`, `12월`); -1 when it is none.
 *
 * @internal
 * @example
 * ```ts
 * monthAt('márc.', 0, 5); // 2
 * monthAt('6月', 0, 2);   // 5
 * ```
 */
export function monthAt(text: string, start: number, end: number): number {
  const width = end - start;
  if (width === 3) {
    const english = englishMonth(text, start);
    if (english >= 0) return english;
  }
  const last = text.charCodeAt(end - 1);
  if (last === MONTH_MARK || last === KOREAN_MONTH_MARK) {
    const month = numberAt(text, start, end - 1);
    return month >= 1 && month <= 12 ? month - 1 : -1;
  }
  // No name starts with a digit: refuse numbers (sizes, owners) before any copy is made.
  if (text.charCodeAt(start) - 0x30 >>> 0 <= 9) return -1;
  const stem = last === 0x2e ? end - 1 : end; // '.'
  if (stem - start < 3 || stem - start > LONGEST) return -1;
  const key = text.slice(start, stem).toLowerCase();
  return Object.hasOwn(BY_NAME, key) ? BY_NAME[key]! : -1;
}

/** 1–2 ASCII digits at `text[start, end)` as a number, else -1. */
function numberAt(text: string, start: number, end: number): number {
  return end - start > 2 ? -1 : decimal(text, start, end);
}

const DAY_MARK = 0x65e5; // 日
const KOREAN_DAY_MARK = 0xc77c; // 일

/**
 * The day of month (1–31) written as `text[start, end)`: one or two digits, optionally followed by
 * `.` (German `3.`) or a CJK day marker (`3日`, `3일`); -1 otherwise.
 *
 * @internal
 * @example
 * ```ts
 * dayAt('3.', 0, 2); // 3
 * ```
 */
export function dayAt(text: string, start: number, end: number): number {
  const last = text.charCodeAt(end - 1);
  const stem = last === 0x2e || last === DAY_MARK || last === KOREAN_DAY_MARK ? end - 1 : end;
  const day = numberAt(text, start, stem);
  return day >= 1 && day <= 31 ? day : -1;
}

const YEAR_MARK = 0x5e74; // 年
const KOREAN_YEAR_MARK = 0xb144; // 년

/**
 * The four-digit year written as `text[start, end)`, optionally followed by a CJK year marker
 * (`2024年`, `2024년`); -1 otherwise.
 *
 * @internal
 * @example
 * ```ts
 * yearAt('2024年', 0, 5); // 2024
 * ```
 */
export function yearAt(text: string, start: number, end: number): number {
  const last = text.charCodeAt(end - 1);
  const stem = last === YEAR_MARK || last === KOREAN_YEAR_MARK ? end - 1 : end;
  return stem - start === 4 ? decimal(text, start, stem) : -1;
}

/**
 * A CJK date in one column: `6月3日` (no year) or `2024年6月3日`. Returns `(year * 16 + month) * 32 +
 * day` with month 0–11 and year 0 when none is written, or -1.
 *
 * @internal
 * @example
 * ```ts
 * cjkDateAt('2024年6月3日', 0, 9); // (2024 * 16 + 5) * 32 + 3
 * ```
 */
export function cjkDateAt(text: string, start: number, end: number): number {
  const last = text.charCodeAt(end - 1);
  if (last !== DAY_MARK && last !== KOREAN_DAY_MARK) return -1;
  let i = start;
  let year = 0;
  let mark = indexIn(text, last === DAY_MARK ? YEAR_MARK : KOREAN_YEAR_MARK, start, end);
  if (mark >= 0) {
    year = yearAt(text, start, mark + 1);
    if (year < 0) return -1;
    i = mark + 1;
  }
  mark = indexIn(text, last === DAY_MARK ? MONTH_MARK : KOREAN_MONTH_MARK, i, end);
  if (mark < 0) return -1;
  const month = monthAt(text, i, mark + 1);
  const day = dayAt(text, mark + 1, end);
  return month < 0 || day < 0 ? -1 : (year * 16 + month) * 32 + day;
}

/**
 * The common case of {@link monthDayAt}, written to be inlined: an English month in
 * `text[sa, ea)` and a day in `text[sb, eb)`, as `month * 32 + day`, -1 for an impossible day, or
 * `undefined` when the month is not English.
 *
 * @internal
 */
export function englishMonthDay(text: string, sa: number, ea: number, sb: number, eb: number): number | undefined {
  if (ea - sa !== 3 || eb - sb > 2) return undefined;
  const month = englishMonth(text, sa);
  if (month < 0) return undefined;
  const day = decimal(text, sb, eb);
  return day < 1 || day > daysInMonth(2000, month + 1) ? -1 : month * 32 + day;
}

/**
 * The month and day in the columns `text[sa, ea)` and `text[sb, eb)`, month first (`Nov 25`,
 * `6月 3日`) or day first (`25 Nov`, `25. Nov`), as `month * 32 + day` (month 0–11), or -1.
 *
 * @internal
 */
export function monthDayAt(text: string, sa: number, ea: number, sb: number, eb: number): number {
  let month = ea - sa === 3 ? englishMonth(text, sa) : -1;
  let day: number;
  if (month >= 0) {
    day = eb - sb <= 2 ? decimal(text, sb, eb) : -1;
  } else {
    month = monthAt(text, sa, ea);
    if (month >= 0) day = dayAt(text, sb, eb);
    else {
      day = dayAt(text, sa, ea);
      month = day > 0 ? monthAt(text, sb, eb) : -1;
    }
  }
  // 2000: allow 29 February until the year is known.
  return month < 0 || day < 1 || day > daysInMonth(2000, month + 1) ? -1 : month * 32 + day;
}

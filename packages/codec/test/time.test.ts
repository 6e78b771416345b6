import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FtpReplyError, LocalProtocolError, RemoteProtocolError } from '../src/errors.js';
import { createReply } from '../src/reply.js';
import { civilToEpoch, daysInMonth, formatFtpTime, parseFtpTime, parseMdtmReply } from '../src/time.js';

const iso = (d: Date) => d.toISOString();

describe('parseFtpTime', () => {
  test('reads the fourteen digits as UTC', () => {
    expect(iso(parseFtpTime('20200102030405'))).toBe('2020-01-02T03:04:05.000Z');
    expect(iso(parseFtpTime('19700101000000'))).toBe('1970-01-01T00:00:00.000Z');
    expect(iso(parseFtpTime('10000101000000'))).toBe('1000-01-01T00:00:00.000Z');
    expect(iso(parseFtpTime('99991231235959'))).toBe('9999-12-31T23:59:59.000Z');
  });

  test('fractions of any length keep milliseconds, truncated', () => {
    expect(iso(parseFtpTime('20200102030405.1'))).toBe('2020-01-02T03:04:05.100Z');
    expect(iso(parseFtpTime('20200102030405.12'))).toBe('2020-01-02T03:04:05.120Z');
    expect(iso(parseFtpTime('20200102030405.123'))).toBe('2020-01-02T03:04:05.123Z');
    expect(iso(parseFtpTime('20200102030405.1239999'))).toBe('2020-01-02T03:04:05.123Z');
    expect(iso(parseFtpTime('20201231235959.9999999999999'))).toBe('2020-12-31T23:59:59.999Z');
    expect(iso(parseFtpTime('20200102030405.000'))).toBe('2020-01-02T03:04:05.000Z');
  });

  test('29 February only in leap years', () => {
    expect(iso(parseFtpTime('20240229120000'))).toBe('2024-02-29T12:00:00.000Z');
    expect(iso(parseFtpTime('20000229120000'))).toBe('2000-02-29T12:00:00.000Z');
    expect(() => parseFtpTime('21000229120000')).toThrow(RemoteProtocolError);
    expect(() => parseFtpTime('20230229120000')).toThrow(RemoteProtocolError);
  });

  test('a leap second carries into the next minute', () => {
    expect(iso(parseFtpTime('20161231235960'))).toBe('2017-01-01T00:00:00.000Z');
  });

  test.each([
    ['', 'empty'],
    ['2020010203040', '13 digits'],
    ['202001020304050', '15 digits'],
    ['20200102030405.', 'a dot without digits'],
    ['20200102030405,5', 'a comma'],
    ['20201302030405', 'month 13'],
    ['20200002030405', 'month 0'],
    ['20200100030405', 'day 0'],
    ['20200431030405', '31 April'],
    ['20200102240405', 'hour 24'],
    ['20200102036005', 'minute 60'],
    ['20200102030461', 'second 61'],
    ['09990102030405', 'year 999'],
    ['2020-01-02T03:04:05Z', 'ISO 8601'],
    [' 20200102030405', 'leading space'],
    ['20200102030405 ', 'trailing space'],
    ['2020010203040a', 'a letter'],
    ['２０２００１０２０３０４０５', 'full-width digits'],
    ['20200102030405.12a', 'junk in the fraction'],
  ])('%j (%s) is a RemoteProtocolError', (text) => {
    expect(() => parseFtpTime(text)).toThrow(RemoteProtocolError);
  });

  test('garbage in gives a Date or a RemoteProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9.]{10,20}$/)), (text) => {
        try {
          const date = parseFtpTime(text);
          expect(Number.isNaN(date.getTime())).toBe(false);
        } catch (err) {
          expect(err).toBeInstanceOf(RemoteProtocolError);
        }
      }),
    );
  });
});

describe('formatFtpTime', () => {
  const when = new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 60));

  test('fourteen digits by default, truncating milliseconds', () => {
    expect(formatFtpTime(when)).toBe('20200102030405');
    expect(formatFtpTime(new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 999)))).toBe('20200102030405');
  });

  test('with fraction: three digits', () => {
    expect(formatFtpTime(when, { fraction: true })).toBe('20200102030405.060');
    expect(formatFtpTime(new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), { fraction: true })).toBe('20200102030405.000');
  });

  test('pads small years and fields', () => {
    const d = new Date(0);
    d.setUTCFullYear(1000, 0, 1);
    expect(formatFtpTime(d)).toBe('10000101000000');
  });

  test('an invalid Date or a year outside 1000–9999 is a LocalProtocolError', () => {
    expect(() => formatFtpTime(new Date(Number.NaN))).toThrow(LocalProtocolError);
    expect(() => formatFtpTime(new Date(Date.UTC(10000, 0, 1)))).toThrow(LocalProtocolError);
    const early = new Date(0);
    early.setUTCFullYear(999, 11, 31);
    expect(() => formatFtpTime(early)).toThrow(LocalProtocolError);
  });

  const arbDate = fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }).map((t) => new Date(t));

  test('round trip with fraction: parse(format(d)) is d', () => {
    fc.assert(
      fc.property(arbDate, (date) => {
        expect(parseFtpTime(formatFtpTime(date, { fraction: true })).getTime()).toBe(date.getTime());
      }),
    );
  });

  test('round trip without fraction: parse(format(d)) is d to the second', () => {
    fc.assert(
      fc.property(arbDate, (date) => {
        const back = parseFtpTime(formatFtpTime(date));
        expect(back.getTime()).toBe(date.getTime() - date.getUTCMilliseconds());
      }),
    );
  });

  test('round trip from text: format(parse(t)) is t for canonical time-vals', () => {
    fc.assert(
      fc.property(arbDate, fc.boolean(), (date, fraction) => {
        const text = formatFtpTime(date, { fraction });
        expect(formatFtpTime(parseFtpTime(text), { fraction })).toBe(text);
      }),
    );
  });
});

describe('parseMdtmReply', () => {
  test('reads a 213 reply', () => {
    expect(iso(parseMdtmReply(createReply(213, ['20200102030405'])))).toBe('2020-01-02T03:04:05.000Z');
  });

  test('ftp-srv sends milliseconds', () => {
    expect(iso(parseMdtmReply(createReply(213, ['20200102030405.000'])))).toBe('2020-01-02T03:04:05.000Z');
  });

  test('tolerates whitespace around the value', () => {
    expect(iso(parseMdtmReply(createReply(213, ['  20200102030405 \t'])))).toBe('2020-01-02T03:04:05.000Z');
  });

  test('junk around the value is a RemoteProtocolError', () => {
    for (const text of ['Modified: 20200102030405', '20200102030405 UTC', '20200102030405x', '', 'File not found']) {
      expect(() => parseMdtmReply(createReply(213, [text]))).toThrow(RemoteProtocolError);
    }
  });

  test('a 213 spread over several lines is a RemoteProtocolError', () => {
    expect(() => parseMdtmReply(createReply(213, ['Status', '20200102030405', 'End']))).toThrow(RemoteProtocolError);
  });

  test('a negative reply is an FtpReplyError carrying the reply', () => {
    const reply = createReply(550, ['hello.txt: not a plain file']);
    try {
      parseMdtmReply(reply);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FtpReplyError);
      expect((err as FtpReplyError).reply).toBe(reply);
    }
  });
});

describe('calendar helpers', () => {
  test('daysInMonth follows the Gregorian rules', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => daysInMonth(2023, m))).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2023, 13)).toBe(0);
  });

  test('civilToEpoch agrees with Date for years 0 to 9999', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (year, month, day, hour, minute) => {
          const d = new Date(0);
          d.setUTCFullYear(year, month - 1, day);
          d.setUTCHours(hour, minute, 7, 8);
          expect(civilToEpoch(year, month, day, hour, minute, 7, 8)).toBe(d.getTime());
        },
      ),
    );
  });
});

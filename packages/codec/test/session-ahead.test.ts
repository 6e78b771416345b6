/**
 * Deep pipelining (`ahead.ts`): the next transfer's EPSV and transfer command go out behind the
 * running transfer, its replies are held until the running one ends, and a server that answers out
 * of step (or refuses anything while a transfer is ahead) breaks the session with PipeliningError.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PipeliningError } from '../src/errors.js';
import { Harness, loggedIn, warmed } from './session-harness.js';

const decoder = new TextDecoder();
const writes = (h: Harness): string[] => h.actions.flatMap((a) => (a.type === 'send' ? [decoder.decode(a.bytes)] : []));

/** Pipelining on, EPSV known to work, and RETR a running past its command. */
function runningWithAhead(): Harness {
  const h = warmed();
  h.start({ kind: 'transfer', command: 'RETR', path: 'a' });
  // Open once RETR a's data has ended on this side, its final reply still to come.
  expect(h.session.aheadOpen).toBe(false);
  h.reply('229 (|||40002|)\r\n');
  h.dataOpened();
  h.reply('150 a\r\n');
  expect(h.session.aheadOpen).toBe(false);
  h.dataClosed();
  expect(h.session.aheadOpen).toBe(true);
  const sent = h.session.startAhead({ kind: 'transfer', command: 'RETR', path: 'b' });
  expect(sent).toBeDefined();
  h.actions.push(...(sent ?? []));
  expect(writes(h)).toEqual(['EPSV\r\nRETR a\r\n', 'EPSV\r\nRETR b\r\n']);
  return h;
}

describe('a transfer set up ahead', () => {
  test('is refused without pipelining, while idle, and twice', () => {
    const h = loggedIn();
    expect(h.session.startAhead({ kind: 'transfer', command: 'RETR', path: 'b' })).toBeUndefined();
    const p = runningWithAhead();
    expect(p.session.startAhead({ kind: 'transfer', command: 'RETR', path: 'c' })).toBeUndefined();
    expect(p.session.canKeepAlive).toBe(false);
  });

  test('goes out once the running transfer\'s data has ended, and gets every reply after its final one', () => {
    const h = runningWithAhead();
    // 226 a, then the server runs EPSV b at once: both in one read.
    h.replyAtOnce('226 a done\r\n229 (|||40003|)\r\n');
    expect(h.trace.filter((t) => t === 'done')).toHaveLength(1); // a
    expect(h.actions.at(-1)).toEqual({ type: 'openData', port: 40003, secure: false });
    h.dataOpened();
    h.reply('150 b\r\n');
    h.dataClosed();
    h.reply('226 b done\r\n');
    expect(h.trace.filter((t) => t === 'done')).toHaveLength(2);
    expect(h.session.state).toBe('idle');
  });

  test('a 229 before the running transfer ended is the server breaking under it', () => {
    const h = runningWithAhead();
    h.reply('229 (|||40003|)\r\n');
    const failed = h.actions.find((a) => a.type === 'failed');
    expect(failed?.type === 'failed' && failed.error).toBeInstanceOf(PipeliningError);
    expect(h.session.state).toBe('broken');
  });

  test('a refusal while a transfer is ahead cannot be told apart, and breaks the session too (ProFTPD: 450 mid-transfer)', () => {
    const h = runningWithAhead();
    h.reply('450 EPSV: data transfer in progress\r\n');
    const failed = h.actions.find((a) => a.type === 'failed');
    expect(failed?.type === 'failed' && failed.error).toBeInstanceOf(PipeliningError);
  });

  test('a refused EPSV ahead is PipeliningError', () => {
    const h = runningWithAhead();
    h.reply('226 a\r\n');
    expect(h.trace).toContain('done');
    h.reply('425 no passive port\r\n');
    const failed = h.actions.filter((a) => a.type === 'failed');
    expect(failed.at(-1)?.type === 'failed' && failed.at(-1)).toMatchObject({ error: expect.any(PipeliningError) });
  });

  test('an abort with a transfer ahead sends no ABOR: the data connection is closed, its final reply read, and the next runs', () => {
    const h = runningWithAhead();
    h.actions.length = 0;
    h.abort();
    expect(writes(h)).toEqual([]);
    expect(h.trace).toEqual(['closeData']);
    h.reply('426 Connection closed; transfer aborted\r\n');
    expect(h.trace).toContain('aborted');
    h.reply('229 (|||40003|)\r\n');
    expect(h.actions.at(-1)).toEqual({ type: 'openData', port: 40003, secure: false });
    h.dataOpened();
    h.reply('150 b\r\n');
    h.dataClosed();
    h.reply('226 b\r\n');
    expect(h.trace.at(-1)).toBe('done');
    expect(h.session.state).toBe('idle');
  });
});

describe('properties', () => {
  /**
   * A run of `files` downloads, each set up ahead of the one before, with the server's replies cut
   * into reads at random points (the 226 of one and the 229 of the next may share a read or not,
   * down to a byte at a time), and which transfer the server fails after its data (451: with a
   * transfer ahead, which command it answers cannot be told, and the session breaks). Whatever the cuts:
   * every transfer before the first refusal is done, in order; the session ends idle when nothing
   * was refused and broken with PipeliningError at the first refusal; no operation ends twice.
   */
  test('transfers set up ahead pair with their replies, whatever the reads', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: -1, max: 6 }), (files, cuts, refusedAt) => {
        const h = loggedIn({ pipelining: true });
        h.start({ kind: 'transfer', command: 'RETR', path: 'warm' });
        h.reply('229 (|||40000|)\r\n');
        h.dataOpened();
        h.reply('150 go\r\n');
        h.dataClosed();
        h.reply('226 ok\r\n');
        h.actions.length = 0;
        let cut = 0;
        const serverSays = (text: string): void => {
          for (let at = 0; at < text.length; ) {
            const n = cuts[cut++ % cuts.length]!;
            h.replyAtOnce(text.slice(at, at + n));
            at += n;
          }
        };
        h.start({ kind: 'transfer', command: 'RETR', path: 'f0' });
        serverSays('229 (|||40001|)\r\n');
        for (let i = 0; i < files; i++) {
          h.dataOpened();
          serverSays('150 go\r\n');
          h.dataClosed();
          const next = i + 1 < files ? h.session.startAhead({ kind: 'transfer', command: 'RETR', path: `f${i + 1}` }) : undefined;
          if (i + 1 < files) expect(next).toBeDefined();
          h.actions.push(...(next ?? []));
          if (i === refusedAt) {
            // Failed after its data, with the next one ahead (or, for the last, with nothing ahead).
            serverSays('451 local error\r\n');
            break;
          }
          serverSays(i + 1 < files ? `226 done\r\n229 (|||${40002 + i}|)\r\n` : '226 done\r\n');
        }
        const ends = h.trace.filter((t) => t === 'done' || t === 'failed' || t === 'aborted');
        const refused = refusedAt >= 0 && refusedAt < files;
        if (!refused) {
          expect(ends).toEqual(Array.from({ length: files }, () => 'done'));
          expect(h.session.state).toBe('idle');
        } else if (refusedAt === files - 1) {
          // Nothing ahead of the last one: an ordinary refusal.
          expect(ends).toEqual([...Array.from({ length: refusedAt }, () => 'done'), 'failed']);
          expect(h.session.state).toBe('idle');
        } else {
          expect(ends.slice(0, refusedAt)).toEqual(Array.from({ length: refusedAt }, () => 'done'));
          expect(h.session.state).toBe('broken');
          expect(h.session.error).toBeInstanceOf(PipeliningError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

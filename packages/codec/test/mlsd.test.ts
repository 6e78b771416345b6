import fc from 'fast-check';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { FtpReplyError, LocalProtocolError, RemoteProtocolError } from '../src/errors.js';
import type { ListingEntry } from '../src/listing.js';
import { formatMlsdLine, isMlsdSelfOrParent, parseFacts, parseMlsdLine, parseMlstReply } from '../src/list/mlsd.js';
import { createReply } from '../src/reply.js';
import { arbMlsdLine, plainListingEntry } from '../src/testing/listing.js';

describe('parseFacts', () => {
  test('lower-cases names and keeps values as sent', () => {
    const facts = parseFacts('Type=File;SIZE=6;UNIX.mode=0644;Unique=FE00U20C028;');
    expect([...facts]).toEqual([
      ['type', 'File'],
      ['size', '6'],
      ['unix.mode', '0644'],
      ['unique', 'FE00U20C028'],
    ]);
  });

  test('a value may contain "=" (the first one splits)', () => {
    expect(parseFacts('type=OS.unix=slink:/a=b;').get('type')).toBe('OS.unix=slink:/a=b');
  });

  test('empty values, empty segments and a missing final ";" are tolerated', () => {
    expect([...parseFacts('a=;;b=2')]).toEqual([
      ['a', ''],
      ['b', '2'],
    ]);
    expect(parseFacts('').size).toBe(0);
  });

  test('the first of two facts with the same name wins', () => {
    expect(parseFacts('size=1;SIZE=2;').get('size')).toBe('1');
  });

  test('a fact without "=" or without a name is a RemoteProtocolError', () => {
    expect(() => parseFacts('type=file;size;')).toThrow(RemoteProtocolError);
    expect(() => parseFacts('=file;')).toThrow(RemoteProtocolError);
  });
});

describe('parseMlsdLine', () => {
  test('a ProFTPD line: every interpreted fact', () => {
    const line =
      'modify=20200102030405;perm=adfrw;size=6;type=file;unique=FE00U20C028;UNIX.group=1001;UNIX.groupname=ftpuser;UNIX.mode=0644;UNIX.owner=1001;UNIX.ownername=ftpuser; hello.txt';
    const entry = parseMlsdLine(line);
    expect(plainListingEntry(entry)).toEqual({
      name: 'hello.txt',
      type: 'file',
      size: 6,
      modifiedAt: new Date('2020-01-02T03:04:05Z'),
      precision: 'second',
      permissions: 'rw-r--r--',
      owner: 'ftpuser',
      group: 'ftpuser',
      facts: new Map([
        ['modify', '20200102030405'],
        ['perm', 'adfrw'],
        ['size', '6'],
        ['type', 'file'],
        ['unique', 'FE00U20C028'],
        ['unix.group', '1001'],
        ['unix.groupname', 'ftpuser'],
        ['unix.mode', '0644'],
        ['unix.owner', '1001'],
        ['unix.ownername', 'ftpuser'],
      ]),
      raw: line,
    });
    expect(Object.isFrozen(entry)).toBe(true);
  });

  test('the name may contain spaces, ";" and "; "', () => {
    expect(parseMlsdLine('type=file;size=1; a b; c;d ').name).toBe('a b; c;d ');
    expect(parseMlsdLine('type=file;size=1;  leading').name).toBe(' leading');
  });

  test('no facts: the line is one space and the name', () => {
    const entry = parseMlsdLine(' just a name');
    expect(entry.name).toBe('just a name');
    expect(entry.type).toBe('unknown');
    expect(entry.facts?.size).toBe(0);
  });

  test('a missing final ";" before the space is tolerated', () => {
    const entry = parseMlsdLine('type=file;size=3 name');
    expect([entry.name, entry.type, entry.size]).toEqual(['name', 'file', 3]);
  });

  test('types: dir, cdir, pdir, ProFTPD and Pure-FTPd symlinks, other OS types', () => {
    expect(parseMlsdLine('type=dir; d').type).toBe('directory');
    expect(parseMlsdLine('Type=DIR; d').type).toBe('directory');
    const cdir = parseMlsdLine('type=cdir; /pub');
    const pdir = parseMlsdLine('type=pdir; ..');
    expect([cdir.type, pdir.type]).toEqual(['directory', 'directory']);
    expect([isMlsdSelfOrParent(cdir), isMlsdSelfOrParent(pdir), isMlsdSelfOrParent(parseMlsdLine('type=dir; d'))]).toEqual([true, true, false]);
    expect(plainListingEntry(parseMlsdLine('type=OS.unix=symlink;size=3; l'))).toMatchObject({ type: 'symlink', size: 3 });
    expect(parseMlsdLine('type=OS.unix=symlink; l').target).toBeUndefined();
    expect(parseMlsdLine('type=OS.unix=slink:; l')).toMatchObject({ type: 'symlink' });
    expect(parseMlsdLine('type=OS.unix=slink:; l').target).toBeUndefined();
    expect(parseMlsdLine('type=OS.unix=slink:/etc/hosts; l')).toMatchObject({ type: 'symlink', target: '/etc/hosts' });
    expect(parseMlsdLine('type=OS.unix=chr-1/3; null').type).toBe('unknown');
    expect(parseMlsdLine('type=OS.unix=blk; sda').type).toBe('unknown');
    expect(parseMlsdLine('type=weird; x').type).toBe('unknown');
    expect(parseMlsdLine('size=1; x').type).toBe('unknown');
  });

  test('sizd (Pure-FTPd) gives a directory its size; size wins over sizd', () => {
    expect(parseMlsdLine('type=dir;sizd=4096; sub').size).toBe(4096);
    expect(parseMlsdLine('type=dir;sizd=4096;size=1; sub').size).toBe(1);
  });

  test('permissions: UNIX.mode (octal, with special bits) before perm', () => {
    expect(parseMlsdLine('UNIX.mode=0755;perm=el; d').permissions).toBe('rwxr-xr-x');
    expect(parseMlsdLine('UNIX.mode=4755; f').permissions).toBe('rwsr-xr-x');
    expect(parseMlsdLine('UNIX.mode=2750; f').permissions).toBe('rwxr-s---');
    expect(parseMlsdLine('UNIX.mode=1777; t').permissions).toBe('rwxrwxrwt');
    expect(parseMlsdLine('UNIX.mode=1666; t').permissions).toBe('rw-rw-rwT');
    expect(parseMlsdLine('UNIX.mode=100644; f').permissions).toBe('rw-r--r--');
    expect(parseMlsdLine('perm=adfrw; f').permissions).toBe('adfrw');
    expect(parseMlsdLine('UNIX.mode=rwx;perm=r; f').permissions).toBe('r'); // not octal: perm instead
  });

  test('owner and group: names before numbers', () => {
    expect(parseMlsdLine('UNIX.uid=1001;UNIX.gid=1002; f')).toMatchObject({ owner: '1001', group: '1002' });
    expect(parseMlsdLine('UNIX.owner=1001;UNIX.ownername=joe;UNIX.group=7;UNIX.groupname=staff; f')).toMatchObject({ owner: 'joe', group: 'staff' });
    expect(parseMlsdLine('UNIX.owner=1001;UNIX.uid=5; f').owner).toBe('1001');
  });

  test('modify keeps milliseconds, in an own Date', () => {
    const entry = parseMlsdLine('modify=20230101000000.5; f');
    expect(entry.modifiedAt?.toISOString()).toBe('2023-01-01T00:00:00.500Z');
    expect(entry.modifiedAt).toBe(entry.modifiedAt);
    expect(Object.keys(entry)).toEqual(['name', 'type', 'modifiedAt', 'precision', 'facts', 'raw']);
  });

  test.each([
    ['no space at all', 'type=file;size=1;name'],
    ['empty name', 'type=file;size=1; '],
    ['a fact without "="', 'type=file;size; name'],
    ['a fact without a name', '=file; name'],
    ['size not a number', 'type=file;size=12k; name'],
    ['negative size', 'type=file;size=-1; name'],
    ['size beyond 2^53', 'type=file;size=99999999999999999; name'],
    ['modify month 13', 'type=file;modify=20201302030405; name'],
    ['modify too short', 'type=file;modify=2020; name'],
    ['a unix line', '-rw-r--r-- 1 ftp ftp 6 Jan 02  2020 hello.txt'],
    ['a DOS line', '01-02-2020  03:04   1234 a b.txt'],
    ['an empty line', ''],
  ])('%s is a RemoteProtocolError', (_what, line) => {
    expect(() => parseMlsdLine(line)).toThrow(RemoteProtocolError);
  });

  test('entries are frozen plain objects: spread, toEqual and JSON see every field, facts included', () => {
    const line = 'type=file;size=6;modify=20200102030405; a';
    const entry = parseMlsdLine(line);
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.getPrototypeOf(entry)).toBe(Object.prototype);
    expect(Object.keys(entry)).toEqual(['name', 'type', 'size', 'modifiedAt', 'precision', 'facts', 'raw']);
    expect({ ...entry }).toStrictEqual(entry);
    expect({ ...entry }.modifiedAt).toEqual(new Date('2020-01-02T03:04:05Z'));
    expect(entry).toEqual(parseMlsdLine(line));
    // toEqual compares the facts, by content: a fact no other field shows still counts.
    expect(parseMlsdLine('type=file;unique=a1; a').facts).toEqual(parseMlsdLine('Type=file;UNIQUE=a1; b').facts);
    expect(parseMlsdLine('type=file;unique=a1; a').facts).not.toEqual(parseMlsdLine('type=file;unique=a2; a').facts);
    expect(JSON.parse(JSON.stringify(entry))).toEqual({
      name: 'a',
      type: 'file',
      size: 6,
      modifiedAt: '2020-01-02T03:04:05.000Z',
      precision: 'second',
      facts: { type: 'file', size: '6', modify: '20200102030405' },
      raw: line,
    });
  });

  test('facts: a read-only Map of the facts, read from the line when first asked', () => {
    const facts = parseMlsdLine('Type=file;Size=6;unique=801g3;size=7;;UNIX.mode=0644; a b').facts!;
    expect(facts.size).toBe(4);
    expect(facts.get('size')).toBe('6'); // the first of two wins
    expect(facts.has('unix.mode')).toBe(true);
    expect(facts.has('Type')).toBe(false); // names are lower-cased
    expect([...facts]).toEqual([
      ['type', 'file'],
      ['size', '6'],
      ['unique', '801g3'],
      ['unix.mode', '0644'],
    ]);
    expect([...facts.keys()]).toEqual(['type', 'size', 'unique', 'unix.mode']);
    expect([...facts.values()]).toEqual(['file', '6', '801g3', '0644']);
    expect([...facts.entries()]).toEqual([...facts]);
    const seen: string[] = [];
    facts.forEach(function (this: unknown, value, name, map) {
      seen.push(`${name}=${value}`);
      expect(map).toBe(facts);
      expect(this).toBe(seen);
    }, seen);
    expect(seen).toEqual(['type=file', 'size=6', 'unique=801g3', 'unix.mode=0644']);
    expect(new Map(facts)).toEqual(new Map([...facts]));
    // Read-only: no setters, no own properties, and what one reader gets cannot change what the next sees.
    expect(Object.keys(facts)).toEqual([]);
    expect((facts as unknown as { set?: unknown }).set).toBeUndefined();
    const copy = new Map(facts);
    copy.set('size', '0');
    expect(facts.get('size')).toBe('6');
    // console.log shows a Map: Node's and Bun's inspect hook returns one, Deno's formats one.
    const asMap = new Map([...facts]);
    expect((facts as unknown as Record<symbol, () => unknown>)[Symbol.for('nodejs.util.inspect.custom')]!()).toEqual(asMap);
    const denoHook = (facts as unknown as Record<symbol, (inspect: (v: unknown) => string) => string>)[Symbol.for('Deno.customInspect')]!;
    expect(denoHook.call(facts, (v) => inspect(v))).toBe(inspect(asMap));
    if (!('Deno' in globalThis)) expect(inspect(facts)).toBe(inspect(asMap));
    expect(parseMlsdLine(' no facts').facts?.size).toBe(0);
  });

  test('property: generated lines parse to the entry they were made from', () => {
    fc.assert(
      fc.property(arbMlsdLine(), ({ line, expected }) => {
        expect(plainListingEntry(parseMlsdLine(line))).toEqual(expected);
      }),
    );
  });

  test('property: any string gives an entry or a RemoteProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('a', '=', ';', ' ', '1', 'type', 'size', 'modify') })), (line) => {
        try {
          const entry = parseMlsdLine(line);
          expect(entry.name.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(RemoteProtocolError);
        }
      }),
    );
  });
});

describe('parseMlstReply', () => {
  test('ProFTPD: the entry line starts with a space, the name is the path echoed', () => {
    const reply = createReply(250, [
      'Start of list for hello.txt',
      ' modify=20200102030405;perm=adfrw;size=6;type=file;unique=FE00U20C028;UNIX.mode=0644; /hello.txt',
      'End of list',
    ]);
    expect(parseMlstReply(reply)).toMatchObject({ name: '/hello.txt', type: 'file', size: 6, permissions: 'rw-r--r--' });
  });

  test('an entry line whose "250-" prefix the parser removed has no leading space', () => {
    const reply = createReply(250, ['Begin', 'type=file;size=6; a b', 'End.']);
    expect(parseMlstReply(reply).name).toBe('a b');
  });

  test('a name with a leading space survives (only one space is the separator)', () => {
    const reply = createReply(250, ['Begin', ' type=file;  spaced', 'End.']);
    expect(parseMlstReply(reply).name).toBe(' spaced');
  });

  test('no entry line, or two, is a RemoteProtocolError', () => {
    expect(() => parseMlstReply(createReply(250, ['Listing hello.txt']))).toThrow(RemoteProtocolError);
    expect(() => parseMlstReply(createReply(250, ['Begin', 'End']))).toThrow(RemoteProtocolError);
    expect(() => parseMlstReply(createReply(250, ['Begin', ' type=file; a', ' type=file; b', 'End']))).toThrow(RemoteProtocolError);
    expect(() => parseMlstReply(createReply(250, ['Begin', ' garbage', 'End']))).toThrow(RemoteProtocolError);
  });

  test('a negative reply is an FtpReplyError', () => {
    expect(() => parseMlstReply(createReply(550, ['No such file']))).toThrow(FtpReplyError);
    expect(() => parseMlstReply(createReply(500, ['Unknown command.']))).toThrow(FtpReplyError);
  });
});

describe('formatMlsdLine', () => {
  test('an entry with facts is written with them', () => {
    const entry = parseMlsdLine('Type=file;Size=6; a b');
    expect(formatMlsdLine(entry)).toBe('type=file;size=6; a b');
  });

  test('an entry without facts is written from its fields', () => {
    const entry: ListingEntry = {
      name: 'x y',
      type: 'file',
      size: 6,
      modifiedAt: new Date('2020-01-02T03:04:05.060Z'),
      permissions: 'rwsr-x--T',
      owner: 'joe',
      group: 'staff',
      raw: '',
    };
    const line = formatMlsdLine(entry);
    expect(line).toBe('type=file;size=6;modify=20200102030405.060;UNIX.mode=05750;UNIX.owner=joe;UNIX.group=staff; x y');
    expect(parseMlsdLine(line)).toMatchObject({ name: 'x y', type: 'file', size: 6, permissions: 'rwsr-x--T', owner: 'joe', group: 'staff' });
    expect(parseMlsdLine(line).modifiedAt).toEqual(entry.modifiedAt);
  });

  test('symlinks with and without a target; perm strings; unknown types', () => {
    expect(formatMlsdLine({ name: 'l', type: 'symlink', target: 'a/b', raw: '' })).toBe('type=OS.unix=slink:a/b; l');
    expect(formatMlsdLine({ name: 'l', type: 'symlink', raw: '' })).toBe('type=OS.unix=symlink; l');
    expect(formatMlsdLine({ name: 'd', type: 'directory', permissions: 'elcdf', raw: '' })).toBe('type=dir;perm=elcdf; d');
    expect(formatMlsdLine({ name: 'u', type: 'unknown', raw: '' })).toBe(' u');
  });

  test('what cannot survive the trip is a LocalProtocolError', () => {
    expect(() => formatMlsdLine({ name: '', type: 'file', raw: '' })).toThrow(LocalProtocolError);
    expect(() => formatMlsdLine({ name: 'a\r\nDELE b', type: 'file', raw: '' })).toThrow(LocalProtocolError);
    expect(() => formatMlsdLine({ name: 'a', type: 'file', owner: 'x;y', raw: '' })).toThrow(LocalProtocolError);
    expect(() => formatMlsdLine({ name: 'a', type: 'file', group: 'domain users', raw: '' })).toThrow(LocalProtocolError);
    expect(() => formatMlsdLine({ name: 'a', type: 'file', size: -1, raw: '' })).toThrow(LocalProtocolError);
    expect(() => formatMlsdLine({ name: 'a', type: 'file', size: 1.5, raw: '' })).toThrow(LocalProtocolError);
    expect(() => formatMlsdLine({ name: 'a', type: 'file', facts: new Map([['a=b', 'c']]), raw: '' })).toThrow(LocalProtocolError);
    expect(() => formatMlsdLine({ name: 'a', type: 'file', facts: new Map([['', 'c']]), raw: '' })).toThrow(LocalProtocolError);
  });

  test('property: parse(format(parse(line))) describes the same entry', () => {
    fc.assert(
      fc.property(arbMlsdLine(), ({ line }) => {
        const first = plainListingEntry(parseMlsdLine(line));
        const again = plainListingEntry(parseMlsdLine(formatMlsdLine(parseMlsdLine(line))));
        expect({ ...again, raw: '' }).toEqual({ ...first, raw: '' });
      }),
    );
  });

  test('property: an entry without facts makes the trip through its fields', () => {
    fc.assert(
      fc.property(arbMlsdLine(), ({ expected }) => {
        const { facts: _facts, ...fields } = expected;
        const entry = fields as ListingEntry;
        const back = plainListingEntry(parseMlsdLine(formatMlsdLine(entry)));
        const { facts: _backFacts, raw: _raw, ...backFields } = back;
        const { raw: _raw2, ...want } = fields;
        // Without UNIX.mode the perm text is the permission string; as a fact it comes back as is.
        expect(backFields).toEqual(want);
      }),
    );
  });
});

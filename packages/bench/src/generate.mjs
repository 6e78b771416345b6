// Deterministic generators for benchmark inputs: unix `ls -l` listings, MLSD listings and a stream
// of control-connection replies. Same seed, same bytes, on every machine.
import { seededRandom as rng } from '@ftpkit/testkit';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WORDS = ['report', 'backup', 'photo', 'invoice', 'data', 'notes', 'build', 'release', 'draft', 'log', 'index', 'archive'];
const EXTS = ['txt', 'csv', 'tar.gz', 'jpg', 'pdf', 'json', 'log', 'zip', 'iso', 'mp4'];
const USERS = [
  ['ftp', 'ftp'],
  ['www-data', 'www-data'],
  ['alice', 'staff'],
  ['1001', '1001'],
  ['root', 'root'],
];

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}

function fileName(r, i) {
  const word = pick(r, WORDS);
  const ext = pick(r, EXTS);
  const kind = r();
  if (kind < 0.15) return `${word} ${i} copy.${ext}`; // spaces in names
  if (kind < 0.2) return `${word}-r\u00e9sum\u00e9-${i}.${ext}`; // non-ASCII
  if (kind < 0.25) return `.${word}${i}`; // dotfile
  return `${word}_${i}.${ext}`;
}

function pad(n, width) {
  return String(n).padStart(width, ' ');
}

function two(n) {
  return String(n).padStart(2, '0');
}

/**
 * A unix `ls -l` listing with `lines` entries after a `total` line: about 75% files, 15%
 * directories, 10% symlinks; dates with a time (recent) or a year (older), as `ls` prints them.
 */
export function unixListing(lines, seed = 1) {
  const r = rng(seed);
  const out = [`total ${lines * 4}`];
  for (let i = 0; i < lines; i++) {
    const [user, group] = pick(r, USERS);
    const kind = r();
    const month = pick(r, MONTHS);
    const day = pad(1 + Math.floor(r() * 28), 2);
    const when = r() < 0.5 ? `${two(Math.floor(r() * 24))}:${two(Math.floor(r() * 60))}` : ` ${2005 + Math.floor(r() * 19)}`;
    let mode;
    let links = 1;
    let size;
    let name;
    if (kind < 0.15) {
      mode = 'drwxr-xr-x';
      links = 2 + Math.floor(r() * 20);
      size = 4096;
      name = `${pick(r, WORDS)}${r() < 0.2 ? ' folder' : ''}_${i}`;
    } else if (kind < 0.25) {
      mode = 'lrwxrwxrwx';
      name = `${pick(r, WORDS)}_link_${i}`;
      const target = r() < 0.5 ? `../shared/${fileName(r, i)}` : fileName(r, i);
      size = target.length;
      name = `${name} -> ${target}`;
    } else {
      mode = r() < 0.8 ? '-rw-r--r--' : '-rwxr-x---';
      size = Math.floor(r() ** 3 * 5e9);
      name = fileName(r, i);
    }
    out.push(`${mode} ${pad(links, 3)} ${user.padEnd(8)} ${group.padEnd(8)} ${pad(size, 10)} ${month} ${day} ${when} ${name}`);
  }
  return `${out.join('\r\n')}\r\n`;
}

/**
 * A listing as vsftpd sends it for a directory of `lines` empty files written in the same minute:
 * the fixed-width `ls -l` shape, the same on every line but the name.
 */
export function vsftpdListing(lines) {
  const out = [];
  for (let i = 0; i < lines; i++) out.push(`-rw-r--r--    1 1001     1001            0 Nov 25 16:58 entry-${i}.txt`);
  return `${out.join('\r\n')}\r\n`;
}

function mlsdTime(r) {
  const y = 2005 + Math.floor(r() * 19);
  const stamp = `${y}${two(1 + Math.floor(r() * 12))}${two(1 + Math.floor(r() * 28))}${two(Math.floor(r() * 24))}${two(Math.floor(r() * 60))}${two(Math.floor(r() * 60))}`;
  return r() < 0.3 ? `${stamp}.${String(Math.floor(r() * 1000)).padStart(3, '0')}` : stamp;
}

/**
 * An MLSD listing (RFC 3659 §7) with `lines` entries after the cdir and pdir lines, in the fact
 * styles of vsftpd, ProFTPD and Pure-FTPd (with and without UNIX.* facts).
 */
export function mlsdListing(lines, seed = 2) {
  const r = rng(seed);
  const out = [
    'type=cdir;modify=20240101120000;perm=flcdmpe;unique=801g1; .',
    'type=pdir;modify=20231201120000;perm=flcdmpe;unique=801g0; ..',
  ];
  for (let i = 0; i < lines; i++) {
    const kind = r();
    const modify = mlsdTime(r);
    const unique = `801g${(i + 2).toString(16)}`;
    const unix = r() < 0.5 ? `UNIX.mode=0${pick(r, ['644', '755', '600'])};UNIX.owner=${pick(r, USERS)[0]};UNIX.group=${pick(r, USERS)[1]};` : '';
    if (kind < 0.15) {
      out.push(`type=dir;modify=${modify};perm=flcdmpe;${unix}unique=${unique}; ${pick(r, WORDS)}${r() < 0.2 ? ' folder' : ''}_${i}`);
    } else if (kind < 0.2) {
      out.push(`type=OS.unix=symlink;modify=${modify};perm=adfrw;${unix}unique=${unique}; ${pick(r, WORDS)}_link_${i}`);
    } else {
      const size = Math.floor(r() ** 3 * 5e9);
      out.push(`type=file;size=${size};modify=${modify};perm=adfrw;${unix}unique=${unique}; ${fileName(r, i)}`);
    }
  }
  return `${out.join('\r\n')}\r\n`;
}

/**
 * A control-connection transcript of `sessions` short sessions (greeting, login, FEAT, PWD, PASV,
 * LIST/RETR, SIZE, MDTM, QUIT), as one string. Roughly 900 bytes per session.
 */
export function replyStream(sessions, seed = 3) {
  const r = rng(seed);
  const parts = [];
  for (let s = 0; s < sessions; s++) {
    const name = fileName(r, s);
    const size = Math.floor(r() * 1e8);
    parts.push(
      '220-Welcome to the ftpkit benchmark server\r\n220-Unauthorized access is prohibited.\r\n220 Ready.\r\n',
      '331 Please specify the password.\r\n',
      '230 Login successful.\r\n',
      '211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n MLST type*;size*;modify*;perm*;unique*;\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n',
      '200 Always in UTF8 mode.\r\n',
      `257 "/home/user/r\u00e9sum\u00e9s/${s}" is the current directory\r\n`,
      '200 Switching to Binary mode.\r\n',
      `227 Entering Passive Mode (127,0,0,1,${195 + (s % 50)},${s % 256}).\r\n`,
      `150 Opening BINARY mode data connection for ${name} (${size} bytes).\r\n`,
      '226 Transfer complete.\r\n',
      `213 ${size}\r\n`,
      `213 ${mlsdTime(r).slice(0, 14)}\r\n`,
      '229 Entering Extended Passive Mode (|||50123|)\r\n',
      '150 Here comes the directory listing.\r\n',
      '226 Directory send OK.\r\n',
      '250 Directory successfully changed.\r\n',
      '550 Failed to open file.\r\n',
      '221 Goodbye.\r\n',
    );
  }
  return parts.join('');
}

/** Replies in one session of {@link replyStream}. */
export const REPLIES_PER_SESSION = 18;

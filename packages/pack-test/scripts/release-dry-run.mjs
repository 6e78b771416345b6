// A release, rehearsed in a scratch copy of the repository: nothing here changes the checkout, and
// nothing reaches a registry.
//
//   node packages/pack-test/scripts/release-dry-run.mjs     (root: `pnpm release:dry-run`)
//   import { releaseDryRun } from '...'                      the report, for test/release.test.ts
//
// 1. Copy the files git knows (tracked, and untracked ones it does not ignore: uncommitted
//    changesets count) into a temp folder, commit them there on the base branch, and add each
//    published package's built dist/.
// 2. `changeset status --output`: the release plan. `changeset version`: versions and CHANGELOGs.
// 3. `pnpm install --offline` of the published packages (links the workspace, so `workspace:`
//    ranges can be resolved), then `pnpm -r publish --dry-run --json`, with no credentials (an empty
//    auth file) and the registry on a closed loopback port, and `--force` so that pnpm does not ask
//    the registry which versions it has. Where the machine allows it (root, `unshare -n`), it runs
//    with no network at all.
// 4. `pnpm pack` of each published package; each tarball must be byte for byte the one publish
//    reported (its sha1), so what is read from it is what would be published.
// 5. Check each packed manifest: the plan's version, a bump of the package's own version by its own
//    changesets (no package moved in step with another), every `workspace:` range rewritten to the
//    version the workspace package now has, its CHANGELOG (in the tarball) with a section for the
//    new version naming each of its changesets, and its LICENSE and metadata (published.mjs).
//    Private packages keep their versions and get no CHANGELOG.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { checkMetadata, placeholderAddresses, PUBLISHED, repo } from './published.mjs';

const execFileAsync = promisify(execFile);
/** Run a program; a hang is killed after 60 s. */
const run = (file, args, cwd, input) => {
  const child = execFileAsync(file, args, { cwd, timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } });
  if (input !== undefined) child.child.stdin.end(input);
  return child;
};
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
/** Port 9 (discard) on loopback: closed, so a request that should not happen fails at once. */
const NO_REGISTRY = 'http://127.0.0.1:9/';

/** `x.y.z` bumped by a changeset type. */
export function bump(version, type) {
  const [major, minor, patch] = version.split('.').map(Number);
  if (type === 'major') return `${major + 1}.0.0`;
  if (type === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** The range a packed manifest must hold for a `workspace:` range, given the target's version. */
export function rewrittenRange(range, version) {
  const rest = range.slice('workspace:'.length);
  if (rest === '*') return version;
  if (rest === '^' || rest === '~') return `${rest}${version}`;
  return rest; // workspace:^1.2.3 and the like: the range after the protocol
}

async function canIsolateNetwork() {
  try {
    await run('unshare', ['-n', 'true'], repo);
    return true;
  } catch {
    return false;
  }
}

/** One file out of a tarball, or undefined when it has none. */
async function fromTarball(tarball, path) {
  const { stdout: listing } = await run('tar', ['-tzf', tarball], repo);
  if (!listing.split('\n').includes(path)) return undefined;
  return (await run('tar', ['-xzOf', tarball, path], repo)).stdout;
}

/**
 * Rehearse a release. Returns `{ packages, privatePackages, leftOver, isolated, placeholders,
 * problems }`: problems is empty when the release would be right.
 * @param {{ keep?: boolean, prepare?: (tree: string) => void }} [options] keep: leave the scratch
 *   copy (its path is in the report); prepare: change the copy before anything runs (the test's
 *   fault injection)
 */
export async function releaseDryRun({ keep = false, prepare } = {}) {
  const problems = [];
  const scratch = mkdtempSync(join(tmpdir(), 'ftpkit-release-'));
  try {
    // 1. The copy.
    const { stdout: listed } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], repo);
    const files = [...new Set(listed.split('\0').filter((f) => f !== '' && existsSync(join(repo, f))))];
    await run('tar', ['--null', '-T', '-', '-cf', join(scratch, 'files.tar')], repo, files.join('\0'));
    const tree = join(scratch, 'repo');
    mkdirSync(tree);
    await run('tar', ['-xf', join(scratch, 'files.tar')], tree);
    prepare?.(tree);
    // `changeset status` compares with the base branch, so the copy is a repository of one commit on it.
    const git = ['-c', 'user.name=release dry run', '-c', 'user.email=release@ftpkit.example', '-c', 'commit.gpgsign=false'];
    await run('git', ['init', '-q', '-b', readJson(join(tree, '.changeset/config.json')).baseBranch], tree);
    await run('git', [...git, 'add', '-A'], tree);
    await run('git', [...git, 'commit', '-q', '--no-verify', '-m', 'the files to release'], tree);
    for (const folder of PUBLISHED) {
      const dist = join(repo, 'packages', folder, 'dist');
      if (!existsSync(dist)) throw new Error(`packages/${folder} is not built (run pnpm build first)`);
      cpSync(dist, join(tree, 'packages', folder, 'dist'), { recursive: true });
    }
    const folders = readdirSync(join(tree, 'packages')).filter((d) => existsSync(join(tree, 'packages', d, 'package.json')));
    const before = new Map(folders.map((d) => [d, readJson(join(tree, 'packages', d, 'package.json'))]));
    const changesetFiles = readdirSync(join(tree, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    const changesetText = new Map(changesetFiles.map((f) => [f.slice(0, -3), readFileSync(join(tree, '.changeset', f), 'utf8')]));

    // 2. The plan, then the versions.
    const changeset = join(repo, 'node_modules/.bin/changeset');
    await run(changeset, ['status', '--output', 'plan.json'], tree);
    const plan = readJson(join(tree, 'plan.json'));
    rmSync(join(tree, 'plan.json'));
    await run(changeset, ['version'], tree);
    const after = new Map(folders.map((d) => [d, readJson(join(tree, 'packages', d, 'package.json'))]));
    const versionOf = new Map([...after.values()].map((m) => [m.name, m.version]));
    const leftOver = readdirSync(join(tree, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();

    // 3. Publish, dry.
    const filters = PUBLISHED.flatMap((folder) => ['--filter', `./packages/${folder}`]);
    await run('pnpm', ['install', '--offline', '--frozen-lockfile', '--ignore-scripts', ...filters], tree);
    const noAuth = join(scratch, 'empty.npmrc');
    writeFileSync(noAuth, '');
    const publishArgs = ['-r', 'publish', '--dry-run', '--no-git-checks', '--force', '--json', '--npmrc-auth-file', noAuth, '--registry', NO_REGISTRY];
    const isolated = await canIsolateNetwork();
    const { stdout: published } = isolated ? await run('unshare', ['-n', 'pnpm', ...publishArgs], tree) : await run('pnpm', publishArgs, tree);
    const summary = new Map(JSON.parse(published).map((p) => [p.name, p]));

    // 4. and 5. Pack, and read what was packed.
    const packs = join(scratch, 'tarballs');
    const packages = [];
    for (const folder of PUBLISHED) {
      const source = after.get(folder);
      const { name } = source;
      const out = join(packs, folder);
      await run('pnpm', ['pack', '--pack-destination', out], join(tree, 'packages', folder));
      const tarball = join(out, readdirSync(out)[0]);
      const { stdout: sha1 } = await run('sha1sum', [tarball], repo);
      const say = (problem) => problems.push(`${name}: ${problem}`);
      const publishedAs = summary.get(name);
      if (!publishedAs) say('not in the publish dry run');
      else if (publishedAs.shasum !== sha1.split(' ')[0]) say(`the packed tarball (sha1 ${sha1.split(' ')[0]}) is not the one publish reported (${publishedAs.shasum})`);

      const manifest = JSON.parse(await fromTarball(tarball, 'package/package.json'));
      const release = plan.releases.find((r) => r.name === name);
      const oldVersion = before.get(folder).version;
      const expected = release ? release.newVersion : oldVersion;
      if (manifest.version !== expected) say(`packed version ${manifest.version}, the plan says ${expected}`);
      if (release && release.newVersion !== bump(oldVersion, release.type)) {
        say(`${oldVersion} became ${release.newVersion}, not its own ${release.type} bump ${bump(oldVersion, release.type)}: versioned with another package?`);
      }

      const ranges = [];
      for (const field of DEPENDENCY_FIELDS) {
        for (const [dep, range] of Object.entries(source[field] ?? {})) {
          const packed = manifest[field]?.[dep];
          if (typeof packed === 'string' && packed.startsWith('workspace:')) say(`${field}.${dep} is still ${packed}`);
          if (!range.startsWith('workspace:')) continue;
          const want = rewrittenRange(range, versionOf.get(dep));
          ranges.push({ field, dep, from: range, to: packed });
          if (packed !== want) say(`${field}.${dep}: ${range} packed as ${packed}, expected ${want}`);
        }
      }

      const changelog = await fromTarball(tarball, 'package/CHANGELOG.md');
      const own = release?.changesets ?? [];
      if (release && changelog === undefined) say('no CHANGELOG.md in the tarball');
      else if (release) {
        const section = changelog.split(/^## /m).find((s) => s.startsWith(`${release.newVersion}\n`));
        if (!section) say(`its CHANGELOG has no "## ${release.newVersion}" section`);
        else {
          for (const id of own) {
            const first = changesetText.get(id)?.split(/^---$/m)[2]?.trim().split('\n')[0]?.trim();
            if (first && !section.includes(first)) say(`its CHANGELOG ${release.newVersion} section lacks changeset ${id} ("${first}")`);
          }
        }
      }

      const license = await fromTarball(tarball, 'package/LICENSE');
      for (const problem of checkMetadata(manifest, license, folder)) say(problem);
      packages.push({ folder, name, oldVersion, version: manifest.version, type: release?.type ?? 'none', changesets: own.length, ranges, tarball: `${name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`, sha1: sha1.split(' ')[0] });
    }

    const privatePackages = [];
    for (const folder of folders.filter((d) => !PUBLISHED.includes(d))) {
      const { name, version, private: isPrivate } = after.get(folder);
      if (!isPrivate) problems.push(`${name}: not private and not in the published list`);
      if (version !== before.get(folder).version) problems.push(`${name}: private, but versioned ${before.get(folder).version} → ${version}`);
      if (existsSync(join(tree, 'packages', folder, 'CHANGELOG.md'))) problems.push(`${name}: private, but given a CHANGELOG.md`);
      if (summary.has(name)) problems.push(`${name}: private, but in the publish dry run`);
      privatePackages.push({ name, version });
    }
    const placeholders = placeholderAddresses(readJson(join(repo, 'package.json')));
    return { packages, privatePackages, leftOver, isolated, placeholders, problems, scratch: keep ? scratch : undefined };
  } finally {
    if (!keep) rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await releaseDryRun({ keep: process.argv.includes('--keep') });
  console.log('Release dry run (scratch copy; nothing published):');
  for (const p of report.packages) {
    console.log(`  ${p.name}: ${p.oldVersion} → ${p.version} (${p.type}, ${p.changesets} changesets), ${p.tarball}`);
    for (const r of p.ranges) console.log(`    ${r.field}.${r.dep}: ${r.from} → ${r.to}`);
  }
  console.log(`  private, not published: ${report.privatePackages.map((p) => p.name).join(', ')}`);
  if (report.leftOver.length > 0) console.log(`  changesets naming only private packages stay in .changeset: ${report.leftOver.length}`);
  console.log(`  publish ran ${report.isolated ? 'with no network at all (unshare -n)' : `against a closed loopback registry (${NO_REGISTRY})`}`);
  if (report.placeholders.length > 0) console.log(`  warning: placeholder addresses (${report.placeholders.join(', ')}): pnpm release refuses them`);
  if (report.scratch) console.log(`  scratch copy kept: ${report.scratch}`);
  for (const problem of report.problems) console.error(`problem: ${problem}`);
  process.exit(report.problems.length > 0 ? 1 : 0);
}

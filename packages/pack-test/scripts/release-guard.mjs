// Run before a real publish (`pnpm release`): every published package must carry its LICENSE and
// the root's license, repository, homepage and bugs (published.mjs), and none of those addresses
// may still be the `.example` placeholder. `--allow-placeholders` (the release dry run) reports the
// placeholders without failing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkMetadata, placeholderAddresses, PUBLISHED, repo } from './published.mjs';

const allowPlaceholders = process.argv.includes('--allow-placeholders');
let failed = false;
for (const folder of PUBLISHED) {
  const dir = join(repo, 'packages', folder);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const license = existsSync(join(dir, 'LICENSE')) ? readFileSync(join(dir, 'LICENSE'), 'utf8') : undefined;
  for (const problem of checkMetadata(manifest, license, folder)) {
    console.error(`${manifest.name}: ${problem}`);
    failed = true;
  }
}
// The packages repeat the root's addresses (checked above), so the root speaks for them all.
const placeholders = placeholderAddresses(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')));
if (placeholders.length > 0) {
  const say = `placeholder addresses ${placeholders.join(', ')}: put the repository's real address in the root package.json and in each published package before publishing`;
  if (allowPlaceholders) console.warn(`warning: ${say}`);
  else {
    console.error(say);
    failed = true;
  }
}
if (failed) process.exit(1);

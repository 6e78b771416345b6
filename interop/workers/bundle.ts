// Bundles a worker as wrangler does for a user: one ES module, packages resolved through their
// export conditions with `workerd` first, `cloudflare:` modules left to the runtime. Any `node:`
// import the bundle would need is reported, not bundled: the client's Workers path must need none.
import { rolldown } from 'rolldown';

export interface WorkerBundle {
  /** The worker as one ES module. */
  readonly source: string;
  /** `node:` modules something in the bundle imports (left out of it); empty when the bundle loads without nodejs_compat. */
  readonly nodeImports: readonly string[];
}

export async function bundleWorker(entry: string): Promise<WorkerBundle> {
  const nodeImports = new Set<string>();
  const build = await rolldown({
    input: entry,
    platform: 'neutral',
    // wrangler's conditions: https://developers.cloudflare.com/workers/wrangler/bundling/
    resolve: { conditionNames: ['workerd', 'worker', 'browser', 'import', 'default'] },
    external: (id) => {
      if (id.startsWith('node:')) nodeImports.add(id);
      return id.startsWith('node:') || id.startsWith('cloudflare:');
    },
    logLevel: 'warn',
  });
  try {
    const { output } = await build.generate({ format: 'esm' });
    return { source: output[0].code, nodeImports: [...nodeImports].sort() };
  } finally {
    await build.close();
  }
}

/**
 * Helpers shared by the listing tests (not a test file itself).
 */
import type { RemoteCalls } from '../src/index.js';

/** The names `listEntries(path)` yields, and what it throws at the end (`undefined`: nothing). */
export async function streamed(remote: RemoteCalls, path?: string): Promise<{ names: string[]; error: unknown }> {
  const names: string[] = [];
  try {
    for await (const entry of remote.listEntries(path)) names.push(entry.name);
    return { names, error: undefined };
  } catch (error) {
    return { names, error };
  }
}

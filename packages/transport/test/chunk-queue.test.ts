// The read-ahead bound of the node:net adapter's queue: where it pauses and resumes its socket, by
// default and with a bound set for a reader that is slow on purpose (Connection.setReadAhead).
import { describe, expect, test } from 'vitest';
import { ChunkQueue, HIGH_WATER, LOW_WATER } from '../src/internal/chunk-queue.js';

/** A queue whose pauses and resumes are recorded. */
function queue(): { queue: ChunkQueue; flow: string[] } {
  const flow: string[] = [];
  return { queue: new ChunkQueue({ pause: () => flow.push('pause'), resume: () => flow.push('resume') }), flow };
}

const KiB = 1024;

describe('ChunkQueue read-ahead', () => {
  test('by default the socket pauses above 4 MiB unread and resumes at 1 MiB', async () => {
    const { queue: q, flow } = queue();
    for (let i = 0; i < HIGH_WATER / (64 * KiB); i++) q.push(new Uint8Array(64 * KiB));
    expect(flow).toEqual([]);
    q.push(new Uint8Array(1));
    expect(flow).toEqual(['pause']);
    while (q.size > LOW_WATER + 64 * KiB) await q.read();
    expect(flow).toEqual(['pause']);
    await q.read();
    expect(flow).toEqual(['pause', 'resume']);
  });

  test('a bound of 64 KiB pauses above it and resumes at a quarter of it', async () => {
    const { queue: q, flow } = queue();
    q.setHighWater(64 * KiB);
    q.push(new Uint8Array(64 * KiB));
    expect(flow).toEqual([]);
    q.push(new Uint8Array(16 * KiB));
    expect(flow).toEqual(['pause']);
    await q.read(); // 16 KiB left: a quarter
    expect(flow).toEqual(['pause', 'resume']);
  });

  test('lowering the bound below what is queued pauses at once; restoring it resumes', () => {
    const { queue: q, flow } = queue();
    q.push(new Uint8Array(512 * KiB));
    q.setHighWater(64 * KiB);
    expect(flow).toEqual(['pause']);
    q.setHighWater(undefined);
    expect(flow).toEqual(['pause', 'resume']);
  });
});

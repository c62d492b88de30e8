// A panic in native code must reject the caller's promise, never hang it (napi-rs issue 2047).
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const binding = createRequire(__filename)(join(__dirname, '..', '..', 'native', 'binding.js')) as {
  __panicForTest(message: string): Promise<number>;
  __panicSyncForTest(message: string): number;
};

describe('native panics', () => {
  it('reject the promise instead of hanging it', async () => {
    const outcome = await Promise.race([
      binding.__panicForTest('deliberate test panic').then(
        () => 'resolved',
        (err: Error) => `rejected: ${err.message}`,
      ),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 5_000)),
    ]);
    expect(outcome).toMatch(/^rejected/);
  });

  it('leave the addon usable afterwards', async () => {
    await binding.__panicForTest('first').catch(() => undefined);
    await expect(binding.__panicForTest('second')).rejects.toThrow();
  });

  it('in a synchronous call throw an internal error instead of aborting the process', () => {
    expect(() => binding.__panicSyncForTest('deliberate sync panic')).toThrow(/WedPool internal error.*deliberate sync panic/);
    expect(() => binding.__panicSyncForTest('again')).toThrow(/again/);
  });
});

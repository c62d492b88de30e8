// A panic in native code must reject the caller's promise, never hang it (napi-rs issue 2047).
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const binding = createRequire(__filename)(join(__dirname, '..', '..', 'native', 'binding.js')) as {
  __panicForTest(message: string): Promise<number>;
  __panicSyncForTest(message: string): number | { wedpoolError: true; code: string; message: string };
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

  it('in a synchronous call answer an INTERNAL_ERROR instead of aborting the process', () => {
    expect(binding.__panicSyncForTest('deliberate sync panic')).toMatchObject({
      wedpoolError: true,
      code: 'INTERNAL_ERROR',
      message: expect.stringMatching(/^WedPool internal error in __panicSyncForTest .*deliberate sync panic/),
    });
    expect(binding.__panicSyncForTest('again')).toMatchObject({ message: expect.stringMatching(/again/) });
  });

  it('never put a password from the panic message into the error', () => {
    for (const text of ['connect postgres://app:S3CRET-CANARY@db/app failed', 'host=db password=S3CRET-CANARY user=app']) {
      const answer = binding.__panicSyncForTest(text) as { message: string };
      expect(answer.message).toMatch(/WedPool internal error/);
      expect(answer.message).not.toContain('S3CRET-CANARY');
    }
  });
});

// Counts `unhandledRejection` and `uncaughtException` events while a test runs, so every fault
// scenario can assert that nothing escaped to the process (node-postgres 1324 / 2439).
//
//   const guards = useProcessGuards();      // at the top of a spec file: checks after every test
//   await guards.expectClean();              // or check explicitly inside a test
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

export interface ProcessFault {
  type: 'unhandledRejection' | 'uncaughtException';
  error: unknown;
}

export interface ProcessGuards {
  /** Events seen since the current test started. */
  readonly events: readonly ProcessFault[];
  /** Lets pending rejections surface (a few event-loop turns), then asserts none happened. */
  expectClean(): Promise<void>;
}

function describeFault(f: ProcessFault): string {
  const e = f.error as { name?: string; code?: string; message?: string; stack?: string } | undefined;
  if (e && typeof e === 'object') return `${f.type}: ${e.name ?? 'object'} ${e.code ?? ''} ${e.message ?? JSON.stringify(e)}\n${e.stack ?? ''}`;
  return `${f.type}: ${String(f.error)}`;
}

/** Node reports an unhandled rejection after the microtask queue drains; give it a few turns. */
export async function settleTurns(): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Installs the listeners for this spec file and checks after every test. */
export function useProcessGuards(): ProcessGuards {
  const events: ProcessFault[] = [];
  const onRejection = (error: unknown) => events.push({ type: 'unhandledRejection', error });
  const onException = (error: unknown) => events.push({ type: 'uncaughtException', error });

  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });
  beforeEach(() => {
    events.length = 0;
  });

  const guards: ProcessGuards = {
    get events() {
      return events;
    },
    async expectClean() {
      await settleTurns();
      expect(events.map(describeFault), 'unhandled rejections / uncaught exceptions during the test').toEqual([]);
    },
  };
  afterEach(async () => {
    await guards.expectClean();
  });
  return guards;
}

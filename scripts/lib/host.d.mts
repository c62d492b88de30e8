/** Whether this process runs as root. */
export const isRoot: boolean;
/** `[command, argv]` that runs `bin args…` as the `postgres` user when root, else directly. */
export function asPostgresUser(bin: string, args: readonly string[]): [string, string[]];
/** A free TCP port on 127.0.0.1 (bound, then released: nothing listens on it). */
export function freePort(): Promise<number>;

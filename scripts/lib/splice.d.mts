import type { Socket } from 'node:net';

/** Pipes `client` and `upstream` into each other and destroys both when either errors or closes. */
export function splice(client: Socket, upstream: Socket): void;

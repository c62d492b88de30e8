// Starts a throwaway PostgreSQL server when DATABASE_URL is not set (npm test sets it).
import { startThrowawayPostgres } from '../../scripts/lib/postgres.mjs';

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) return async () => {};
  const server = await startThrowawayPostgres();
  process.env.DATABASE_URL = server.url;
  return async () => {
    await server.stop();
  };
}

/**
 * The API key check. It runs on the route the router matched (never on the raw URL,
 * which may spell `/v1` as `/%761`, `//v1` or `/x/../v1`): every route, and every
 * path that matches none, needs the key except the routes named in `openRoutes`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

/** Route patterns (as registered) that answer without the key. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/health']);

export function requireApiKey(app: FastifyInstance, apiKey: string, openRoutes = OPEN_ROUTES): void {
  const expected = Buffer.from(`Bearer ${apiKey}`);
  app.addHook('onRequest', async (req) => {
    // routeOptions.url is the matched route's pattern; undefined when nothing matched (404).
    const route = req.routeOptions.url;
    if (route !== undefined && openRoutes.has(route)) return;
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected))
      throw new ApiError(
        401,
        'missing or wrong API key (Authorization: Bearer <key>)',
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
  });
}

/**
 * ServeOptions checked in one place, so `kiln serve` can refuse a bad flag before it
 * spends seconds loading a model, and createServer refuses the same values.
 */
import type { ServeOptions } from './server.js';

/** How a field is named in messages: 'serve option \'port\'' by default, '--port' from the CLI. */
export type OptionLabel = (field: keyof ServeOptions) => string;

const defaultLabel: OptionLabel = (field) => `serve option '${field}'`;

export function checkServeOptions(options: ServeOptions, label: OptionLabel = defaultLabel): void {
  const fail = (field: keyof ServeOptions, rule: string) => {
    throw new RangeError(`${label(field)} ${rule}, got ${JSON.stringify(options[field])}`);
  };
  const integer = (field: keyof ServeOptions, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = options[field];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max))
      fail(
        field,
        max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`,
      );
  };
  const { host, apiKey, timeoutMs, bodyLimit } = options;
  if (host !== undefined && !(typeof host === 'string' && host.trim() !== ''))
    fail('host', 'must name an interface (127.0.0.1, ::1, 0.0.0.0)');
  integer('port', 0, 65535);
  integer('concurrency', 1);
  integer('maxQueue', 0);
  integer('defaultMaxTokens', 0);
  integer('maxTokensLimit', 1);
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0))
    fail('timeoutMs', 'must be a positive number of milliseconds');
  if (bodyLimit !== undefined && !(Number.isInteger(bodyLimit) && bodyLimit > 0))
    fail('bodyLimit', 'must be a positive number of bytes');
  if (apiKey !== undefined) {
    if (typeof apiKey !== 'string' || apiKey === '')
      throw new RangeError(`${label('apiKey')} is empty: give a key, or none to serve without one`);
    // A header value loses surrounding spaces on the way in, so such a key could never match.
    if (!/^[\x21-\x7e]+$/.test(apiKey))
      throw new RangeError(`${label('apiKey')} must be printable ASCII without spaces`);
  }
}

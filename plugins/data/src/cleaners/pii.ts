import { CLEAN_STAGE, type CleanerHook } from '@kiln/core';

export interface PiiOptions {
  /** What to mask (default all three). */
  kinds?: Array<'email' | 'phone' | 'ip'>;
  /** Replacement per kind (default '<EMAIL>', '<PHONE>', '<IP>'). */
  replacements?: Partial<Record<'email' | 'phone' | 'ip', string>>;
}

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]*\d)/g;
// Full or '::'-compressed IPv6 with at least three groups; times such as 12:30:45 have too few colons.
const IPV6 =
  /(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?(?![\w:])/g;
// Candidate phone numbers: optional +country code, optional (area), digit groups with separators.
// A match must also hold 10..15 digits (or 7+ after a '+'), so years, ranges and counts stay.
const PHONE = /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}(?![\w])/g;

export function maskPii(text: string, options: PiiOptions = {}, counts?: Record<string, number>): string {
  const kinds = new Set(options.kinds ?? ['email', 'phone', 'ip']);
  const rep = { email: '<EMAIL>', phone: '<PHONE>', ip: '<IP>', ...options.replacements };
  const bump = (k: string) => counts && (counts[k] = (counts[k] ?? 0) + 1);
  let out = text;
  // Cheap pre-checks: most documents hold no '@', no ':' and no digit runs, and the regexes are the cost.
  if (kinds.has('email') && out.includes('@')) out = out.replace(EMAIL, () => (bump('email'), rep.email));
  const digits = /\d\d/.test(out);
  if (kinds.has('ip') && (digits || out.includes('::'))) {
    out = out.replace(IPV4, () => (bump('ip'), rep.ip));
    out = out.replace(IPV6, (m) => (m.includes('::') || m.split(':').length >= 4 ? (bump('ip'), rep.ip) : m));
  }
  if (kinds.has('phone') && digits) {
    out = out.replace(PHONE, (m) => {
      const digits = m.replace(/\D/g, '').length;
      const ok = (digits >= 10 && digits <= 15) || (m.startsWith('+') && digits >= 7 && digits <= 15);
      // A bare run of digits is a phone only at mobile length (e.g. 13800138000); longer runs are ids or numbers.
      if (!ok || (/^\d+$/.test(m) && digits !== 11)) return m;
      bump('phone');
      return rep.phone;
    });
  }
  return out;
}

/** Masks e-mail addresses, phone numbers and IP addresses in kept documents. Never drops. */
export function piiCleaner(options: PiiOptions = {}): CleanerHook {
  const counts: Record<string, number> = {};
  return {
    rule: 'pii',
    stage: CLEAN_STAGE.REDACT,
    parallel: 'document',
    clean(doc) {
      const text = maskPii(doc.text, options, counts);
      return text === doc.text ? doc : { ...doc, text };
    },
    finish: () => ({ masked: counts }),
  };
}

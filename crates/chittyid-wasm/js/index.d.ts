// The package's API (api.js). Records are those of `chittyid check --json` and
// `chittyid parse --json`.

/** Why an input is not an ID: the fields of the CLI's `error` object. */
export interface CheckError {
  /** The kind code: `checksum_mismatch`, `year_month`, `line_too_long`, … */
  code: string;
  /** The segment's name (`yearMonth`, `checksum`, …), or null. */
  segment: string | null;
  /** Byte offset (UTF-8) of the offending input. */
  offset: number;
  message: string;
  expected: string;
}

export interface Fallback {
  /** The error code in the sequence segment, e.g. `0001`. */
  code: string;
  /** Its name, e.g. `MINT_UNAVAILABLE`, or null for an unnamed code. */
  name: string | null;
}

export interface CheckResult {
  /** True for canonical IDs only (a fallback ID is pending, not valid). */
  valid: boolean;
  /** `canonical`, `fallback`, or an error code. */
  kind: string;
  error?: CheckError;
  fallback?: Fallback;
}

export interface Components {
  version: string;
  region: string;
  regionName: string;
  jurisdiction: string;
  sequential: string;
  entityType: string;
  entityName: string;
  yearMonth: string;
  year: number;
  month: number | null;
  trustLevel: number;
  trustName: string;
  checksum: string;
}

export interface Parsed {
  id: string;
  valid: boolean;
  kind: string;
  components: Components;
  fallback?: Fallback & { pending: true };
}

export interface InvalidLine extends CheckResult {
  /** Line number, from 1. */
  line: number;
  /** The line (its first 64 bytes when it is over 64 KiB). */
  text: string;
}

export interface Summary {
  total: number;
  valid: number;
  invalid: number;
  /** Count of lines by kind code. */
  kinds: Record<string, number>;
  invalidLines: InvalidLine[];
}

/** Thrown by `parse` and `checksum`; also carries `expected` for IDs. */
export class ChittyIdError extends Error {
  code: string;
  segment: string | null;
  offset: number;
  expected?: string;
}

/** The verdict on one ID. Throws a TypeError for a non-string. */
export function check(id: string): CheckResult;
/** The components of an ID; throws ChittyIdError when it does not parse. */
export function parse(id: string): Parsed;
/** Counts by kind and the invalid lines of newline-separated IDs. */
export function checkMany(text: string): Summary;
/** The check value (0-96) of a body, the 16 characters before `XX`. */
export function checksum(body: string): number;

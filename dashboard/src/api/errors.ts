// Turns a failed call into what the UI shows: the server's message, its code, and the
// google.rpc.BadRequest field violations (grpc-status-details-bin) keyed by field path.
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "@gen/google/rpc/error_details_pb";

export interface ShownError {
  code: string;
  message: string;
  reason: string;
  /** field path (proto names, e.g. "site.display_name") → messages */
  fields: Record<string, string[]>;
}

export function describe(err: unknown): ShownError {
  const e = ConnectError.from(err);
  const fields: Record<string, string[]> = {};
  for (const br of e.findDetails(BadRequestSchema)) {
    for (const v of br.fieldViolations) (fields[v.field] ??= []).push(v.description);
  }
  const reason = e.findDetails(ErrorInfoSchema)[0]?.reason ?? "";
  return { code: Code[e.code] ?? String(e.code), message: e.rawMessage || e.message, reason, fields };
}

/** Violations for a form field: exact path, or the last path segment (servers differ on the prefix). */
export function fieldError(err: ShownError | null, path: string): string | undefined {
  if (!err) return undefined;
  const hit =
    err.fields[path] ??
    Object.entries(err.fields).find(([k]) => k.endsWith("." + path) || path.endsWith("." + k))?.[1];
  return hit?.join(" ");
}

/** Messages of violations no form field claimed, so none is silently dropped. */
export function unclaimed(err: ShownError | null, claimed: string[]): string[] {
  if (!err) return [];
  return Object.entries(err.fields)
    .filter(([k]) => !claimed.some((p) => fieldError({ ...err, fields: { [k]: [""] } }, p) !== undefined))
    .map(([k, v]) => `${k}: ${v.join(" ")}`);
}

/**
 * Folds violations of list entries ("scheduled_report.recipients[1]") into the list's own field, naming
 * the entry the user typed, for forms that edit a repeated field in one input (e.g. comma-separated).
 */
export function foldEntries(err: ShownError | null, path: string, values: string[]): ShownError | null {
  if (!err) return err;
  const fields: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(err.fields)) {
    const m = /^(.*)\[(\d+)\]$/.exec(key);
    const list = m?.[1];
    const ours = list !== undefined && (list === path || path.endsWith("." + list) || list.endsWith("." + path));
    if (!ours) {
      (fields[key] ??= []).push(...messages);
      continue;
    }
    const entry = values[Number(m![2])];
    (fields[path] ??= []).push(...messages.map((t) => (entry === undefined ? t : `“${entry}” ${t}`)));
  }
  return { ...err, fields };
}

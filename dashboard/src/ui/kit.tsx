// Shared building blocks: async state (loading / empty / error), labelled fields that show the
// server's field violations, enum selects from the generated descriptors, buttons and copy.
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { DescEnum } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { describe, fieldError, type ShownError } from "../api/errors";

export interface Call<T> {
  loading: boolean;
  error: ShownError | null;
  data: T | undefined;
  reload: () => void;
}

/** Runs `fn` when deps change; keeps the last data while reloading. */
export function useCall<T>(fn: () => Promise<T>, deps: unknown[]): Call<T> {
  const [state, setState] = useState<{ loading: boolean; error: ShownError | null; data?: T }>({
    loading: true,
    error: null,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    fn().then(
      (data) => live && setState({ loading: false, error: null, data }),
      (err: unknown) => live && setState({ loading: false, error: describe(err) }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { loading: state.loading, error: state.error, data: state.data, reload };
}

/** A mutation: `run` returns the result or undefined, and keeps the error for the form. */
export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const run = async (...args: A): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (err) {
      setError(describe(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

export function ErrorBox({ error, title }: { error: ShownError | null; title?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert" data-testid="error">
      <strong>{title ?? "Something went wrong"}</strong> <code>{error.code}</code>
      <p>{error.message}</p>
    </div>
  );
}

/** Loading, error and empty states around a call's data. */
export function Async<T>(props: {
  call: Call<T>;
  empty?: (data: T) => boolean;
  emptyText?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { call } = props;
  if (call.error) return <ErrorBox error={call.error} title="Could not load" />;
  if (call.data === undefined)
    return (
      <p className="muted" role="status" aria-live="polite">
        Loading…
      </p>
    );
  if (props.empty?.(call.data))
    return (
      <p className="empty" data-testid="empty">
        {props.emptyText ?? "Nothing here yet."}
      </p>
    );
  return <>{props.children(call.data)}</>;
}

interface FieldProps {
  label: string;
  /** Proto field path the server uses in its violations, e.g. "site.display_name". */
  path: string;
  error: ShownError | null;
  hint?: string;
  children: (a: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ReactNode;
}

/** A label, the control, a hint and the server's violation for `path` right under it. */
export function Field({ label, path, error, hint, children }: FieldProps) {
  const id = useId();
  const message = fieldError(error, path);
  const described = [hint ? `${id}-hint` : "", message ? `${id}-err` : ""].filter(Boolean).join(" ");
  return (
    <div className={"field" + (message ? " invalid" : "")} data-field={path}>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": !!message, "aria-describedby": described || undefined })}
      {hint && (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      )}
      {message && (
        <small id={`${id}-err`} className="field-error" role="alert" data-testid="field-error">
          {message}
        </small>
      )}
    </div>
  );
}

export function TextField(props: {
  label: string;
  path: string;
  error: ShownError | null;
  value: string;
  onChange: (v: string) => void;
  type?: string;
  hint?: string;
  required?: boolean;
  autoComplete?: string;
  multiline?: boolean;
  placeholder?: string;
}) {
  const { value, onChange, type, required, autoComplete, multiline, placeholder } = props;
  return (
    <Field label={props.label} path={props.path} error={props.error} hint={props.hint}>
      {(a) =>
        multiline ? (
          <textarea {...a} name={props.path} value={value} rows={3} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input
            {...a}
            name={props.path}
            type={type ?? "text"}
            value={value}
            required={required}
            autoComplete={autoComplete}
            placeholder={placeholder}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** "CAMPAIGN_TYPE_RECENT_ACTIVITY" → "Recent activity" (the prefix is the enum's name in UPPER_SNAKE). */
export function enumLabel(schema: DescEnum, value: number): string {
  const v = schema.values.find((x) => x.number === value);
  if (!v) return String(value);
  const prefix = schema.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase() + "_";
  const words = v.name.replace(prefix, "").toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function enumOptions(schema: DescEnum): { value: number; label: string }[] {
  return schema.values.filter((v) => v.number !== 0).map((v) => ({ value: v.number, label: enumLabel(schema, v.number) }));
}

export function EnumField(props: {
  label: string;
  path: string;
  error: ShownError | null;
  schema: DescEnum;
  value: number;
  onChange: (v: number) => void;
  only?: number[];
}) {
  const options = enumOptions(props.schema).filter((o) => !props.only || props.only.includes(o.value));
  return (
    <Field label={props.label} path={props.path} error={props.error}>
      {(a) => (
        <select {...a} name={props.path} value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
          {props.value === 0 && <option value={0}>Choose…</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function CheckField(props: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className="check">
      <input id={id} type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} />
      <label htmlFor={id}>{props.label}</label>
    </div>
  );
}

export function Button(props: {
  children: ReactNode;
  onClick?: () => void;
  busy?: boolean;
  kind?: "primary" | "secondary" | "danger";
  type?: "button" | "submit";
  testId?: string;
}) {
  return (
    <button
      type={props.type ?? "button"}
      className={props.kind ?? "secondary"}
      onClick={props.onClick}
      disabled={props.busy}
      aria-busy={props.busy || undefined}
      data-testid={props.testId}
    >
      {props.children}
    </button>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API needs a secure context or permission: fall back to a selection copy.
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setDone(true);
    window.setTimeout(() => setDone(false), 2000);
  };
  return (
    <button type="button" className="secondary" onClick={() => void copy()} aria-label={label}>
      {done ? "Copied" : "Copy"}
      <span className="sr-only" aria-live="polite">
        {done ? "Copied to clipboard" : ""}
      </span>
    </button>
  );
}

/** Moves focus to the screen's heading when a screen opens, so keyboard and screen-reader users land there. */
export function Heading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

export function when(ts: Timestamp | undefined): string {
  return ts ? timestampDate(ts).toLocaleString() : "—";
}

export function money(m: { amountMinor: bigint; currencyCode: string } | undefined): string {
  if (!m) return "—";
  const fmt = new Intl.NumberFormat(undefined, { style: "currency", currency: m.currencyCode || "USD" });
  // Minor units depend on the currency (cents for USD, none for JPY).
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(Number(m.amountMinor) / 10 ** digits);
}

/** Idempotency key for creates; randomUUID needs a secure context, so fall back to getRandomValues. */
export function newRequestId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Form capture: which of the site's rules a submitted form matches, and which of its fields may leave
// the page (integrations/v1/forms.proto: GetWidgetFormConfig, SubmitForm).

/** WidgetFormRule as the edge's transcoder prints it. */
export interface FormRule {
  rule_id: string;
  form_selector: string;
  url_patterns: string[];
  allowed_fields: string[];
}

/** The parts of a form control that decide whether and what it sends. */
export interface Control {
  name: string;
  type: string;
  value: string;
  checked?: boolean;
  disabled?: boolean;
  autocomplete?: string;
}

/** A URL glob as a regular expression source: `*` is any run of characters, everything else literal.
 * (The server uses Python's fnmatchcase, where `?` and `[...]` are wildcards too; in URLs they are
 * nearly always meant literally, and the server still checks the page against the rule.) */
export const globRx = (p: string): string => p.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");

/** The first rule whose page patterns (whole URL; none = every page) and form selector (empty = every
 * form) match. The edge prints empty repeated fields as []. */
export const ruleFor = (rules: FormRule[], form: Element, url: string): FormRule | undefined =>
  rules.find((r) => {
    // a selector this browser cannot parse throws: that submit is not captured, the page is unaffected
    return (!r.url_patterns.length || r.url_patterns.some((p) => RegExp("^" + globRx(p) + "$").test(url))) && (!r.form_selector || form.matches(r.form_selector));
  });

/**
 * The allow-listed fields of a submitted form, by name. Never sent even when allow-listed: passwords,
 * files, card data (autocomplete `cc-*`, or a card-like name such as card_number, cvc, iban), disabled controls,
 * unchecked boxes. Values are cut to the 256 characters SubmitForm accepts (a rule allows at most 20 fields).
 */
export function fields(controls: ArrayLike<Control>, allowed: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of Array.from(controls)) {
    const { name, type, value } = c;
    if (
      allowed.includes(name) &&
      !c.disabled &&
      !/password|file|card|cvc|cvv|iban|\bcc-/i.test(type + " " + name + " " + c.autocomplete) &&
      (c.checked || !/checkbox|radio/.test(type))
    ) {
      out[name] = value.slice(0, 256);
    }
  }
  return out;
}

/** SubmitForm's submission_id. crypto.randomUUID exists only in secure contexts: on plain-http pages
 * the widget does not capture forms at all (see main.ts). */
export const uuid = (): string => crypto.randomUUID();

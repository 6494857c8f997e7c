// Form capture: only allow-listed fields leave the page, never passwords or card data; rule matching
// follows the server's URL globs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./ts.mjs";

const { fields, ruleFor, globRx, uuid } = await loadTs("forms.ts");

const input = (name, value, more = {}) => ({ name, value, type: "text", autocomplete: "", ...more });

test("only allow-listed fields are picked", () => {
  const form = [
    input("first_name", "Jana"),
    input("email", "jana@example.com", { type: "email" }),
    input("phone", "+420 123"),
    input("utm_hidden", "x", { type: "hidden" }),
    input("plan", "pro", { type: "hidden" }),
  ];
  assert.deepEqual(fields(form, ["first_name", "email", "plan"]), { first_name: "Jana", email: "jana@example.com", plan: "pro" });
  assert.deepEqual(fields(form, []), {});
});

test("passwords, files and card data are never sent, even when allow-listed", () => {
  const form = [
    input("password", "hunter2", { type: "password" }),
    input("pin", "1234", { type: "password" }),
    input("cv", "C:\\fakepath\\cv.pdf", { type: "file" }),
    input("card_number", "4242424242424242"),
    input("CVC", "123"),
    input("iban", "DE89370400440532013000"),
    input("number", "4242424242424242", { autocomplete: "cc-number" }),
    input("exp", "12/30", { autocomplete: "section-pay cc-exp" }),
    input("first_name", "Jana"),
  ];
  const all = form.map((c) => c.name);
  assert.deepEqual(fields(form, all), { first_name: "Jana" });
});

test("checkboxes and radios only when checked; disabled controls skipped; values cut to 256", () => {
  const form = [
    input("newsletter", "yes", { type: "checkbox", checked: false }),
    input("terms", "on", { type: "checkbox", checked: true }),
    input("size", "S", { type: "radio", checked: false }),
    input("size", "M", { type: "radio", checked: true }),
    input("city", "Brno", { disabled: true }),
    { name: "note", type: "textarea", value: "x".repeat(300) },
    { name: "country", type: "select-one", value: "CZ" },
  ];
  const got = fields(form, ["newsletter", "terms", "size", "city", "note", "country"]);
  assert.deepEqual(Object.keys(got).sort(), ["country", "note", "size", "terms"]);
  assert.equal(got.size, "M");
  assert.equal(got.note.length, 256);
});

test("rules: URL globs match the whole URL, selectors the form, first match wins", () => {
  const form = (sel) => ({ matches: (s) => s === sel });
  const rules = [
    { rule_id: "signup", form_selector: "form#signup", url_patterns: ["https://shop.example/signup*"], allowed_fields: [] },
    { rule_id: "any-news", form_selector: "form.news", url_patterns: [], allowed_fields: [] },
    { rule_id: "fallback", form_selector: "", url_patterns: ["*/contact"], allowed_fields: [] },
  ];
  assert.equal(ruleFor(rules, form("form#signup"), "https://shop.example/signup?step=1")?.rule_id, "signup");
  assert.equal(ruleFor(rules, form("form#signup"), "https://evil.example/?https://shop.example/signup"), undefined);
  assert.equal(ruleFor(rules, form("form.news"), "https://shop.example/blog")?.rule_id, "any-news");
  assert.equal(ruleFor(rules, form("form#other"), "https://shop.example/contact")?.rule_id, "fallback");
  assert.equal(ruleFor(rules, form("form#other"), "https://shop.example/contact-us"), undefined);
  assert.equal(RegExp(globRx("a.b*c")).test("axb-c"), false, "dots are literal");
});

test("submission ids are UUIDs", () => {
  const a = uuid();
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.notEqual(a, uuid());
});

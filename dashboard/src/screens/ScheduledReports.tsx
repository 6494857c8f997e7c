// Scheduled reports of the organization (analytics ReportService): the list with the last send, and a
// form to create or change one (daily/weekly, hour and time zone, recipients, format, sections, sites);
// send now, pause/resume, delete. The server validates; its violations appear beside their fields.
import { useState } from "react";
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import {
  ReportFormat,
  ReportFormatSchema,
  ReportFrequency,
  ReportFrequencySchema,
  ReportSection,
  ReportSectionSchema,
  ReportSendStatus,
  ReportSendStatusSchema,
  ReportService,
  ReportWeekday,
  ReportWeekdaySchema,
  type ScheduledReport,
} from "@gen/socialproof/analytics/v1/reports_pb";
import { SiteService } from "@gen/socialproof/notifications/v1/sites_pb";
import { foldEntries, unclaimed } from "../api/errors";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { Async, Button, CheckField, EnumField, ErrorBox, Field, TextField, enumLabel, enumOptions, newRequestId, useAction, useCall, when } from "../ui/kit";

const reports = () => client(ReportService);
// Everything the form edits, sent as the update_mask of a change.
const EDITABLE = ["display_name", "sites", "frequency", "day_of_week", "send_hour", "time_zone", "recipients", "format", "sections", "enabled"];
const FIELD_PATHS = EDITABLE.map((f) => `scheduled_report.${f}`);
const hour = (h: number) => `${String(h).padStart(2, "0")}:00`;
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const addresses = (text: string) => text.split(/[\s,;]+/).filter(Boolean);
// Acronyms: the generic enum label would say "Pdf".
const FORMATS: [ReportFormat, string][] = [[ReportFormat.PDF, "PDF"], [ReportFormat.HTML, "HTML"]];
const formatLabel = (f: ReportFormat) => FORMATS.find(([v]) => v === (f || ReportFormat.PDF))?.[1] ?? enumLabel(ReportFormatSchema, f);

export function ScheduledReports() {
  const { can } = useOrg();
  return (
    <>
      <h2>Scheduled reports</h2>
      {can("reports.list") ? <ReportList /> : <p className="empty">Scheduled reports are managed by analysts, designers, admins and owners.</p>}
    </>
  );
}

function schedule(r: ScheduledReport): string {
  const day = r.frequency === ReportFrequency.WEEKLY ? `${enumLabel(ReportWeekdaySchema, r.dayOfWeek || ReportWeekday.MONDAY)}s` : "Daily";
  return `${day} at ${hour(r.sendHour)} (${r.timeZone})`;
}

function ReportList() {
  const { org, can } = useOrg();
  const list = useCall(() => reports().listScheduledReports({ parent: org.name, pageSize: 200 }), [org.name]);
  const sites = useCall(() => client(SiteService).listSites({ parent: org.name, pageSize: 100 }), [org.name]);
  const [editing, setEditing] = useState<ScheduledReport | "new" | null>(null);
  const [confirming, setConfirming] = useState("");
  const [notice, setNotice] = useState("");
  const send = useAction((name: string) => reports().sendScheduledReportNow({ name }));
  const toggle = useAction((r: ScheduledReport) =>
    reports().updateScheduledReport({ scheduledReport: { ...r, enabled: !r.enabled }, updateMask: create(FieldMaskSchema, { paths: ["enabled"] }) }),
  );
  const remove = useAction((name: string) => reports().deleteScheduledReport({ name }));
  const siteName = (name: string) => sites.data?.sites.find((s) => s.name === name)?.displayName ?? name;
  const done = (message: string) => {
    setNotice(message);
    list.reload();
  };
  return (
    <>
      {notice && <p role="status" className="notice" data-testid="report-notice">{notice}</p>}
      {can("reports.create") && editing === null && (
        <Button kind="primary" testId="new-report" onClick={() => { setNotice(""); setEditing("new"); }}>New scheduled report</Button>
      )}
      {editing !== null && (
        <ReportForm
          key={editing === "new" ? "new" : editing.name}
          report={editing === "new" ? null : editing}
          sites={sites.data?.sites.map((s) => ({ name: s.name, label: s.displayName })) ?? []}
          onDone={(saved) => {
            setEditing(null);
            if (saved) done(`Saved “${saved.displayName}”.`);
          }}
        />
      )}
      <ErrorBox error={send.error ?? toggle.error ?? remove.error} title="The report was not changed" />
      <Async call={list} empty={(d) => d.scheduledReports.length === 0} emptyText="No scheduled reports yet.">
        {(d) => (
          <table data-testid="reports">
            <thead>
              <tr>
                <th scope="col">Report</th><th scope="col">Schedule</th><th scope="col">Recipients</th><th scope="col">Sites</th>
                <th scope="col">Last sent</th><th scope="col">Next</th><th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {d.scheduledReports.map((r) => (
                <tr key={r.name} data-testid="report-row">
                  <td>{r.displayName}{!r.enabled && <em className="muted"> (paused)</em>}</td>
                  <td>{schedule(r)}, {formatLabel(r.format)}</td>
                  <td data-testid="report-recipients">{r.recipients.join(", ")}</td>
                  <td>{r.sites.length ? r.sites.map(siteName).join(", ") : "All sites"}</td>
                  <td>
                    {r.lastSendStatus === ReportSendStatus.UNSPECIFIED ? "Never" : `${enumLabel(ReportSendStatusSchema, r.lastSendStatus)}, ${when(r.lastSendTime)}`}
                    {r.lastSendError && <small className="field-error"> {r.lastSendError}</small>}
                  </td>
                  <td>{r.enabled ? when(r.nextSendTime) : "—"}</td>
                  <td>
                    <div className="row">
                      {can("reports.update") && (
                        <>
                          <Button onClick={() => { setNotice(""); setEditing(r); }}>Edit</Button>
                          <Button busy={send.busy} onClick={() => void send.run(r.name).then((x) => x && done(`Sent “${r.displayName}” to ${x.acceptedRecipients.join(", ") || "nobody"}.`))}>Send now</Button>
                          <Button busy={toggle.busy} onClick={() => void toggle.run(r).then((x) => x && done(`${x.scheduledReport?.enabled ? "Resumed" : "Paused"} “${r.displayName}”.`))}>
                            {r.enabled ? "Pause" : "Resume"}
                          </Button>
                        </>
                      )}
                      {can("reports.delete") &&
                        (confirming === r.name ? (
                          <>
                            <Button kind="danger" busy={remove.busy} onClick={() => void remove.run(r.name).then((x) => { setConfirming(""); if (x) done(`Deleted “${r.displayName}”.`); })}>
                              Really delete
                            </Button>
                            <Button onClick={() => setConfirming("")}>Keep</Button>
                          </>
                        ) : (
                          <Button kind="danger" onClick={() => setConfirming(r.name)}>Delete</Button>
                        ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </>
  );
}

function ReportForm({ report, sites, onDone }: { report: ScheduledReport | null; sites: { name: string; label: string }[]; onDone: (saved?: ScheduledReport) => void }) {
  const { org } = useOrg();
  const [displayName, setDisplayName] = useState(report?.displayName ?? "");
  const [frequency, setFrequency] = useState<number>(report?.frequency ?? ReportFrequency.WEEKLY);
  const [dayOfWeek, setDayOfWeek] = useState<number>(report?.dayOfWeek || ReportWeekday.MONDAY);
  const [sendHour, setSendHour] = useState(String(report?.sendHour ?? 8));
  const [timeZone, setTimeZone] = useState(report?.timeZone ?? localZone());
  const [recipients, setRecipients] = useState(report?.recipients.join(", ") ?? "");
  const [format, setFormat] = useState<number>(report?.format || ReportFormat.PDF);
  const [sections, setSections] = useState<number[]>(report?.sections.length ? report.sections : [ReportSection.SUMMARY, ReportSection.CAMPAIGNS]);
  const [onlySites, setOnlySites] = useState<string[]>(report?.sites ?? []);
  const [enabled, setEnabled] = useState(report?.enabled ?? true);
  const [requestId] = useState(newRequestId);
  const save = useAction(async () => {
    const body = {
      displayName,
      frequency,
      dayOfWeek: frequency === ReportFrequency.WEEKLY ? dayOfWeek : ReportWeekday.UNSPECIFIED,
      sendHour: Number(sendHour),
      timeZone,
      recipients: addresses(recipients),
      format,
      sections,
      sites: onlySites,
      enabled,
    };
    const r = report
      ? await reports().updateScheduledReport({ scheduledReport: { ...body, name: report.name }, updateMask: create(FieldMaskSchema, { paths: EDITABLE }) })
      : await reports().createScheduledReport({ parent: org.name, requestId, scheduledReport: body });
    return r.scheduledReport;
  });
  // One input edits the list of recipients: a violation of "recipients[2]" belongs beside it.
  const error = foldEntries(save.error, "scheduled_report.recipients", addresses(recipients));
  const stray = unclaimed(error, [...FIELD_PATHS, "request_id", "parent"]);
  return (
    <form
      className="panel"
      aria-label={report ? `Edit ${report.displayName}` : "New scheduled report"}
      data-testid="report-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save.run().then((r) => r && onDone(r));
      }}
    >
      <div className="grid">
        <TextField label="Report name" path="scheduled_report.display_name" error={error} value={displayName} onChange={setDisplayName} placeholder="Weekly shop summary" />
        <EnumField label="Frequency" path="scheduled_report.frequency" error={error} schema={ReportFrequencySchema} value={frequency} onChange={setFrequency} />
        {frequency === ReportFrequency.WEEKLY && (
          <EnumField label="Day" path="scheduled_report.day_of_week" error={error} schema={ReportWeekdaySchema} value={dayOfWeek} onChange={setDayOfWeek} />
        )}
        <Field label="Hour" path="scheduled_report.send_hour" error={error}>
          {(a) => (
            <select {...a} value={sendHour} onChange={(e) => setSendHour(e.target.value)}>
              {Array.from({ length: 24 }, (_, h) => <option key={h} value={h}>{hour(h)}</option>)}
            </select>
          )}
        </Field>
        <TextField label="Time zone" path="scheduled_report.time_zone" error={error} value={timeZone} onChange={setTimeZone} hint="IANA name, e.g. Europe/Prague" />
        <Field label="Format" path="scheduled_report.format" error={error}>
          {(a) => (
            <select {...a} value={format} onChange={(e) => setFormat(Number(e.target.value))}>
              {FORMATS.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
            </select>
          )}
        </Field>
      </div>
      <TextField
        label="Recipients"
        path="scheduled_report.recipients"
        error={error}
        value={recipients}
        onChange={setRecipients}
        hint="E-mail addresses separated by commas, 1 to 20"
        placeholder="owner@shop.example, team@shop.example"
      />
      <div className="row">
        <fieldset>
          <legend>Sections</legend>
          {enumOptions(ReportSectionSchema).map((o) => (
            <CheckField key={o.value} label={o.label} checked={sections.includes(o.value)} onChange={(on) => setSections(on ? [...sections, o.value] : sections.filter((s) => s !== o.value))} />
          ))}
        </fieldset>
        <fieldset>
          <legend>Sites (none checked = all sites)</legend>
          {sites.length === 0 && <p className="empty">No sites yet.</p>}
          {sites.map((s) => (
            <CheckField key={s.name} label={s.label} checked={onlySites.includes(s.name)} onChange={(on) => setOnlySites(on ? [...onlySites, s.name] : onlySites.filter((x) => x !== s.name))} />
          ))}
        </fieldset>
      </div>
      <CheckField label="Send on schedule (uncheck to pause)" checked={enabled} onChange={setEnabled} />
      {stray.length > 0 && (
        <ul className="field-error" data-testid="unclaimed-violations">
          {stray.map((m) => <li key={m}>{m}</li>)}
        </ul>
      )}
      <ErrorBox error={save.error} title="The report was not saved" />
      <div className="row">
        <Button type="submit" kind="primary" busy={save.busy} testId="save-report">{report ? "Save report" : "Create report"}</Button>
        <Button onClick={() => onDone()}>Cancel</Button>
      </div>
    </form>
  );
}

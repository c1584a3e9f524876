// Parse iCalendar files with Mozilla's ical.js in strict mode and check what a calendar client
// relies on. Usage: node check.mjs FILE.ics...
// Prints one JSON object per file ({file, events: [...]}) so the Python tests can compare this
// parser's reading with icalendar's; exits 1 (after reporting every file) on any problem.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import ICAL from "ical.js";

ICAL.design.strict = true;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?$/;

function fail(message) {
  throw new Error(message);
}

// Every value is decoded (Time, Duration, ...) so a malformed one throws here.
function checkValues(component) {
  for (const prop of component.getAllProperties()) {
    for (const value of prop.getValues()) {
      if (value === undefined || value === null) fail(`${component.name}: ${prop.name} has no value`);
      if (prop.type === "date" || prop.type === "date-time") checkTime(component, prop, value);
    }
  }
  component.getAllSubcomponents().forEach(checkValues);
}

function checkTime(component, prop, time) {
  const raw = prop.toJSON()[3];
  const shape = prop.type === "date" ? DATE : DATE_TIME;
  if (!shape.test(raw)) fail(`${component.name}: ${prop.name} is not a ${prop.type}: ${raw}`);
  // A day that does not exist (2021-02-30) would normalise to another one.
  if (time.toString() !== raw) fail(`${component.name}: ${prop.name}: no such time ${raw}`);
  if (component.name === "vevent" && prop.type === "date-time") {
    const tzid = prop.getParameter("tzid");
    if (!raw.endsWith("Z") && !tzid) fail(`${prop.name}: floating time ${raw}`);
    if (tzid && !ICAL.TimezoneService.has(tzid)) fail(`${prop.name}: TZID ${tzid} has no VTIMEZONE`);
  }
}

function checkEvent(component) {
  for (const name of ["uid", "dtstamp", "dtstart", "summary"]) {
    if (component.getAllProperties(name).length !== 1) fail(`VEVENT needs exactly one ${name.toUpperCase()}`);
  }
  const event = new ICAL.Event(component, { strictExceptions: true });
  const start = event.startDate;
  const dtend = component.getFirstProperty("dtend");
  if (dtend && dtend.type !== component.getFirstProperty("dtstart").type) {
    fail(`${event.uid}: DTSTART and DTEND are of different value types`);
  }
  if (dtend && event.endDate.compare(start) <= 0) fail(`${event.uid}: DTEND is not after DTSTART`);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    categories: component.getAllProperties("categories").flatMap((p) => p.getValues()),
    status: component.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start: start.toString(),
    end: dtend ? event.endDate.toString() : null,
    all_day: start.isDate,
    tzid: component.getFirstProperty("dtstart").getParameter("tzid") ?? null,
    utc_start: start.isDate ? null : start.toUnixTime(),
    dtstamp: component.getFirstPropertyValue("dtstamp").toString(),
    last_modified: component.getFirstPropertyValue("last-modified")?.toString() ?? null,
    url: component.getFirstPropertyValue("url"),
  };
}

function check(file) {
  const text = utf8.decode(readFileSync(file));
  const jcal = ICAL.parse(text);
  if (!Array.isArray(jcal) || jcal[0] !== "vcalendar") fail("expected exactly one VCALENDAR");
  // ical.js's own parse-serialise round trip must give the same calendar back.
  if (!isDeepStrictEqual(ICAL.parse(ICAL.stringify(jcal)), jcal)) fail("stringify/parse is not a fixed point");
  const calendar = new ICAL.Component(jcal);
  if (calendar.getFirstPropertyValue("version") !== "2.0") fail("VERSION must be 2.0");
  if (!calendar.getFirstPropertyValue("prodid")) fail("PRODID is missing");
  if (calendar.getAllSubcomponents().length === 0) fail("a VCALENDAR needs at least one component");
  ICAL.TimezoneService.reset();
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  checkValues(calendar);
  const events = calendar.getAllSubcomponents("vevent").map(checkEvent);
  const uids = new Set(events.map((e) => e.uid));
  if (uids.size !== events.length) fail("duplicate UID");
  return {
    file,
    name: calendar.getFirstPropertyValue("name"),
    x_wr_calname: calendar.getFirstPropertyValue("x-wr-calname"),
    refresh_interval: calendar.getFirstPropertyValue("refresh-interval")?.toString() ?? null,
    events,
  };
}

// process.exitCode, not process.exit(): exiting at once can cut off output still in the pipe.
const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: node check.mjs FILE.ics...\n");
  process.exitCode = 2;
}
for (const file of files) {
  try {
    process.stdout.write(JSON.stringify(check(file)) + "\n");
  } catch (error) {
    process.exitCode = 1;
    process.stderr.write(`${file}: ${error && error.message ? error.message : error}\n`);
  }
}

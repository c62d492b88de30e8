// The wedding calendar at the edges of the world and of DST, through the JS API: on both sides
// of each instant where a wedding day (or its lead-in) begins or ends, isWeddingDay(), stats()
// (maxSize, weddingDay, scaling reason), scalingPlan() and calculateConnectionPriority() agree —
// in this process and in child processes under other TZs (Pacific/Chatham is UTC+12:45/+13:45,
// America/St_Johns UTC−3:30/−2:30), so the process's own timezone never leaks in.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as wedpool from '../dist/index.js';
import { probeCalendar, type CalendarEdge, type CalendarSide, type EdgeReport } from './support/calendar-probe.cjs';
import { runNodeScript } from './support/child';
import { DATABASE_URL } from './support/pool';

type State = 'base' | { day: string } | { lead: string };

interface Edge extends CalendarEdge {
  before: State;
  after: State;
}

const sat = (timezones: string[], leadMinutes = 0) => ({ weekdays: ['saturday'], timezones, leadMinutes });
const sun = (timezones: string[], leadMinutes = 0) => ({ weekdays: ['sunday'], timezones, leadMinutes });
const day = (zone: string, date: string): State => ({ day: `wedding day in ${zone} (${date})` });
const lead = (zone: string, date: string): State => ({ lead: `lead-in before wedding day in ${zone} (${date})` });

const kolkata = { weekdays: [], timezones: ['Europe/London'], dates: [{ date: '2026-06-17', timezone: 'Asia/Kolkata' }], leadMinutes: 60 };
const dateLine = sat(['Pacific/Pago_Pago', 'Pacific/Kiritimati'], 60);

const EDGES: Edge[] = [
  { name: 'Kiritimati Saturday begins Friday 10:00 UTC', calendar: sat(['Pacific/Kiritimati']), at: '2026-06-12T10:00:00Z', before: 'base', after: day('Pacific/Kiritimati', '2026-06-13') },
  { name: 'Kiritimati Saturday ends', calendar: sat(['Pacific/Kiritimati']), at: '2026-06-13T10:00:00Z', before: day('Pacific/Kiritimati', '2026-06-13'), after: 'base' },
  { name: 'Pago Pago Saturday begins', calendar: sat(['Pacific/Pago_Pago']), at: '2026-06-13T11:00:00Z', before: 'base', after: day('Pacific/Pago_Pago', '2026-06-13') },
  { name: 'Pago Pago Saturday ends Sunday 11:00 UTC', calendar: sat(['Pacific/Pago_Pago']), at: '2026-06-14T11:00:00Z', before: day('Pacific/Pago_Pago', '2026-06-13'), after: 'base' },
  { name: 'lead-in before the earliest zone', calendar: dateLine, at: '2026-06-12T09:00:00Z', before: 'base', after: lead('Pacific/Kiritimati', '2026-06-13') },
  { name: 'earliest zone begins', calendar: dateLine, at: '2026-06-12T10:00:00Z', before: lead('Pacific/Kiritimati', '2026-06-13'), after: day('Pacific/Kiritimati', '2026-06-13') },
  { name: 'gap between the zones is the latest zone lead-in', calendar: dateLine, at: '2026-06-13T10:00:00Z', before: day('Pacific/Kiritimati', '2026-06-13'), after: lead('Pacific/Pago_Pago', '2026-06-13') },
  { name: 'latest zone begins', calendar: dateLine, at: '2026-06-13T11:00:00Z', before: lead('Pacific/Pago_Pago', '2026-06-13'), after: day('Pacific/Pago_Pago', '2026-06-13') },
  { name: 'end after the latest zone', calendar: dateLine, at: '2026-06-14T11:00:00Z', before: day('Pacific/Pago_Pago', '2026-06-13'), after: 'base' },
  { name: 'Kathmandu (UTC+5:45) Saturday begins', calendar: sat(['Asia/Kathmandu']), at: '2026-06-12T18:15:00Z', before: 'base', after: day('Asia/Kathmandu', '2026-06-13') },
  { name: 'Adelaide (UTC+9:30) lead-in', calendar: sat(['Australia/Adelaide'], 45), at: '2026-06-12T13:45:00Z', before: 'base', after: lead('Australia/Adelaide', '2026-06-13') },
  { name: 'Adelaide Saturday ends', calendar: sat(['Australia/Adelaide'], 45), at: '2026-06-13T14:30:00Z', before: day('Australia/Adelaide', '2026-06-13'), after: 'base' },
  { name: 'Kolkata listed date, zone not configured: lead-in', calendar: kolkata, at: '2026-06-16T17:30:00Z', before: 'base', after: lead('Asia/Kolkata', '2026-06-17') },
  { name: 'Kolkata listed date begins at Kolkata midnight', calendar: kolkata, at: '2026-06-16T18:30:00Z', before: lead('Asia/Kolkata', '2026-06-17'), after: day('Asia/Kolkata', '2026-06-17') },
  { name: 'Kolkata listed date ends', calendar: kolkata, at: '2026-06-17T18:30:00Z', before: day('Asia/Kolkata', '2026-06-17'), after: 'base' },
  { name: 'London Saturday before spring forward', calendar: sat(['Europe/London']), at: '2026-03-29T00:00:00Z', before: day('Europe/London', '2026-03-28'), after: 'base' },
  { name: 'London 23-hour Sunday ends', calendar: sun(['Europe/London']), at: '2026-03-29T23:00:00Z', before: day('Europe/London', '2026-03-29'), after: 'base' },
  { name: 'London Saturday before fall back', calendar: sat(['Europe/London']), at: '2026-10-24T23:00:00Z', before: day('Europe/London', '2026-10-24'), after: 'base' },
  { name: 'London 25-hour Sunday ends', calendar: sun(['Europe/London']), at: '2026-10-26T00:00:00Z', before: day('Europe/London', '2026-10-25'), after: 'base' },
  { name: 'New York Saturday before spring forward', calendar: sat(['America/New_York']), at: '2026-03-08T05:00:00Z', before: day('America/New_York', '2026-03-07'), after: 'base' },
  { name: 'New York 23-hour Sunday ends', calendar: sun(['America/New_York']), at: '2026-03-09T04:00:00Z', before: day('America/New_York', '2026-03-08'), after: 'base' },
  { name: 'New York Saturday before fall back', calendar: sat(['America/New_York']), at: '2026-11-01T04:00:00Z', before: day('America/New_York', '2026-10-31'), after: 'base' },
  { name: 'New York 25-hour Sunday ends', calendar: sun(['America/New_York']), at: '2026-11-02T05:00:00Z', before: day('America/New_York', '2026-11-01'), after: 'base' },
  { name: 'Sydney 25-hour Sunday (DST ends in April) begins', calendar: sun(['Australia/Sydney']), at: '2026-04-04T13:00:00Z', before: 'base', after: day('Australia/Sydney', '2026-04-05') },
  { name: 'Sydney 25-hour Sunday ends', calendar: sun(['Australia/Sydney']), at: '2026-04-05T14:00:00Z', before: day('Australia/Sydney', '2026-04-05'), after: 'base' },
  { name: 'Sydney Saturday before DST starts in October', calendar: sat(['Australia/Sydney']), at: '2026-10-03T14:00:00Z', before: day('Australia/Sydney', '2026-10-03'), after: 'base' },
  { name: 'Sydney 23-hour Sunday ends', calendar: sun(['Australia/Sydney']), at: '2026-10-04T13:00:00Z', before: day('Australia/Sydney', '2026-10-04'), after: 'base' },
];

/** What every API should say in `state`. */
function expected(state: State): CalendarSide {
  const reason = state === 'base' ? 'base' : 'day' in state ? state.day : state.lead;
  const weddingDay = state !== 'base' && 'day' in state;
  const maxSize = state === 'base' ? 50 : 150;
  return { isWeddingDay: weddingDay, statsWeddingDay: weddingDay, maxSize, reason, plan: { max: maxSize, reason }, priority: weddingDay ? 600 : 100 };
}

const EXPECTED: EdgeReport[] = EDGES.map((e) => ({
  name: e.name,
  before: expected(e.before),
  after: expected(e.after),
  plannedAtEdge: { max: expected(e.after).maxSize, reason: expected(e.after).reason },
}));

const probeEdges = (): CalendarEdge[] => EDGES.map(({ name, calendar, at }) => ({ name, calendar, at }));

describe('wedding calendar edges', () => {
  it('agree across isWeddingDay, stats, scalingPlan and the priority bonus in this process', async () => {
    const reports = await probeCalendar(wedpool, DATABASE_URL(), probeEdges());
    for (const [i, report] of reports.entries()) expect(report, report.name).toEqual(EXPECTED[i]);
  });

  for (const tz of ['Pacific/Chatham', 'America/St_Johns']) {
    it(`gives the same results in a process running under TZ=${tz}`, async () => {
      const r = await runNodeScript(
        `
        const wedpool = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
        const { probeCalendar } = require(${JSON.stringify(join(__dirname, 'support', 'calendar-probe.cjs'))});
        const edges = ${JSON.stringify(probeEdges())};
        probeCalendar(wedpool, process.env.DATABASE_URL, edges).then((reports) => {
          const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
          console.log(JSON.stringify({ zone, reports }));
        });
      `,
        { TZ: tz },
      );
      expect(r.code, r.out).toBe(0);
      const { zone, reports } = JSON.parse(r.out) as { zone: string; reports: EdgeReport[] };
      expect(zone).toBe(tz);
      for (const [i, report] of reports.entries()) expect(report, report.name).toEqual(EXPECTED[i]);
    });
  }
});

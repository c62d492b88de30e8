// Types for calendar-probe.cjs.

/** One side of an edge, as the pool reports it. */
export interface CalendarSide {
  isWeddingDay: boolean;
  statsWeddingDay: boolean;
  maxSize: number;
  reason: string;
  plan: { max: number; reason: string };
  priority: number;
}

/** What the pool said around one edge. */
export interface EdgeReport {
  name: string;
  before: CalendarSide;
  after: CalendarSide;
  /** The change `scalingPlan()` listed at exactly the edge, made three hours before it. */
  plannedAtEdge: { max: number; reason: string } | null;
}

/** An instant where the calendar changes, and the calendar options. */
export interface CalendarEdge {
  name: string;
  calendar: object;
  at: string;
}

/** Probes every edge with a fresh pool (max 50, multiplier 3, fleet budget off) and ends it. */
export function probeCalendar(wedpool: object, connectionString: string, edges: CalendarEdge[]): Promise<EdgeReport[]>;

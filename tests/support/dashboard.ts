import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The Grafana dashboard shipped in docs/grafana/. */
export const DASHBOARD_FILE = fileURLToPath(new URL('../../docs/grafana/jizhan-dashboard.json', import.meta.url))

export interface Panel { id: number, type: string, title: string, datasource?: { uid: string }, panels?: Panel[], targets?: Array<{ expr: string, datasource?: { uid: string } }> }

export function readDashboard(): { panels: Panel[], templating: { list: Array<Record<string, unknown>> } } {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'))
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap(p => [p, ...allPanels(p.panels ?? [])])
}

/** Every PromQL expression of the dashboard's panels. */
export function dashboardExprs(): string[] {
  return allPanels(readDashboard().panels).flatMap(p => (p.targets ?? []).map(t => t.expr))
}

/**
 * The series names an expression reads: every name of ours (jizhan_) or Node's (nodejs_,
 * process_), and any other identifier directly followed by a selector's `{`, so a metric with
 * another prefix cannot slip past. Strings and range durations are taken out first.
 */
export function seriesNamesIn(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '')
  const names = new Set<string>()
  for (const m of bare.matchAll(/\b(?:jizhan|nodejs|process)_[a-z0-9_]+\b/g)) names.add(m[0])
  for (const m of bare.matchAll(/\b([a-zA-Z_:][\w:]*)\{/g)) names.add(m[1]!)
  return [...names]
}

/** The metric a series belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
export function metricOf(series: string, histograms: ReadonlySet<string>): string {
  const base = series.replace(/_(bucket|sum|count)$/, '')
  return base !== series && histograms.has(base) ? base : series
}

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { registry, startProcessMetrics } from '../../../server/metrics/registry'
import { allPanels, dashboardExprs, metricOf, readDashboard, seriesNamesIn } from '../../support/dashboard'

/** jizhan_ metrics the dashboard may leave out, each with its reason. None so far. */
const NOT_ON_DASHBOARD: Record<string, string> = {}

startProcessMetrics()
const metrics = registry.getMetricsAsArray() as unknown as Array<{ name: string, type: string }>
const types = new Map(metrics.map(m => [m.name, m.type]))
const histograms = new Set(metrics.filter(m => m.type === 'histogram').map(m => m.name))

describe('the Grafana dashboard (docs/grafana/jizhan-dashboard.json)', () => {
  const dashboard = readDashboard()
  const exprs = dashboardExprs()

  it('takes Prometheus as the DS_PROMETHEUS variable and the instances as a variable, in every query', () => {
    const variables = new Map(dashboard.templating.list.map(v => [v.name, v]))
    expect(variables.get('DS_PROMETHEUS')).toMatchObject({ type: 'datasource', query: 'prometheus' })
    expect(variables.get('instance')).toMatchObject({ type: 'query', multi: true, includeAll: true })
    for (const panel of allPanels(dashboard.panels).filter(p => p.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}')
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
      for (const t of panel.targets!) {
        expect(t.datasource?.uid).toBe('${DS_PROMETHEUS}')
        expect(t.expr, panel.title).toContain('instance=~"$instance"')
      }
    }
    const ids = allPanels(dashboard.panels).map(p => p.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('writes expressions whose brackets balance', () => {
    for (const expr of exprs) {
      let depth = 0
      for (const c of expr) {
        depth += '({['.includes(c) ? 1 : ')}]'.includes(c) ? -1 : 0
        expect(depth, expr).toBeGreaterThanOrEqual(0)
      }
      expect(depth, expr).toBe(0)
    }
  })

  it('queries only metrics the registry defines, a histogram through its buckets, sum or count', () => {
    expect(exprs.length).toBeGreaterThan(20)
    for (const expr of exprs) {
      const names = seriesNamesIn(expr)
      expect(names.length, expr).toBeGreaterThan(0)
      for (const series of names) {
        const metric = metricOf(series, histograms)
        expect(types.has(metric), `${series} in ${expr}`).toBe(true)
        if (types.get(metric) === 'histogram') expect(series, expr).not.toBe(metric)
      }
    }
  })

  it('shows every jizhan_ metric of the registry', () => {
    const shown = new Set(exprs.flatMap(e => seriesNamesIn(e)).map(s => metricOf(s, histograms)))
    const ours = metrics.map(m => m.name).filter(n => n.startsWith('jizhan_'))
    expect(ours.filter(n => !shown.has(n) && !(n in NOT_ON_DASHBOARD))).toEqual([])
  })

  it('names the metrics in expressions as the checks above read them', () => {
    expect(seriesNamesIn('histogram_quantile(0.99, sum by (le) (rate(jizhan_x_bucket{instance=~"a_b{c"}[5m])))')).toEqual(['jizhan_x_bucket'])
    expect(seriesNamesIn('rate(other_metric{job="x"}[1m]) / process_open_fds')).toEqual(['process_open_fds', 'other_metric'])
    expect(metricOf('jizhan_x_bucket', new Set(['jizhan_x']))).toBe('jizhan_x')
    expect(metricOf('jizhan_y_count', new Set(['jizhan_x']))).toBe('jizhan_y_count')
  })
})

describe('the alert rules in docs/operations.md', () => {
  const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8')
  const rules = /## Alerts worth having[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? ''
  // Each rule's expression: from `expr:` to its `for:` or `labels:` (one line, or a `|` block).
  const exprs = [...rules.matchAll(/expr: (?:\|\n)?([\s\S]*?)\n\s+(?:for|labels):/g)].map(m => m[1]!.trim())

  it('query only metrics the registry defines (and Prometheus\'s own up)', () => {
    expect(exprs.length).toBe([...rules.matchAll(/- alert:/g)].length)
    expect(exprs.length).toBeGreaterThanOrEqual(6)
    for (const expr of exprs) {
      for (const series of seriesNamesIn(expr)) {
        if (series === 'up') continue
        expect(types.has(metricOf(series, histograms)), `${series} in ${expr}`).toBe(true)
      }
    }
  })
})

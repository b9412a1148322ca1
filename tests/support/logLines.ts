/** The server's JSON log lines in captured output, parsed (other lines, e.g. Nitro's "Listening on", skipped). */
export function logRecords(output: string): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = []
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      records.push(JSON.parse(line))
    }
    catch {
      // not a log line
    }
  }
  return records
}

/** The start-up problems the server logged (`start-up problem` lines), one string each. */
export function startupProblems(output: string): string {
  return logRecords(output).filter(r => r.msg === 'start-up problem').map(r => String(r.problem)).join('\n')
}

// The port the entries:list service reads local service output through. runtime/service-logs.ts
// implements it (structurally: runtime does not import services, services do not import runtime).

export interface ServiceKey {
  readonly project: string
  readonly region: string
  readonly service: string
}

export interface LogLine {
  /** Unique, and ordered as the lines were written. */
  readonly insertId: string
  /** RFC 3339, UTC. */
  readonly timestamp: string
  readonly stream: 'stdout' | 'stderr' | 'system'
  /** Cloud Logging severity name. */
  readonly severity: string
  readonly revision: string
  readonly text: string
  /** A job's lines: which task and attempt printed them (`task_index`, `task_attempt`). */
  readonly labels?: Readonly<Record<string, string>>
}

export interface ServiceLogReader {
  /** The services of a project that have lines. */
  services(project: string): ServiceKey[]
  /** A service's retained lines, oldest first. */
  lines(key: ServiceKey): readonly LogLine[]
}

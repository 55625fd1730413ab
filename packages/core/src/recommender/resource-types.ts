// The full resource name and Google resource type of a scope a binding lives on, as recommendation
// operations name them.
const RUN_TYPE: Readonly<Record<string, string>> = {
  services: 'run.googleapis.com/Service',
  jobs: 'run.googleapis.com/Job',
  workerPools: 'run.googleapis.com/WorkerPool',
}

/** `projects/P` or `projects/P/locations/L/{services|jobs|workerPools}/X` (project id form). */
export function scopeTarget(scope: string): { resource: string; resourceType: string } {
  const run = /^projects\/[^/]+\/locations\/[^/]+\/(services|jobs|workerPools)\/[^/]+$/.exec(scope)
  if (run?.[1] !== undefined) {
    return { resource: `//run.googleapis.com/${scope}`, resourceType: RUN_TYPE[run[1]] ?? '' }
  }
  return {
    resource: `//cloudresourcemanager.googleapis.com/${scope}`,
    resourceType: scope.startsWith('organizations/')
      ? 'cloudresourcemanager.googleapis.com/Organization'
      : 'cloudresourcemanager.googleapis.com/Project',
  }
}

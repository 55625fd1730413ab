// Cloud Run's v1 jobs API, as data for routes.ts: the k8s-style paths under
// `/apis/run.googleapis.com/v1/namespaces/{ns}` that `gcloud run jobs describe` and `replace`
// call on a regional host (jobs get, list, create, replace, delete, run; executions get, list,
// delete, cancel). They answer v1 Job and Execution objects, synchronously, as views of the one
// stored job and its executions. Google has no /v1/projects/P/locations/L twins for jobs.
// Compat: method ids, paths and permissions follow googlecloudsdk run_v1_client.py (reference
// method-tables/run_v1_client.py.methods.txt, iam_dataset_run_method_map.json) and §1.8b.
import type { RouteSpec } from './route-spec.js'

const PREFIX = '/apis/run.googleapis.com/v1'
const NS = 'namespaces/*'
const JOB = `${NS}/jobs/*`
const EXECUTION = `${NS}/executions/*`

export const KNATIVE_JOB_ROUTES: readonly RouteSpec[] = [
  {
    api: 'run/v1',
    id: 'run.namespaces.jobs.create',
    method: 'POST',
    template: `${PREFIX}/{parent=${NS}}/jobs`,
    permission: 'run.jobs.create',
    resourceType: 'job',
    body: true,
    note: 'checked on the new job',
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.jobs.get',
    method: 'GET',
    template: `${PREFIX}/{name=${JOB}}`,
    permission: 'run.jobs.get',
    resourceType: 'job',
    body: false,
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.jobs.list',
    method: 'GET',
    template: `${PREFIX}/{parent=${NS}}/jobs`,
    permission: 'run.jobs.list',
    resourceType: 'project',
    body: false,
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.jobs.replaceJob',
    method: 'PUT',
    template: `${PREFIX}/{name=${JOB}}`,
    permission: 'run.jobs.update',
    resourceType: 'job',
    body: true,
    note: 'also run.jobs.create when the job does not exist (it is created)',
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.jobs.delete',
    method: 'DELETE',
    template: `${PREFIX}/{name=${JOB}}`,
    permission: 'run.jobs.delete',
    resourceType: 'job',
    body: false,
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.jobs.run',
    method: 'POST',
    template: `${PREFIX}/{name=${JOB}}:run`,
    permission: 'run.jobs.run',
    resourceType: 'job',
    body: true,
    note: 'also run.jobs.runWithOverrides when the body has overrides',
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.executions.get',
    method: 'GET',
    template: `${PREFIX}/{name=${EXECUTION}}`,
    permission: 'run.executions.get',
    resourceType: 'execution',
    body: false,
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.executions.list',
    method: 'GET',
    template: `${PREFIX}/{parent=${NS}}/executions`,
    permission: 'run.executions.list',
    resourceType: 'project',
    body: false,
    note: 'checked on the job a labelSelector run.googleapis.com/job=JOB names, else on the project',
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.executions.delete',
    method: 'DELETE',
    template: `${PREFIX}/{name=${EXECUTION}}`,
    permission: 'run.executions.delete',
    resourceType: 'execution',
    body: false,
  },
  {
    api: 'run/v1',
    id: 'run.namespaces.executions.cancel',
    method: 'POST',
    template: `${PREFIX}/{name=${EXECUTION}}:cancel`,
    permission: 'run.executions.cancel',
    resourceType: 'execution',
    body: true,
    note: 'also run.jobs.run, which Google lists for this v1 method too',
  },
]

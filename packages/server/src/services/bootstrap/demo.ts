// The demo content `npm start` shows: project 'demo-project' owned by the first bootstrap owner
// and service 'hello' in us-central1 answered by the built-in responder. Idempotent.
import { Code, IamError } from '@runiam/core'
import type { Store } from '@runiam/store'
import { createProjectInTx } from '../resource-manager/project-service.js'
import { runResourceRecord } from '../run/run-resource-writes.js'
import { buildService } from '../run/service-body.js'

export const DEMO_PROJECT = 'demo-project'
export const DEMO_SERVICE = 'hello'
export const DEMO_REGION = 'us-central1'

export async function seedDemo(
  store: Store,
  options: { owner: string; now: number; runDomain: string; servicePort: number },
): Promise<{ project: string; service: string; region: string }> {
  await store.transact(async (tx) => {
    const org = await tx.getOrganization()
    if (org === undefined) {
      throw new IamError(
        Code.FAILED_PRECONDITION,
        'NO_ORGANIZATION',
        'Create the organization before the demo.',
      )
    }
    const project =
      (await tx.getProject(DEMO_PROJECT)) ??
      (await createProjectInTx(
        tx,
        {
          projectId: DEMO_PROJECT,
          displayName: 'Demo project',
          parent: `organizations/${org.id}`,
          labels: {},
        },
        options.owner,
        options.now,
      ))
    const name = `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/services/${DEMO_SERVICE}`
    if ((await tx.getResource(name)) !== undefined) return
    const email = options.owner.slice(options.owner.indexOf(':') + 1)
    const service = buildService({
      name,
      serviceId: DEMO_SERVICE,
      location: DEMO_REGION,
      projectNumber: project.projectNumber,
      input: {},
      actor: email,
      nowMs: options.now,
      runDomain: options.runDomain,
      servicePort: options.servicePort,
    })
    await tx.createResource(runResourceRecord('service', name, project, DEMO_REGION, service))
  })
  return { project: DEMO_PROJECT, service: DEMO_SERVICE, region: DEMO_REGION }
}

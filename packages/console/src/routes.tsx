// The console's route table: every page, its path under /console and its title. A new page is
// one file under pages/ and one entry here (patterns are matched in order).
import type { ReactNode } from 'react'
import { kindOfSlug, KIND_INFO } from './api/run-resources.js'
import { NotFoundPage } from './pages/not-found-page.js'
import { ProjectRunPage } from './pages/project-run-page.js'
import { ProjectsPage } from './pages/projects-page.js'
import { ResourcePage } from './pages/resource-page.js'
import { ServiceSecurityPage } from './pages/service-security-page.js'
import type { RouteDef } from './router.js'

const route = <P extends Record<string, string>>(r: RouteDef<P>): RouteDef =>
  r as unknown as RouteDef

/** Renders `page` for a known resource-kind slug (services, jobs, worker-pools), else not found. */
function withKind(
  slug: string,
  page: (kind: NonNullable<ReturnType<typeof kindOfSlug>>) => ReactNode,
) {
  const kind = kindOfSlug(slug)
  return kind === undefined ? <NotFoundPage /> : page(kind)
}

export const ROUTES: readonly RouteDef[] = [
  route({ pattern: '/', title: () => 'Projects', render: () => <ProjectsPage /> }),
  route<{ project: string }>({
    pattern: '/projects/:project',
    title: (p) => `Cloud Run – ${p.project}`,
    render: (p) => <ProjectRunPage project={p.project} kind="services" />,
  }),
  route<{ project: string; tab: string }>({
    pattern: '/projects/:project/run/:tab',
    title: (p) => `${KIND_INFO[kindOfSlug(p.tab) ?? 'services'].plural} – ${p.project}`,
    render: (p) => withKind(p.tab, (kind) => <ProjectRunPage project={p.project} kind={kind} />),
  }),
  route<{ project: string; location: string; tab: string; name: string }>({
    pattern: '/projects/:project/locations/:location/:tab/:name',
    title: (p) => `${p.name} – ${p.project}`,
    render: (p) =>
      withKind(p.tab, (kind) => (
        <ResourcePage
          resource={{ kind, project: p.project, location: p.location, name: p.name }}
          key={`${kind}/${p.project}/${p.location}/${p.name}`}
        />
      )),
  }),
  route<{ project: string; location: string; name: string }>({
    pattern: '/projects/:project/locations/:location/services/:name/security',
    title: (p) => `Security – ${p.name} – ${p.project}`,
    render: (p) => (
      <ServiceSecurityPage
        project={p.project}
        location={p.location}
        name={p.name}
        key={`${p.project}/${p.location}/${p.name}`}
      />
    ),
  }),
]

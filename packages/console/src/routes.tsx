// The console's route table: every page, its path under /console and its title. A new page is
// one file under pages/ and one entry here (patterns are matched in order).
import type { ReactNode } from 'react'
import { listRunEarly } from './api/early-run-list.js'
import { kindOfSlug, KIND_INFO } from './api/run-resources.js'
import { lazyNamed } from './lazy-named.js'
import { NotFoundPage } from './pages/not-found-page.js'
import { ProjectRunPage } from './pages/project-run-page.js'
import { ProjectsPage } from './pages/projects-page.js'
import type { RouteDef } from './router.js'

// The pages a console is opened on (projects, a project's Cloud Run lists) come with the first
// script; every other page is its own chunk, fetched when first shown (app.tsx's Suspense shows
// "Loading…" meanwhile), so the first screen parses and runs only the code it needs.
const ResourcePage = lazyNamed(() => import('./pages/resource-page.js').then((m) => m.ResourcePage))
const ServiceSecurityPage = lazyNamed(() =>
  import('./pages/service-security-page.js').then((m) => m.ServiceSecurityPage),
)
const ServiceAuditPage = lazyNamed(() =>
  import('./pages/service-audit-page.js').then((m) => m.ServiceAuditPage),
)
const GroupsPage = lazyNamed(() => import('./pages/groups-page.js').then((m) => m.GroupsPage))
const OrganizationIamPage = lazyNamed(() =>
  import('./pages/iam-page.js').then((m) => m.OrganizationIamPage),
)
const ProjectIamPage = lazyNamed(() => import('./pages/iam-page.js').then((m) => m.ProjectIamPage))
const OrganizationPoliciesPage = lazyNamed(() =>
  import('./pages/org-policies-page.js').then((m) => m.OrganizationPoliciesPage),
)
const ProjectPoliciesPage = lazyNamed(() =>
  import('./pages/org-policies-page.js').then((m) => m.ProjectPoliciesPage),
)
const ServiceAccountsPage = lazyNamed(() =>
  import('./pages/service-accounts-page.js').then((m) => m.ServiceAccountsPage),
)
const WhoHasAccessPage = lazyNamed(() =>
  import('./pages/who-has-access-page.js').then((m) => m.WhoHasAccessPage),
)
const TroubleshooterPage = lazyNamed(() =>
  import('./pages/troubleshooter-page.js').then((m) => m.TroubleshooterPage),
)

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
    preload: (p) => listRunEarly(p.project, 'services'),
  }),
  route<{ project: string; tab: string }>({
    pattern: '/projects/:project/run/:tab',
    title: (p) => `${KIND_INFO[kindOfSlug(p.tab) ?? 'services'].plural} – ${p.project}`,
    render: (p) => withKind(p.tab, (kind) => <ProjectRunPage project={p.project} kind={kind} />),
    preload: (p) => {
      const kind = kindOfSlug(p.tab)
      if (kind !== undefined) listRunEarly(p.project, kind)
    },
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
  route<{ project: string; location: string; name: string }>({
    pattern: '/projects/:project/locations/:location/services/:name/audit',
    title: (p) => `Audit – ${p.name} – ${p.project}`,
    render: (p) => (
      <ServiceAuditPage
        project={p.project}
        location={p.location}
        name={p.name}
        key={`${p.project}/${p.location}/${p.name}`}
      />
    ),
  }),
  // Project and organization IAM, identities, org policies, who has access (console-pages).
  route<{ project: string }>({
    pattern: '/projects/:project/iam',
    title: (p) => `IAM – ${p.project}`,
    render: (p) => <ProjectIamPage project={p.project} />,
  }),
  route<{ project: string }>({
    pattern: '/projects/:project/service-accounts',
    title: (p) => `Service accounts – ${p.project}`,
    render: (p) => <ServiceAccountsPage project={p.project} />,
  }),
  route<{ project: string }>({
    pattern: '/projects/:project/policies',
    title: (p) => `Organization policies – ${p.project}`,
    render: (p) => <ProjectPoliciesPage project={p.project} />,
  }),
  route({
    pattern: '/organization/iam',
    title: () => 'IAM – organization',
    render: () => <OrganizationIamPage />,
  }),
  route({
    pattern: '/organization/policies',
    title: () => 'Organization policies',
    render: () => <OrganizationPoliciesPage />,
  }),
  route({ pattern: '/groups', title: () => 'Groups', render: () => <GroupsPage /> }),
  route({
    pattern: '/access',
    title: () => 'Who has access',
    render: (_, q) => <WhoHasAccessPage query={q} />,
  }),
  route({
    pattern: '/troubleshoot',
    title: () => 'Troubleshooter',
    render: (_, q) => <TroubleshooterPage query={q} />,
  }),
]

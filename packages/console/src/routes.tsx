// The console's route table: every page, its path under /console and its title. A new page is
// one file under pages/ and one line here (put more specific patterns first).
import type { RouteDef } from './router.js'
import { ProjectsPage } from './pages/projects-page.js'
import { ProjectPage } from './pages/project-page.js'
import { GroupsPage } from './pages/groups-page.js'
import { OrganizationIamPage, ProjectIamPage } from './pages/iam-page.js'
import { OrganizationPoliciesPage, ProjectPoliciesPage } from './pages/org-policies-page.js'
import { ServiceAccountsPage } from './pages/service-accounts-page.js'
import { WhoHasAccessPage } from './pages/who-has-access-page.js'

const route = <P extends Record<string, string>>(r: RouteDef<P>): RouteDef =>
  r as unknown as RouteDef

export const ROUTES: readonly RouteDef[] = [
  route({ pattern: '/', title: () => 'Projects', render: () => <ProjectsPage /> }),
  route<{ project: string }>({
    pattern: '/projects/:project',
    title: (p) => `Cloud Run – ${p.project}`,
    render: (p, q) => <ProjectPage project={p.project} query={q} />,
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
]

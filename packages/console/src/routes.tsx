// The console's route table: every page, its path under /console and its title. A new page is
// one file under pages/ and one line here (put more specific patterns first).
import type { RouteDef } from './router.js'
import { NotFoundPage } from './pages/not-found-page.js'
import { kindOfSlug, ProjectPage } from './pages/project-page.js'
import { ProjectsPage } from './pages/projects-page.js'
import { ServiceSecurityPage } from './pages/service-security-page.js'

const route = <P extends Record<string, string>>(r: RouteDef<P>): RouteDef =>
  r as unknown as RouteDef

export const ROUTES: readonly RouteDef[] = [
  route({ pattern: '/', title: () => 'Projects', render: () => <ProjectsPage /> }),
  route<{ project: string }>({
    pattern: '/projects/:project',
    title: (p) => `Cloud Run – ${p.project}`,
    render: (p) => <ProjectPage project={p.project} />,
  }),
  route<{ project: string; tab: string }>({
    pattern: '/projects/:project/run/:tab',
    title: (p) => `Cloud Run – ${p.project}`,
    render: (p) => {
      const kind = kindOfSlug(p.tab)
      return kind === undefined ? (
        <NotFoundPage />
      ) : (
        <ProjectPage project={p.project} kind={kind} key={kind} />
      )
    },
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

// The console's route table: every page, its path under /console and its title. A new page is
// one file under pages/ and one line here (put more specific patterns first).
import type { RouteDef } from './router.js'
import { ProjectsPage } from './pages/projects-page.js'
import { ProjectPage } from './pages/project-page.js'

const route = <P extends Record<string, string>>(r: RouteDef<P>): RouteDef =>
  r as unknown as RouteDef

export const ROUTES: readonly RouteDef[] = [
  route({ pattern: '/', title: () => 'Projects', render: () => <ProjectsPage /> }),
  route<{ project: string }>({
    pattern: '/projects/:project',
    title: (p) => `Cloud Run – ${p.project}`,
    render: (p, q) => <ProjectPage project={p.project} query={q} />,
  }),
]

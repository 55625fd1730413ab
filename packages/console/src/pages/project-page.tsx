// A project's Cloud Run page (tabs Services, Jobs, Worker pools): filled in by the next step.
export function ProjectPage({ project }: { project: string; query: URLSearchParams }) {
  return (
    <section>
      <h1>Cloud Run</h1>
      <p className="subtitle">Project {project}</p>
    </section>
  )
}

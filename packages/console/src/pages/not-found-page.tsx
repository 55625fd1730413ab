// A console path that names no page.
import { Link } from '../router.js'

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        This console has no page at this address. <Link to="/">Go to the projects</Link>.
      </p>
    </section>
  )
}

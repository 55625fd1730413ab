// The console's entry point: mounts the app into index.html's #root.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import { preloadRoute } from './router.js'
import { ROUTES } from './routes.js'
import './styles.css'

// The page's data is asked for now, in parallel with the first render, not after it has painted.
preloadRoute(ROUTES)
const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)

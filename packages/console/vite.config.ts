// Vite builds the console into dist/, which `runiam serve` serves at /console/ (the server only
// locates this folder; it never imports console code). Hashed file names under assets/ let the
// server cache them for a year; index.html is never cached.
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The whole console stays small: a warning well before the 300 KB (gzipped) budget.
    chunkSizeWarningLimit: 600,
  },
})

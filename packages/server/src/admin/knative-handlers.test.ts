// Which Host headers name a region for the v1 namespaces paths: gcloud's `{region}-{host}`
// regional endpoints, and nothing that merely contains hyphens.
import { describe, expect, it } from 'vitest'
import { regionFromHost } from './knative-handlers.js'

describe('regionFromHost', () => {
  it('reads the region gcloud puts in front of the endpoint', () => {
    expect(regionFromHost('us-central1-run.googleapis.com')).toBe('us-central1')
    expect(regionFromHost('us-central1-localhost:8080')).toBe('us-central1')
    expect(regionFromHost('europe-west4-127.0.0.1:8080')).toBe('europe-west4')
    expect(regionFromHost('northamerica-northeast1-runiam.internal')).toBe(
      'northamerica-northeast1',
    )
    expect(regionFromHost('ME-CENTRAL2-run.example.com')).toBe('me-central2')
  })

  it('leaves other hosts alone', () => {
    for (const host of [
      undefined,
      '',
      '127.0.0.1:8080',
      'localhost',
      'run.googleapis.com',
      'api-server2-internal.example.com',
      'us-central1.run.localhost',
      'us-central1-:8080',
    ]) {
      expect(regionFromHost(host), String(host)).toBeUndefined()
    }
  })
})

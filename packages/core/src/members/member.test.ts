import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isIamError } from '../errors/iam-error.js'
import { isGroupOrDomain, isMemberSet, isPublicMember, memberKind } from './classify.js'
import { formatMember, isValidEmail, normalizeMember, parseMember } from './member.js'

const FORM = 'Policy members must be of the form "<type>:<value>".'

describe('parseMember', () => {
  it.each([
    ['allUsers', { type: 'allUsers' }],
    ['allAuthenticatedUsers', { type: 'allAuthenticatedUsers' }],
    ['user:alex@example.com', { type: 'user', email: 'alex@example.com' }],
    [
      "user:o'brien+tag@sub.example.co.uk",
      { type: 'user', email: "o'brien+tag@sub.example.co.uk" },
    ],
    [
      'serviceAccount:my-sa@my-project.iam.gserviceaccount.com',
      { type: 'serviceAccount', email: 'my-sa@my-project.iam.gserviceaccount.com' },
    ],
    ['group:admins@example.com', { type: 'group', email: 'admins@example.com' }],
    ['domain:example.com', { type: 'domain', domain: 'example.com' }],
    [
      'serviceAccount:my-project.svc.id.goog[default/my-ksa]',
      {
        type: 'serviceAccount',
        email: 'my-project.svc.id.goog[default/my-ksa]',
        kubernetes: {
          workloadPool: 'my-project.svc.id.goog',
          namespace: 'default',
          name: 'my-ksa',
        },
      },
    ],
    [
      'deleted:user:alex@example.com?uid=123456789012345678901',
      {
        type: 'deleted',
        deletedType: 'user',
        email: 'alex@example.com',
        uid: '123456789012345678901',
      },
    ],
    [
      'deleted:serviceAccount:sa@p.iam.gserviceaccount.com?uid=42',
      {
        type: 'deleted',
        deletedType: 'serviceAccount',
        email: 'sa@p.iam.gserviceaccount.com',
        uid: '42',
      },
    ],
    [
      'deleted:group:g@example.com?uid=7',
      { type: 'deleted', deletedType: 'group', email: 'g@example.com', uid: '7' },
    ],
    [
      'deleted:principal://iam.googleapis.com/locations/global/workforcePools/pool/subject/s1',
      {
        type: 'deleted',
        deletedType: 'principal',
        uri: 'principal://iam.googleapis.com/locations/global/workforcePools/pool/subject/s1',
      },
    ],
  ])('parses %s', (s, expected) => {
    expect(parseMember(s)).toEqual(expected)
    expect(formatMember(parseMember(s))).toBe(s)
  })

  it.each([
    'principal://iam.googleapis.com/locations/global/workforcePools/my-pool/subject/alice@corp',
    'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/subject/repo:org/x:ref:refs/heads/main',
    'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p1.svc.id.goog/subject/ns/default/sa/ksa',
    'principalSet://iam.googleapis.com/locations/global/workforcePools/my-pool/group/eng',
    'principalSet://iam.googleapis.com/locations/global/workforcePools/my-pool/attribute.department/sales',
    'principalSet://iam.googleapis.com/locations/global/workforcePools/my-pool/*',
    'principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/*',
    'principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p.svc.id.goog/namespace/prod',
    'principalSet://cloudresourcemanager.googleapis.com/projects/123/type/ServiceAccount',
    'principalSet://cloudresourcemanager.googleapis.com/organizations/456/type/ServiceAccount',
    'principal://agents.global.org-1.system.id.goog/resources/aiplatform/projects/1/x',
    'principalSet://agents.global.org-1.system.id.goog/*',
  ])('accepts the identifier %s and keeps it unchanged', (s) => {
    const m = parseMember(s)
    expect(m.type).toBe(s.startsWith('principalSet') ? 'principalSet' : 'principal')
    expect(formatMember(m)).toBe(s)
  })

  it.each([
    ['alice@example.com', ''],
    ['', ''],
    ['user:', 'empty'],
    ['user:alice', 'not a valid email'],
    ['user:alice@localhost', 'not a valid email'],
    ['user:al ice@example.com', 'not a valid email'],
    ['user:alice@exa_mple.com', 'not a valid email'],
    ['User:alice@example.com', 'Unknown member type "User"'],
    ['serviceaccount:sa@p.iam.gserviceaccount.com', 'Unknown member type'],
    ['allusers', ''],
    ['domain:example', 'not a valid domain'],
    ['domain:-bad.com', 'not a valid domain'],
    ['deleted:user:alice@example.com', '?uid='],
    ['deleted:user:alice@example.com?uid=abc', '?uid='],
    ['deleted:domain:example.com', 'deleted:user:'],
    [
      'principal://iam.googleapis.com/locations/global/workforcePools/p/group/g',
      'Expected principal://',
    ],
    [
      'principalSet://iam.googleapis.com/locations/global/workforcePools/p/subject/s',
      'Expected principalSet://',
    ],
    ['principalSet://cloudresourcemanager.googleapis.com/projects/1/type/User', 'ServiceAccount'],
    ['principal://iam.googleapis.com/locations/global/workforcePools/p/subject/a b', 'spaces'],
    ['principal://bad_host/x', 'trust domain'],
    ['serviceAccount:proj.svc.id.goog[NS/ksa]', 'not a valid email'],
  ])('rejects %j with Google message (%s)', (s, detail) => {
    let thrown: unknown
    try {
      parseMember(s)
    } catch (e) {
      thrown = e
    }
    expect(isIamError(thrown)).toBe(true)
    if (!isIamError(thrown)) return
    expect(thrown.status).toBe('INVALID_ARGUMENT')
    expect(thrown.reason).toBe('INVALID_MEMBER')
    expect(thrown.message.startsWith(FORM)).toBe(true)
    expect(thrown.message).toContain(detail)
    expect(thrown.message).toContain(JSON.stringify(s))
  })

  it('validates emails', () => {
    expect(isValidEmail('a.b@c.de')).toBe(true)
    expect(isValidEmail('.a@c.de')).toBe(false)
    expect(isValidEmail('a..b@c.de')).toBe(false)
    expect(isValidEmail(`${'a'.repeat(65)}@c.de`)).toBe(false)
  })
})

describe('normalizeMember', () => {
  it.each([
    ['user:Alice@Example.COM', 'user:alice@example.com'],
    ['serviceAccount:SA@P.iam.gserviceaccount.com', 'serviceAccount:sa@p.iam.gserviceaccount.com'],
    ['group:Eng@Example.com', 'group:eng@example.com'],
    ['domain:Example.com', 'domain:example.com'],
    ['deleted:user:Alice@Example.com?uid=1', 'deleted:user:alice@example.com?uid=1'],
    ['allUsers', 'allUsers'],
    [
      'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/Alice',
      'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/Alice',
    ],
  ])('%s → %s', (s, n) => {
    expect(normalizeMember(s)).toBe(n)
  })

  it('is the prefix and the ASCII-lower-cased rest for any text, lower case or not', () => {
    const prefix = fc.constantFrom('user:', 'group:', 'serviceAccount:', 'domain:', 'deleted:user:')
    const rest = fc.string({
      unit: fc.constantFrom('a', 'Z', 'k', 'A', '\u212a', '@', '.', 'É', 'é'),
    })
    fc.assert(
      fc.property(prefix, rest, (p, r) => {
        const expected = p + r.replace(/[A-Z]+/g, (m) => m.toLowerCase())
        expect(normalizeMember(p + r)).toBe(expected)
        // Already canonical: answered as is.
        expect(normalizeMember(expected)).toBe(expected)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('classification', () => {
  it.each([
    ['allUsers', true, false, true, 'allUsers'],
    ['allAuthenticatedUsers', true, false, true, 'allAuthenticatedUsers'],
    ['group:g@example.com', false, true, true, 'group'],
    ['domain:example.com', false, true, true, 'domain'],
    ['user:a@example.com', false, false, false, 'user'],
    ['serviceAccount:a@p.iam.gserviceaccount.com', false, false, false, 'serviceAccount'],
    [
      'principalSet://iam.googleapis.com/locations/global/workforcePools/p/*',
      false,
      false,
      true,
      'principalSet',
    ],
    [
      'principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s',
      false,
      false,
      false,
      'principal',
    ],
    ['deleted:user:a@example.com?uid=1', false, false, false, 'deleted'],
    ['nonsense', false, false, false, undefined],
  ])('%s', (m, pub, gd, set, kind) => {
    expect(isPublicMember(m)).toBe(pub)
    expect(isGroupOrDomain(m)).toBe(gd)
    expect(isMemberSet(m)).toBe(set)
    expect(memberKind(m)).toBe(kind)
  })
})

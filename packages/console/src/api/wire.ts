// The wire constants the console needs (grant types, scope), from @runiam/api's one home for them.
export { CLOUD_PLATFORM_SCOPE, DEV_LOGIN_GRANT, JWT_BEARER_GRANT } from '@runiam/api'

// Who is making an admin call, as the authentication layer verified it. Services receive it
// explicitly: nothing reads identity from ambient state.

export interface Caller {
  /** The member string: 'user:a@x' | 'serviceAccount:sa@p.iam.gserviceaccount.com'. */
  readonly member: string
  readonly email: string
}

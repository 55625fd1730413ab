// `runiam admin rotate-keys`: calls runiam's signingKeys:rotate (only an owner of the
// organization may) and says when the new key starts signing and when the old one is dropped.
import type { RotateSigningKeysResponse } from '@runiam/api'
import type { CommandContext } from '../command-context.js'
import { formatResource, parseFormat } from '../output/format.js'

export async function rotateKeys(ctx: CommandContext): Promise<void> {
  const format = parseFormat(ctx.settings.format)
  const client = await ctx.client()
  const answer = await client.request<RotateSigningKeysResponse>(
    'POST',
    '/runiam/v1/signingKeys:rotate',
  )
  const { key } = answer
  const retired = answer.keys.filter((k) => k.retireTime === key.activateTime)
  ctx.io.stderr(
    `Published signing key [${key.kid}]; it starts signing at ${key.activateTime}.\n` +
      retired
        .map(
          (k) =>
            `Key [${k.kid}] signs until then and verifies the tokens it signed until ${k.dropTime ?? 'they expire'}.\n`,
        )
        .join(''),
  )
  ctx.io.stdout(formatResource(answer, format))
}

// The county's reference data (townships, villages, departments): the villages and departments as the
// county admin maintains them (identity /reference, public), with the volunteer service's service
// fields and urgencies; read once per page load.
import { send } from './http'
import { reference as load, type Reference } from './publicVolunteer'

type Divisions = Pick<Reference, 'townships' | 'departments'>
const maintained = async (): Promise<Divisions> => {
  const r = await send(new Request('/identity/reference', { headers: { Accept: 'application/json' }, cache: 'no-store' }))
  if (!r.ok) throw new Error(`参考数据加载失败 (${r.status})`)
  return (await r.json()) as Divisions
}

let cached: Promise<Reference> | null = null
// A failed load is not kept: the next screen that asks tries again (a dropped connection once left
// every picker empty until the page was reloaded).
export const reference = (): Promise<Reference> =>
  (cached ??= Promise.all([load(), maintained()]).then(([base, divisions]) => ({ ...base, ...divisions }))
    .catch((e: unknown) => { cached = null; throw e }))
export const forget = (): void => { cached = null }
export type { Reference }
